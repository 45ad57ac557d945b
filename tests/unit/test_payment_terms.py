"""The earliest unpaid payment term (o2c_extension.order_to_cash.payment_terms), the way ERPNext's
Accounts Receivable report based on payment terms allocates payments: oldest term first."""

from datetime import date, timedelta

from hypothesis import given
from hypothesis import strategies as st

from o2c_extension.order_to_cash.payment_terms import (
	Term,
	days_overdue,
	earliest_unpaid_due,
	unpaid_terms,
)

TODAY = date(2026, 6, 1)


def three_terms(start=TODAY):
	"""40 % now, 30 % at 30 days, 30 % at 60 days of 1,000."""
	return [
		Term(start, 400.0, "a"),
		Term(start + timedelta(days=30), 300.0, "b"),
		Term(start + timedelta(days=60), 300.0, "c"),
	]


def test_the_first_term_forty_days_overdue_makes_the_invoice_forty_days_overdue():
	terms = three_terms(TODAY - timedelta(days=40))
	due = earliest_unpaid_due(terms, 1000.0)
	assert due == TODAY - timedelta(days=40)
	assert days_overdue(due, TODAY) == 40


def test_payments_clear_the_oldest_term_first():
	terms = three_terms(TODAY - timedelta(days=40))
	# 400 paid: the first term is settled, the second (10 days overdue) is the earliest unpaid
	assert days_overdue(earliest_unpaid_due(terms, 600.0), TODAY) == 10
	# 399 paid: one unit of the first term is still open
	assert [(t.key, t.unpaid) for t in unpaid_terms(terms, 601.0)] == [("a", 1.0), ("b", 300.0), ("c", 300.0)]
	# 750 paid: the last term, not yet due, is all that is left, partly
	assert [(t.key, t.unpaid) for t in unpaid_terms(terms, 250.0)] == [("c", 250.0)]
	assert days_overdue(earliest_unpaid_due(terms, 250.0), TODAY) == 0


def test_paid_invoice_and_rounding_rest():
	terms = three_terms()
	assert earliest_unpaid_due(terms, 0.0) is None
	assert earliest_unpaid_due(terms, 0.004, epsilon=0.005) is None
	# more outstanding than the terms' total (a write-off reversed): the rest stays on the first
	assert unpaid_terms(terms, 1000.5)[0].unpaid == 400.5


def test_terms_out_of_order_are_sorted_by_due_date():
	a, b, c = three_terms(TODAY - timedelta(days=5))
	assert earliest_unpaid_due([c, a, b], 600.0) == b.due_date


@given(
	amounts=st.lists(st.integers(1, 10**6), min_size=1, max_size=6),
	paid_share=st.floats(0, 1),
)
def test_unpaid_terms_add_up_to_the_outstanding_and_are_a_suffix(amounts, paid_share):
	terms = [Term(TODAY + timedelta(days=30 * i), float(a), str(i)) for i, a in enumerate(amounts)]
	total = float(sum(amounts))
	outstanding = round(total * (1 - paid_share), 2)
	open_terms = unpaid_terms(terms, outstanding, epsilon=0.001)
	assert abs(sum(t.unpaid for t in open_terms) - outstanding) <= 0.001 * (len(amounts) + 1)
	# only the latest terms are open, every one but the earliest open one in full
	keys = [t.key for t in open_terms]
	assert keys == [str(i) for i in range(len(amounts) - len(keys), len(amounts))]
	for term in open_terms[1:]:
		assert term.unpaid == amounts[int(term.key)]
