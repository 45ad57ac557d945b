"""Input checks of the Scheduling capability: an agreement's items and schedule, and the lines of a
customer's release (as sent over REST, typed in the desk, read from a CSV or an EDIFACT message).

Pure: no frappe import, no database. Each check returns `Problem`s; the document layer turns them
into translated messages (messages.py) and writes nothing when there is one.
"""

import math
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime

from o2c_extension.scheduling.schedule_lines import (
	CANCELLED,
	FIRM,
	LINE_TYPES,
	MAX_QTY,
	CustomerReleaseLine,
	ScheduleLine,
)


@dataclass(frozen=True)
class Problem:
	"""A rejected input. `kind` names the rule; the document layer turns it into a message."""

	kind: str
	row: int | None = None
	value: object = None


def parse_date(value, formats=("%Y-%m-%d",)) -> date | None:
	if isinstance(value, datetime):
		return value.date()
	if isinstance(value, date):
		return value
	text = str(value or "").strip()
	for fmt in formats:
		try:
			return datetime.strptime(text, fmt).date()
		except ValueError:
			continue
	return None


def parse_qty(value) -> float | None:
	"""A finite number, from a number or its text; None for anything else (NaN and infinities too)."""
	if isinstance(value, bool):
		return None
	if isinstance(value, int | float):
		number = value
	else:
		text = str(value or "").strip().replace(" ", "")
		if not text:
			return None
		number = text
	try:
		number = float(number)
	except (ValueError, OverflowError):
		return None
	return number if math.isfinite(number) else None


def qty_problem(qty: float | None, row: int | None, raw=None) -> Problem | None:
	"""Why `qty` (as parsed) cannot be a line's quantity, or None."""
	if qty is None:
		return Problem("bad_qty", row, raw)
	if qty <= 0:
		return Problem("qty_not_positive", row, qty)
	if qty > MAX_QTY:
		return Problem("qty_too_large", row, qty)
	return None


def item_totals_too_large(lines) -> list[Problem]:
	"""One problem per item whose lines, each within MAX_QTY, total more than MAX_QTY (lines that
	are not are refused on their own)."""
	totals: dict[str, float] = defaultdict(float)
	for line in lines:
		if line.qty is not None and 0 < line.qty <= MAX_QTY:
			totals[line.item_code] += line.qty
	return [
		Problem("item_total_too_large", None, (item, total))
		for item, total in totals.items()
		if total > MAX_QTY
	]


def parse_line_type(value) -> str | None:
	text = str(value or "").strip().lower()
	if not text:
		return FIRM
	for line_type in LINE_TYPES:
		if text == line_type.lower():
			return line_type
	return None


def check_validity(valid_from: date | None, valid_to: date | None) -> list[Problem]:
	if valid_from and valid_to and valid_to < valid_from:
		return [Problem("valid_to_before_valid_from")]
	return []


def check_agreement_items(items: list[tuple[str, float, float]]) -> list[Problem]:
	"""`items` are (item_code, agreed_qty, rate) in row order."""
	problems = []
	if not items:
		problems.append(Problem("no_items"))
	seen = set()
	for row, (item_code, agreed_qty, rate) in enumerate(items, start=1):
		if item_code in seen:
			problems.append(Problem("duplicate_item", row, item_code))
		seen.add(item_code)
		if not agreed_qty or not math.isfinite(agreed_qty) or agreed_qty <= 0:
			problems.append(Problem("agreed_qty_not_positive", row, item_code))
		elif agreed_qty > MAX_QTY:
			problems.append(Problem("qty_too_large", row, agreed_qty))
		if rate is not None and (not math.isfinite(rate) or rate < 0):
			problems.append(Problem("negative_rate", row, item_code))
	return problems


def check_schedule_lines(
	lines: list[ScheduleLine], agreement_items: set[str], valid_from: date, valid_to: date
) -> list[Problem]:
	"""Every line: an item of the agreement, a positive qty, a date inside the validity."""
	problems = []
	for row, line in enumerate(lines, start=1):
		if line.item_code not in agreement_items:
			problems.append(Problem("item_not_on_agreement", row, line.item_code))
		if line.qty is None or not math.isfinite(line.qty) or line.qty <= 0:
			problems.append(Problem("qty_not_positive", row, line.qty))
		elif line.qty > MAX_QTY:
			problems.append(Problem("qty_too_large", row, line.qty))
		if line.schedule_date is None:
			problems.append(Problem("bad_date", row, line.schedule_date))
		elif (valid_from and line.schedule_date < valid_from) or (valid_to and line.schedule_date > valid_to):
			problems.append(Problem("date_outside_validity", row, line.schedule_date))
		if line.line_type not in LINE_TYPES:
			problems.append(Problem("bad_line_type", row, line.line_type))
	return problems + item_totals_too_large(line for line in lines if line.status != CANCELLED)


def read_release_lines(
	raw_lines: list[dict],
	agreement_items: set[str],
	valid_from: date,
	valid_to: date,
	date_formats=("%Y-%m-%d",),
	customer_items: dict[str, str] | None = None,
) -> tuple[list[CustomerReleaseLine], list[Problem]]:
	"""Turn the lines of a release (dicts of item_code, schedule_date, qty, line_type, as sent or as
	read from a CSV) into CustomerReleaseLines, or say what is wrong with them (every problem, by row).

	`customer_items` maps the customer's item codes to ours: a line may name either (`item_code`,
	or `customer_item_code` alone)."""
	customer_items = customer_items or {}
	lines, problems = [], []
	if not raw_lines:
		return [], [Problem("empty_release")]
	seen: dict[tuple[str, date], int] = {}
	for position, raw in enumerate(raw_lines, start=1):
		if not isinstance(raw, dict):
			problems.append(Problem("bad_line", position, raw))
			continue
		row = raw.get("row") or position
		item_code = our_item_code(raw, agreement_items, customer_items)
		schedule_date = parse_date(raw.get("schedule_date"), date_formats)
		qty = parse_qty(raw.get("qty"))
		line_type = parse_line_type(raw.get("line_type"))
		row_problems = []
		if not item_code:
			row_problems.append(Problem("missing_item", row))
		elif item_code not in agreement_items:
			row_problems.append(Problem("unknown_item", row, item_code))
		if schedule_date is None:
			row_problems.append(Problem("bad_date", row, raw.get("schedule_date")))
		elif schedule_date < valid_from or schedule_date > valid_to:
			row_problems.append(Problem("date_outside_validity", row, schedule_date))
		if problem := qty_problem(qty, row, raw.get("qty")):
			row_problems.append(problem)
		if line_type is None:
			row_problems.append(Problem("bad_line_type", row, raw.get("line_type")))
		if not row_problems:
			key = (item_code, schedule_date)
			if key in seen:
				row_problems.append(Problem("duplicate_line", row, (item_code, schedule_date, seen[key])))
			else:
				seen[key] = row
				lines.append(CustomerReleaseLine(item_code, schedule_date, qty, line_type))
		problems += row_problems
	return lines, problems + item_totals_too_large(lines)


def our_item_code(raw: dict, agreement_items: set[str], customer_items: dict[str, str]) -> str:
	"""Our item code of a line that names ours (`item_code`) or the customer's (`customer_item_code`,
	or the customer's code sent as `item_code`); the text as sent when it is neither."""
	item_code = str(raw.get("item_code") or "").strip()
	customer_code = str(raw.get("customer_item_code") or "").strip()
	if item_code in agreement_items:
		return item_code
	if not item_code and customer_code:
		return customer_items.get(customer_code, customer_code)
	return customer_items.get(item_code, item_code)


@dataclass(frozen=True)
class ItemStatement:
	"""What the customer says it has received of an item since the cumulative reset: its cumulative
	received quantity and the last of our delivery notes it has booked."""

	item_code: str
	cumulative_received_qty: float | None = None
	last_delivery_note: str | None = None


def read_item_statements(
	raw_items: list[dict], agreement_items: set[str], customer_items: dict[str, str] | None = None
) -> tuple[list[ItemStatement], list[Problem]]:
	"""The release's per-item statements (dicts of item_code or customer_item_code,
	cumulative_received_qty, last_delivery_note); one per item, a quantity at or above zero."""
	statements, problems, seen = [], [], set()
	for position, raw in enumerate(raw_items or [], start=1):
		if not isinstance(raw, dict):
			problems.append(Problem("bad_line", position, raw))
			continue
		row = raw.get("row") or position
		item_code = our_item_code(raw, agreement_items, customer_items or {})
		raw_qty = raw.get("cumulative_received_qty")
		qty = None if raw_qty in (None, "") else parse_qty(raw_qty)
		note = str(raw.get("last_delivery_note") or "").strip() or None
		if not item_code:
			problems.append(Problem("missing_item", row))
			continue
		if item_code not in agreement_items:
			problems.append(Problem("unknown_item", row, item_code))
			continue
		if raw_qty not in (None, "") and qty is None:
			problems.append(Problem("bad_cumulative_qty", row, raw_qty))
			continue
		if qty is not None and qty < 0:
			problems.append(Problem("negative_cumulative_qty", row, qty))
			continue
		if qty is not None and qty > MAX_QTY:
			problems.append(Problem("qty_too_large", row, qty))
			continue
		if item_code in seen:
			problems.append(Problem("duplicate_statement", row, item_code))
			continue
		seen.add(item_code)
		if qty is not None or note:
			statements.append(ItemStatement(item_code, qty, note))
	return statements, problems
