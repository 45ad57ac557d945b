"""Promise-to-pay decisions from plain values: no Frappe, no database.

A promise is for today or later and for a positive amount no larger than what can still be chased
(the outstanding less what is under open dispute). It is judged once, the day after its date plus
the tolerance: from the payments allocated to its invoices after it was made and by the last day of
the tolerance, it is Kept (all of the promised amount came in), Partially Kept (some of it) or
Broken (nothing).
"""

from __future__ import annotations

from datetime import date, timedelta

OPEN = "Open"
KEPT = "Kept"
PARTIALLY_KEPT = "Partially Kept"
BROKEN = "Broken"
CANCELLED = "Cancelled"
OUTCOMES = (KEPT, PARTIALLY_KEPT, BROKEN)

# what is wrong with a promise, for the thin layer to put into words
IN_THE_PAST = "in_the_past"
NOT_POSITIVE = "not_positive"
ABOVE_OUTSTANDING = "above_outstanding"
NOTHING_TO_PROMISE = "nothing_to_promise"


def last_counting_day(promise_date: date, tolerance_days: int) -> date:
	"""The last day a payment counts towards the promise."""
	return promise_date + timedelta(days=max(int(tolerance_days or 0), 0))


def judgement_day(promise_date: date, tolerance_days: int) -> date:
	"""The first day the promise is judged: the day after the tolerance ran out."""
	return last_counting_day(promise_date, tolerance_days) + timedelta(days=1)


def is_due_for_judgement(promise_date: date, tolerance_days: int, today: date) -> bool:
	return today >= judgement_day(promise_date, tolerance_days)


def latest_promise_date_due(today: date, tolerance_days: int) -> date:
	"""Promises dated on or before this day are due for judgement `today` (the query's bound)."""
	return today - timedelta(days=max(int(tolerance_days or 0), 0) + 1)


def outcome(promised: float, paid: float, epsilon: float = 0.005) -> str:
	"""Kept when the promised amount came in (to within `epsilon`), Partially Kept when some of it
	did, Broken when nothing did."""
	if paid >= promised - epsilon:
		return KEPT
	if paid > epsilon:
		return PARTIALLY_KEPT
	return BROKEN


def promise_problem(amount: float | None, chaseable: float, promise_date: date, today: date) -> str | None:
	"""Why a promise cannot be recorded, or None. `amount` None means "what can be chased"."""
	if promise_date < today:
		return IN_THE_PAST
	if chaseable <= 0:
		return NOTHING_TO_PROMISE
	if amount is None:
		return None
	if amount <= 0:
		return NOT_POSITIVE
	if amount > chaseable:
		return ABOVE_OUTSTANDING
	return None


def promised_amount(amount: float | None, chaseable: float) -> float:
	"""The amount promised: as given, or by default all that can be chased."""
	return chaseable if amount is None else amount
