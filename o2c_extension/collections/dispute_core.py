"""Dispute decisions from plain values: no Frappe, no database.

Only the disputed amount pauses collections: what can still be chased of an invoice is its
outstanding less the amount under open dispute. A new dispute must fit into what is not disputed
yet, and a second open dispute for the same amount on one invoice is taken for a duplicate.
"""

from __future__ import annotations

from collections.abc import Iterable

OPEN = "Open"
RESOLVED = "Resolved"
REJECTED = "Rejected"

CREDIT_NOTE = "Credit Note"
WRITE_OFF = "Write-off"
CUSTOMER_PAID = "Customer Paid"
RESOLUTIONS = (CREDIT_NOTE, WRITE_OFF, CUSTOMER_PAID, REJECTED)
# the resolution of the old `resolve_dispute(sales_invoice)`: the customer pays after all
DEFAULT_RESOLUTION = CUSTOMER_PAID

# what is wrong with a dispute, for the thin layer to put into words
PAID = "paid"
NOT_POSITIVE = "not_positive"
ABOVE_OUTSTANDING = "above_outstanding"
SAME_AMOUNT_OPEN = "same_amount_open"
FULLY_DISPUTED = "fully_disputed"


def chaseable(outstanding: float, open_disputed: float) -> float:
	"""What collections may still chase of an invoice: its outstanding less the open disputes."""
	return max(outstanding - max(open_disputed, 0.0), 0.0)


def is_fully_disputed(outstanding: float, open_disputed: float, epsilon: float = 0.005) -> bool:
	"""Nothing left to chase: the invoice's `disputed` flag (and Disputed status) stands for this."""
	return open_disputed > epsilon and outstanding - open_disputed <= epsilon


def disputed_amount(amount: float | None, outstanding: float, open_amounts: Iterable[float]) -> float:
	"""The amount disputed: as given, or by default all that is not disputed yet."""
	return chaseable(outstanding, sum(open_amounts)) if amount is None else amount


def dispute_problem(
	amount: float, outstanding: float, open_amounts: Iterable[float], epsilon: float = 0.005
) -> str | None:
	"""Why a dispute of `amount` cannot be recorded on an invoice with `outstanding` and the open
	disputes `open_amounts`, or None."""
	open_amounts = list(open_amounts)
	if outstanding <= epsilon:
		return PAID
	if amount is None or amount <= epsilon:
		return FULLY_DISPUTED if chaseable(outstanding, sum(open_amounts)) <= epsilon else NOT_POSITIVE
	if any(abs(amount - other) <= epsilon for other in open_amounts):
		return SAME_AMOUNT_OPEN
	if amount + sum(open_amounts) > outstanding + epsilon:
		return ABOVE_OUTSTANDING
	return None


def status_after(resolution: str) -> str:
	"""The Dispute's status once it ends with `resolution`."""
	return REJECTED if resolution == REJECTED else RESOLVED


def matching_dispute(open_disputes: Iterable[tuple[str, float]], credited: float, epsilon: float = 0.005):
	"""Of an invoice's open disputes (name, amount), oldest first, the one a credit note of
	`credited` settles: the first with that amount, else the only one it covers; None otherwise."""
	open_disputes = list(open_disputes)
	for name, amount in open_disputes:
		if abs(amount - credited) <= epsilon:
			return name
	if len(open_disputes) == 1 and credited >= open_disputes[0][1] - epsilon:
		return open_disputes[0][0]
	return None
