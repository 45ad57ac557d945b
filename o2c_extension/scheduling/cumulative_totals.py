"""Cumulative released / delivered / billed quantities, line and agreement status, and the
customer's cumulative received quantity set against ours. Pure: no frappe, no database."""

from collections import defaultdict
from dataclasses import dataclass
from datetime import date

from o2c_extension.scheduling.schedule_lines import (
	ACTIVE,
	AGREEMENT_CANCELLED,
	CANCELLED,
	COMPLETED,
	DEFAULT_PRECISION,
	DELIVERED,
	DRAFT,
	EXPIRED,
	OPEN,
	RELEASED,
	ScheduleLine,
)
from o2c_extension.scheduling.schedule_lines import rounded as _round


@dataclass(frozen=True)
class Flow:
	"""Submitted documents' quantities for one item (and schedule line, if any), in stock units."""

	item_code: str
	schedule_line: str | None = None
	called_off: float = 0.0
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
		quantities = (flow.called_off / cf, flow.delivered / cf, flow.billed / cf)
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


@dataclass(frozen=True)
class CumulativeComparison:
	"""The customer's cumulative received quantity of an item beside ours delivered.

	`difference` = delivered − received. What we delivered after the last delivery note the
	customer booked is in transit and explains that much of it; the rest is `unexplained`, and
	an item with an unexplained difference is `flagged`: a mismatch to clear with the customer."""

	item_code: str
	cumulative_received_qty: float
	cumulative_delivered_qty: float
	difference: float
	delivered_after_note_qty: float
	unexplained_qty: float

	@property
	def flagged(self) -> bool:
		return self.unexplained_qty != 0


def compare_cumulatives(
	item_code: str,
	received: float,
	delivered: float,
	delivered_after_note: float | None,
	precision: int = DEFAULT_PRECISION,
) -> CumulativeComparison:
	"""`delivered_after_note` is None when the release names no delivery note we know."""
	difference = _round(delivered - received, precision)
	after_note = _round(delivered_after_note or 0, precision)
	return CumulativeComparison(
		item_code,
		_round(received, precision),
		_round(delivered, precision),
		difference,
		after_note,
		_round(difference - after_note, precision),
	)
