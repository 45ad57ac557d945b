"""Decisions of the Scheduling capability, made from plain values.

No frappe import and no database here: the document layer reads rows, calls these functions and
writes what they return. Quantities are floats in the agreement's unit of measure unless a name
says otherwise; `precision` is the number of decimals quantities are compared at.
"""

import csv
import io
import math
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

FIRM = "Firm"
FORECAST = "Forecast"
LINE_TYPES = (FIRM, FORECAST)

# schedule line status
OPEN = "Open"
RELEASED = "Released"
DELIVERED = "Delivered"
CANCELLED = "Cancelled"

# agreement status
DRAFT = "Draft"
ACTIVE = "Active"
COMPLETED = "Completed"
EXPIRED = "Expired"
AGREEMENT_CANCELLED = "Cancelled"

# what a release did to a schedule line
ADDED = "Added"
CHANGED = "Changed"
REMOVED = "Removed"

DEFAULT_PRECISION = 6

# The largest quantity one schedule or release line may carry, and one item may total over an
# agreement's schedule or a release. Quantities are stored in Frappe Float columns, DECIMAL(21,9):
# below 10**12. A billion units per item leaves a thousandfold margin for the sums kept from them
# (released / delivered / billed quantities, a release's open quantity and delta per item) and is
# far beyond any real delivery schedule.
MAX_QTY = 1_000_000_000


def _round(value: float, precision: int) -> float:
	return round(float(value or 0), precision)


# ---------------------------------------------------------------------------------------------
# Schedule lines and releases
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ScheduleLine:
	"""A dated quantity of one item on an agreement's delivery schedule."""

	item_code: str
	schedule_date: date
	qty: float
	line_type: str = FIRM
	status: str = OPEN
	name: str | None = None
	released_qty: float = 0.0
	delivered_qty: float = 0.0

	@property
	def key(self) -> tuple[str, date]:
		return (self.item_code, self.schedule_date)

	@property
	def committed_qty(self) -> float:
		"""What this line has already turned into orders; a new release only adds the rest."""
		if self.status not in (RELEASED, DELIVERED):
			return 0.0
		return max(self.released_qty, self.delivered_qty) or self.qty


@dataclass(frozen=True)
class ReleaseLine:
	"""One line of a customer release: the customer's requirement of an item on a date."""

	item_code: str
	schedule_date: date
	qty: float
	line_type: str = FIRM

	@property
	def key(self) -> tuple[str, date]:
		return (self.item_code, self.schedule_date)


@dataclass(frozen=True)
class LineChange:
	change_type: str  # ADDED / CHANGED / REMOVED
	item_code: str
	schedule_date: date
	old_qty: float
	new_qty: float
	old_line_type: str | None
	new_line_type: str | None
	line_name: str | None  # the schedule line changed or removed; None for a line still to be added


@dataclass
class ReleaseMerge:
	"""The agreement's schedule after a release, and what the release changed.

	`kept` are the lines the release may not touch (Released, Delivered, Cancelled); the new open
	schedule is `unchanged` + the new side of `changed` + `added`.
	"""

	kept: list[ScheduleLine] = field(default_factory=list)
	unchanged: list[ScheduleLine] = field(default_factory=list)
	changed: list[tuple[ScheduleLine, ScheduleLine]] = field(default_factory=list)
	added: list[ScheduleLine] = field(default_factory=list)
	removed: list[ScheduleLine] = field(default_factory=list)
	# item -> (open qty before, open qty after)
	item_deltas: dict[str, tuple[float, float]] = field(default_factory=dict)

	@property
	def open_lines(self) -> list[ScheduleLine]:
		return [*self.unchanged, *(new for _old, new in self.changed), *self.added]

	@property
	def lines(self) -> list[ScheduleLine]:
		return sort_schedule([*self.kept, *self.open_lines])

	@property
	def has_changes(self) -> bool:
		return bool(self.changed or self.added or self.removed)

	@property
	def changes(self) -> list[LineChange]:
		rows = [
			LineChange(
				ADDED, line.item_code, line.schedule_date, 0.0, line.qty, None, line.line_type, line.name
			)
			for line in self.added
		]
		rows += [
			LineChange(
				CHANGED,
				old.item_code,
				old.schedule_date,
				old.qty,
				new.qty,
				old.line_type,
				new.line_type,
				old.name,
			)
			for old, new in self.changed
		]
		rows += [
			LineChange(
				REMOVED, line.item_code, line.schedule_date, line.qty, 0.0, line.line_type, None, line.name
			)
			for line in self.removed
		]
		return sorted(rows, key=lambda change: (change.schedule_date, change.item_code, change.change_type))


def sort_schedule(lines):
	return sorted(lines, key=lambda line: (line.schedule_date, line.item_code, line.line_type))


def merge_release(
	current: list[ScheduleLine], release: list[ReleaseLine], precision: int = DEFAULT_PRECISION
) -> ReleaseMerge:
	"""Replace the agreement's Open lines by the release.

	A release states the customer's requirement per item and date. Lines that already became
	orders (Released / Delivered) stay as they are and count against the requirement of their
	date, so re-sending a date that was called off does not order it twice. Open lines with the
	same item and date are kept (unchanged or changed in place); the other Open lines go.
	"""
	merge = ReleaseMerge()
	open_by_key: dict[tuple[str, date], list[ScheduleLine]] = defaultdict(list)
	committed: dict[tuple[str, date], float] = defaultdict(float)
	for line in current:
		if line.status == OPEN:
			open_by_key[line.key].append(line)
		else:
			merge.kept.append(line)
			committed[line.key] += line.committed_qty

	wanted_qty: dict[tuple[str, date], float] = defaultdict(float)
	wanted_type: dict[tuple[str, date], str] = {}
	for line in release:
		wanted_qty[line.key] += line.qty
		# a date that is firm on any line of the release is firm
		if wanted_type.get(line.key) != FIRM:
			wanted_type[line.key] = line.line_type

	for key in sorted(wanted_qty):
		open_qty = _round(wanted_qty[key] - committed[key], precision)
		if open_qty <= 0:
			continue
		previous = open_by_key[key].pop(0) if open_by_key[key] else None
		if previous is None:
			merge.added.append(ScheduleLine(key[0], key[1], open_qty, wanted_type[key]))
		elif _round(previous.qty, precision) == open_qty and previous.line_type == wanted_type[key]:
			merge.unchanged.append(previous)
		else:
			updated = ScheduleLine(key[0], key[1], open_qty, wanted_type[key], OPEN, previous.name)
			merge.changed.append((previous, updated))

	merge.removed = sort_schedule(line for lines in open_by_key.values() for line in lines)

	before: dict[str, float] = defaultdict(float)
	after: dict[str, float] = defaultdict(float)
	for line in current:
		if line.status == OPEN:
			before[line.item_code] += line.qty
	for line in merge.open_lines:
		after[line.item_code] += line.qty
	merge.item_deltas = {
		item: (_round(before[item], precision), _round(after[item], precision))
		for item in sorted(set(before) | set(after))
	}
	return merge


@dataclass
class RevertPlan:
	"""How to undo one release: lines to delete, to set back, and to put back."""

	delete: list[str] = field(default_factory=list)
	restore: dict[str, tuple[float, str]] = field(default_factory=dict)  # line -> (qty, line_type)
	reinsert: list[ScheduleLine] = field(default_factory=list)
	conflicts: list[LineChange] = field(default_factory=list)


def plan_revert(
	current: list[ScheduleLine], changes: list[LineChange], precision=DEFAULT_PRECISION
) -> RevertPlan:
	"""Undo a release's changes, provided every line it added or changed is still Open as it left it."""
	plan = RevertPlan()
	by_name = {line.name: line for line in current if line.name}
	for change in changes:
		if change.change_type == REMOVED:
			plan.reinsert.append(
				ScheduleLine(
					change.item_code, change.schedule_date, change.old_qty, change.old_line_type or FIRM, OPEN
				)
			)
			continue
		line = by_name.get(change.line_name)
		as_left = (
			line is not None
			and line.status == OPEN
			and _round(line.qty, precision) == _round(change.new_qty, precision)
			and line.line_type == change.new_line_type
		)
		if not as_left:
			plan.conflicts.append(change)
		elif change.change_type == ADDED:
			plan.delete.append(line.name)
		else:
			plan.restore[line.name] = (change.old_qty, change.old_line_type or FIRM)
	return plan


# ---------------------------------------------------------------------------------------------
# Input checks (agreement and release lines)
# ---------------------------------------------------------------------------------------------


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
) -> tuple[list[ReleaseLine], list[Problem]]:
	"""Turn the lines of a release (dicts of item_code, schedule_date, qty, line_type, as sent or as
	read from a CSV) into ReleaseLines, or say what is wrong with them (every problem, by row)."""
	lines, problems = [], []
	if not raw_lines:
		return [], [Problem("empty_release")]
	seen: dict[tuple[str, date], int] = {}
	for position, raw in enumerate(raw_lines, start=1):
		if not isinstance(raw, dict):
			problems.append(Problem("bad_line", position, raw))
			continue
		row = raw.get("row") or position
		item_code = str(raw.get("item_code") or "").strip()
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
				lines.append(ReleaseLine(item_code, schedule_date, qty, line_type))
		problems += row_problems
	return lines, problems + item_totals_too_large(lines)


# column names a release CSV may use, by field
CSV_COLUMNS = {
	"item_code": ("item_code", "item", "item code", "article", "material"),
	"schedule_date": ("schedule_date", "date", "schedule date", "delivery_date", "delivery date"),
	"qty": ("qty", "quantity"),
	"line_type": ("line_type", "type", "line type"),
}
CSV_ORDER = ("item_code", "schedule_date", "qty", "line_type")


class CsvReadError(ValueError):
	"""A release CSV that cannot be read at all; `line` is where reading stopped."""

	def __init__(self, line: int, reason: str):
		super().__init__(f"line {line}: {reason}")
		self.line = line
		self.reason = reason


def parse_release_csv(text: str) -> list[dict]:
	"""Rows of a release CSV as dicts (with their line number in `row`).

	Columns are item, date, qty, type in that order, or named by a header row in any order.
	Comma, semicolon and tab separators are accepted; blank lines are skipped. Lines may end in
	LF, CR LF or a bare CR (old Mac spreadsheets). CsvReadError when the text is no CSV at all.
	"""
	text = (text or "").lstrip("\ufeff")
	first_line = next((line for line in text.splitlines() if line.strip()), "")
	delimiter = max((",", ";", "\t"), key=first_line.count) if first_line else ","
	# newline="": the csv module itself then reads every kind of line end, also inside quotes
	reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
	try:
		rows = [
			(number, [cell.strip() for cell in cells])
			for number, cells in enumerate(reader, start=1)
			if any(cell.strip() for cell in cells)
		]
	except csv.Error as error:
		raise CsvReadError(reader.line_num, str(error)) from error
	if not rows:
		return []

	columns = list(CSV_ORDER)
	header = [cell.lower() for cell in rows[0][1]]
	named = {
		fieldname: header.index(name)
		for fieldname, names in CSV_COLUMNS.items()
		for name in names
		if name in header
	}
	if "item_code" in named and "qty" in named:
		columns = [None] * len(header)
		for fieldname, index in named.items():
			columns[index] = fieldname
		rows = rows[1:]

	return [
		{
			"row": number,
			**{fieldname: value for fieldname, value in zip(columns, cells, strict=False) if fieldname},
		}
		for number, cells in rows
	]


# ---------------------------------------------------------------------------------------------
# Tolerance
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ToleranceBreach:
	item_code: str
	agreed_qty: float
	already_released: float
	requested: float
	limit: float


def release_limit(agreed_qty: float, tolerance_percent: float, precision: int = DEFAULT_PRECISION) -> float:
	return _round(agreed_qty * (1 + (tolerance_percent or 0) / 100), precision)


def check_tolerance(
	requested: dict[str, float],
	agreed: dict[str, float],
	already_released: dict[str, float],
	tolerance_percent: float,
	precision: int = DEFAULT_PRECISION,
) -> list[ToleranceBreach]:
	"""Items whose released quantity would pass agreed × (1 + tolerance) with this order."""
	breaches = []
	for item_code in sorted(requested):
		qty = _round(requested[item_code], precision)
		if qty <= 0 or item_code not in agreed:
			continue
		limit = release_limit(agreed[item_code], tolerance_percent, precision)
		released = _round(already_released.get(item_code, 0), precision)
		if _round(released + qty, precision) > limit:
			breaches.append(ToleranceBreach(item_code, agreed[item_code], released, qty, limit))
	return breaches


# ---------------------------------------------------------------------------------------------
# Cumulatives and status
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Flow:
	"""Submitted documents' quantities for one item (and schedule line, if any), in stock units."""

	item_code: str
	schedule_line: str | None = None
	released: float = 0.0
	delivered: float = 0.0
	billed: float = 0.0
	sales_order: str | None = None  # a submitted order for the line
	cancelled_order: str | None = None  # a cancelled order for the line


@dataclass(frozen=True)
class AgreementItem:
	name: str
	item_code: str
	agreed_qty: float
	conversion_factor: float = 1.0


@dataclass(frozen=True)
class Cumulatives:
	released_qty: float
	delivered_qty: float
	billed_qty: float


@dataclass
class AgreementTotals:
	items: dict[str, Cumulatives]  # agreement item row name -> cumulatives
	scheduled_qty: dict[str, float]  # agreement item row name -> qty on live schedule lines
	lines: dict[str, dict]  # schedule line name -> released/delivered/billed qty, sales_order, status
	per_released: float
	per_delivered: float
	per_billed: float
	status: str


def line_status(qty: float, released: float, delivered: float, had_order: bool, precision: int) -> str:
	if qty > 0 and _round(delivered, precision) >= _round(qty, precision):
		return DELIVERED
	if _round(released, precision) > 0 or _round(delivered, precision) > 0:
		return RELEASED
	# its order was cancelled (or closed undelivered): the line is not called off again; a new
	# release that still asks for the date adds a fresh line
	return CANCELLED if had_order else OPEN


def agreement_status(
	docstatus: int, items: list[tuple[float, float]], valid_to: date | None, today: date, precision: int
) -> str:
	"""`items` are (agreed_qty, delivered_qty)."""
	if docstatus == 0:
		return DRAFT
	if docstatus == 2:
		return AGREEMENT_CANCELLED
	if items and all(
		_round(delivered, precision) >= _round(agreed, precision) for agreed, delivered in items
	):
		return COMPLETED
	if valid_to and valid_to < today:
		return EXPIRED
	return ACTIVE


def _percent(pairs: list[tuple[float, float]]) -> float:
	"""Share of the agreed quantity reached, over (agreed, reached) per item; an item's excess
	does not make up for another item's shortfall."""
	whole = sum(agreed for agreed, _reached in pairs)
	part = sum(min(max(reached, 0.0), agreed) for agreed, reached in pairs)
	return round(part / whole * 100, 2) if whole > 0 else 0.0


def compute_cumulatives(
	items: list[AgreementItem],
	lines: list[ScheduleLine],
	flows: list[Flow],
	docstatus: int,
	valid_to: date | None,
	today: date,
	precision: int = DEFAULT_PRECISION,
) -> AgreementTotals:
	"""Released / delivered / billed per item and line from the submitted documents' flows."""
	factor = {item.item_code: item.conversion_factor or 1.0 for item in items}
	by_item: dict[str, list[float]] = defaultdict(lambda: [0.0, 0.0, 0.0])
	by_line: dict[str, list] = defaultdict(lambda: [0.0, 0.0, 0.0, None, None])
	for flow in flows:
		if flow.item_code not in factor:
			continue
		cf = factor[flow.item_code]
		quantities = (flow.released / cf, flow.delivered / cf, flow.billed / cf)
		totals = by_item[flow.item_code]
		for index, qty in enumerate(quantities):
			totals[index] += qty
		if flow.schedule_line:
			line_totals = by_line[flow.schedule_line]
			for index, qty in enumerate(quantities):
				line_totals[index] += qty
			line_totals[3] = max(filter(None, (line_totals[3], flow.sales_order)), default=None)
			line_totals[4] = max(filter(None, (line_totals[4], flow.cancelled_order)), default=None)

	item_totals = {
		item.name: Cumulatives(*(_round(qty, precision) for qty in by_item[item.item_code])) for item in items
	}

	line_totals = {}
	scheduled: dict[str, float] = defaultdict(float)
	for line in lines:
		released, delivered, billed, sales_order, cancelled_order = by_line[line.name]
		status = line_status(line.qty, released, delivered, bool(sales_order or cancelled_order), precision)
		line_totals[line.name] = {
			"released_qty": _round(released, precision),
			"delivered_qty": _round(delivered, precision),
			"billed_qty": _round(billed, precision),
			"sales_order": sales_order or cancelled_order,
			"status": status,
		}
		if status != CANCELLED:
			scheduled[line.item_code] += line.qty

	def reached(attr: str) -> list[tuple[float, float]]:
		return [(item.agreed_qty, getattr(item_totals[item.name], attr)) for item in items]

	return AgreementTotals(
		items=item_totals,
		scheduled_qty={item.name: _round(scheduled[item.item_code], precision) for item in items},
		lines=line_totals,
		per_released=_percent(reached("released_qty")),
		per_delivered=_percent(reached("delivered_qty")),
		per_billed=_percent(reached("billed_qty")),
		status=agreement_status(
			docstatus,
			[(item.agreed_qty, item_totals[item.name].delivered_qty) for item in items],
			valid_to,
			today,
			precision,
		),
	)


# ---------------------------------------------------------------------------------------------
# Call-off
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DueLine:
	agreement: str
	name: str
	item_code: str
	schedule_date: date
	qty: float
	line_type: str = FIRM
	status: str = OPEN


@dataclass(frozen=True)
class PlannedOrder:
	agreement: str
	schedule_date: date
	lines: tuple[DueLine, ...]


def call_off_horizon(today: date, horizon_days: int) -> date:
	return today + timedelta(days=max(int(horizon_days or 0), 0))


def plan_call_off(
	lines: list[DueLine], horizon_days: dict[str, int], already_ordered: set[str], today: date
) -> list[PlannedOrder]:
	"""One order per agreement and schedule date for the Firm, Open lines due within the horizon
	that no submitted order carries yet. Agreements missing from `horizon_days` are not called off."""
	groups: dict[tuple[str, date], list[DueLine]] = defaultdict(list)
	for line in lines:
		if (
			line.agreement in horizon_days
			and line.status == OPEN
			and line.line_type == FIRM
			and line.qty > 0
			and line.name not in already_ordered
			and line.schedule_date <= call_off_horizon(today, horizon_days[line.agreement])
		):
			groups[(line.agreement, line.schedule_date)].append(line)
	return [
		PlannedOrder(
			agreement, schedule_date, tuple(sorted(group, key=lambda line: (line.item_code, line.name)))
		)
		for (agreement, schedule_date), group in sorted(groups.items())
	]
