"""Which payment terms of an invoice are still unpaid: the one definition, used by credit control
(overdue age in exposure, checks, scores and the Credit Exposure report) and by collections (the
term a step speaks of, settlement per term).

Pure: no frappe, no database. What ERPNext recorded against a term (a Payment Entry naming the
payment term: the Payment Schedule row's `paid_amount`) is that term's; everything else paid
(payments without a term, journal entries, credit notes) clears the earliest terms first (by due
date, then by row order), as ERPNext's Accounts Receivable report based on payment terms allocates
it. The invoice's outstanding is what is trusted; the terms' amounts must be in its currency (the
receivable account's).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from itertools import pairwise


@dataclass(frozen=True)
class Term:
	due_date: date
	amount: float  # in the currency of the invoice's outstanding
	key: str = ""  # the Payment Schedule row, when the caller needs it back
	paid: float = 0.0  # what ERPNext recorded as paid against this term (a payment naming it)


@dataclass(frozen=True)
class UnpaidTerm:
	key: str
	due_date: date
	unpaid: float


def unpaid_terms(
	terms: Sequence[Term], outstanding: float, epsilon: float = 0.0, unit: float = 0.0
) -> list[UnpaidTerm]:
	"""What is still unpaid of each term, earliest first. An invoice without terms is one term
	(pass its due date). Anything outstanding above the terms' total (a write-off changed) stays on
	the earliest term. A term left with no more than the rounding of the schedule's split (`unit`,
	the smallest amount, per term) is paid: the cent is carried to the next term, so it never keeps
	a paid term open."""
	if outstanding <= epsilon or not terms:
		return []
	ordered = sorted(enumerate(terms), key=lambda pair: (pair[1].due_date, pair[0]))
	unpaid = {position: max(term.amount - max(term.paid, 0.0), 0.0) for position, term in ordered}
	to_clear = sum(unpaid.values()) - outstanding
	if to_clear < 0:
		unpaid[ordered[0][0]] -= to_clear
	for position, _term in ordered:
		if to_clear <= 0:
			break
		share = min(unpaid[position], to_clear)
		unpaid[position] -= share
		to_clear -= share
	tolerance = unit * len(terms)
	for (position, _term), (following, _next) in pairwise(ordered):
		if 0 < unpaid[position] <= tolerance + epsilon and unpaid[following] > epsilon:
			unpaid[following] += unpaid[position]
			unpaid[position] = 0.0
	return [
		UnpaidTerm(term.key, term.due_date, unpaid[position])
		for position, term in ordered
		if unpaid[position] > epsilon
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
