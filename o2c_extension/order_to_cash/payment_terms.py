"""Which payment terms of an invoice are still unpaid: the one definition, used by credit control
(overdue age in exposure, checks and the Credit Exposure report) and open to collections.

Pure: no frappe, no database. Payments and credit notes clear an invoice's terms oldest first, as
ERPNext's Accounts Receivable report based on payment terms allocates them: what has been paid is
the terms' total less the invoice's outstanding, and it covers the earliest terms (by due date,
then by row order) in full before the next. ERPNext does not keep a reliable outstanding per term
(a payment made without a payment term leaves it untouched), so only the invoice's outstanding is
trusted. The terms' amounts must be in the currency of the outstanding (the receivable account's).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True)
class Term:
	due_date: date
	amount: float  # in the currency of the invoice's outstanding
	key: str = ""  # the Payment Schedule row, when the caller needs it back


@dataclass(frozen=True)
class UnpaidTerm:
	key: str
	due_date: date
	unpaid: float


def unpaid_terms(terms: Sequence[Term], outstanding: float, epsilon: float = 0.0) -> list[UnpaidTerm]:
	"""What is still unpaid of each term, earliest first, payments having cleared the earliest terms
	first. An invoice without terms is one term (pass its due date). Anything outstanding above the
	terms' total (rounding, a write-off changed) stays on the earliest term."""
	if outstanding <= epsilon or not terms:
		return []
	ordered = sorted(enumerate(terms), key=lambda pair: (pair[1].due_date, pair[0]))
	remaining = outstanding
	unpaid: dict[int, float] = {}
	for position, term in reversed(ordered):
		share = min(max(term.amount, 0.0), remaining)
		unpaid[position] = share
		remaining -= share
	if remaining > epsilon:
		first = ordered[0][0]
		unpaid[first] = unpaid.get(first, 0.0) + remaining
	return [
		UnpaidTerm(term.key, term.due_date, unpaid[position])
		for position, term in ordered
		if unpaid.get(position, 0.0) > epsilon
	]


def earliest_unpaid_due(terms: Sequence[Term], outstanding: float, epsilon: float = 0.0) -> date | None:
	"""Due date of the earliest term not paid in full, None when the invoice is paid."""
	open_terms = unpaid_terms(terms, outstanding, epsilon)
	return open_terms[0].due_date if open_terms else None


def days_overdue(due: date | None, today: date) -> int:
	"""Whole days `due` lies before `today`; 0 when not yet due (or nothing is due)."""
	if due is None:
		return 0
	return max(0, (today - due).days)
