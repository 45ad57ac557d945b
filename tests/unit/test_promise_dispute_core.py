"""Promises to pay and disputes decided without a database: when a promise is judged and how,
what a promise or a dispute may be for, what is left to chase, which dispute a credit note ends."""

from datetime import date, timedelta

from hypothesis import assume, given
from hypothesis import strategies as st

from o2c_extension.collections import dispute_core, promise_core

TODAY = date(2031, 3, 3)
money = st.decimals(min_value="0.01", max_value="100000", places=2).map(float)
days = st.integers(min_value=0, max_value=30)


# --- promises -------------------------------------------------------------------------------


def test_a_promise_is_judged_the_day_after_its_date_plus_the_tolerance():
	promised = date(2031, 3, 10)
	assert promise_core.last_counting_day(promised, 3) == date(2031, 3, 13)
	assert promise_core.judgement_day(promised, 3) == date(2031, 3, 14)
	assert not promise_core.is_due_for_judgement(promised, 3, date(2031, 3, 13))
	assert promise_core.is_due_for_judgement(promised, 3, date(2031, 3, 14))
	# no tolerance: judged the day after the promised date
	assert promise_core.judgement_day(promised, 0) == date(2031, 3, 11)


@given(promise_date=st.dates(), tolerance=days, offset=st.integers(-40, 40))
def test_the_query_bound_agrees_with_the_judgement_day(promise_date, tolerance, offset):
	assume(date(1900, 1, 1) < promise_date < date(9000, 1, 1))
	today = promise_date + timedelta(days=offset)
	bound = promise_core.latest_promise_date_due(today, tolerance)
	assert (promise_date <= bound) == promise_core.is_due_for_judgement(promise_date, tolerance, today)


def test_outcome_from_what_was_paid():
	assert promise_core.outcome(600.0, 600.0) == promise_core.KEPT
	assert promise_core.outcome(600.0, 700.0) == promise_core.KEPT
	assert promise_core.outcome(600.0, 599.999) == promise_core.KEPT  # within half a cent
	assert promise_core.outcome(600.0, 599.99) == promise_core.PARTIALLY_KEPT
	assert promise_core.outcome(600.0, 0.01) == promise_core.PARTIALLY_KEPT
	assert promise_core.outcome(600.0, 0.0) == promise_core.BROKEN
	assert promise_core.outcome(600.0, -50.0) == promise_core.BROKEN  # a refund is no payment


@given(promised=money, paid=st.floats(min_value=-1000, max_value=200000, allow_nan=False))
def test_outcome_is_monotonic_in_what_was_paid(promised, paid):
	order = [promise_core.BROKEN, promise_core.PARTIALLY_KEPT, promise_core.KEPT]
	assert order.index(promise_core.outcome(promised, paid)) <= order.index(
		promise_core.outcome(promised, paid + 1)
	)


def test_what_a_promise_may_be_for():
	tomorrow = TODAY + timedelta(days=1)
	assert promise_core.promise_problem(None, 500.0, TODAY, TODAY) is None
	assert promise_core.promise_problem(500.0, 500.0, tomorrow, TODAY) is None
	assert (
		promise_core.promise_problem(100.0, 500.0, TODAY - timedelta(days=1), TODAY)
		== promise_core.IN_THE_PAST
	)
	assert promise_core.promise_problem(0.0, 500.0, tomorrow, TODAY) == promise_core.NOT_POSITIVE
	assert promise_core.promise_problem(-5.0, 500.0, tomorrow, TODAY) == promise_core.NOT_POSITIVE
	assert promise_core.promise_problem(500.01, 500.0, tomorrow, TODAY) == promise_core.ABOVE_OUTSTANDING
	assert promise_core.promise_problem(None, 0.0, tomorrow, TODAY) == promise_core.NOTHING_TO_PROMISE
	assert promise_core.promised_amount(None, 500.0) == 500.0
	assert promise_core.promised_amount(120.0, 500.0) == 120.0


@given(amount=money, chaseable=money)
def test_a_promise_is_accepted_exactly_up_to_what_can_be_chased(amount, chaseable):
	problem = promise_core.promise_problem(amount, chaseable, TODAY, TODAY)
	assert (problem is None) == (amount <= chaseable)


# --- disputes -------------------------------------------------------------------------------


def test_what_is_left_to_chase():
	assert dispute_core.chaseable(1045.0, 0.0) == 1045.0
	assert dispute_core.chaseable(1045.0, 300.0) == 745.0
	assert dispute_core.chaseable(200.0, 300.0) == 0.0  # paid down below the disputed amount
	assert dispute_core.is_fully_disputed(1045.0, 1045.0)
	assert dispute_core.is_fully_disputed(200.0, 300.0)
	assert not dispute_core.is_fully_disputed(1045.0, 300.0)
	assert not dispute_core.is_fully_disputed(1045.0, 0.0)


def test_what_a_dispute_may_be_for():
	assert dispute_core.dispute_problem(300.0, 1045.0, []) is None
	assert dispute_core.dispute_problem(1045.0, 1045.0, []) is None
	assert dispute_core.dispute_problem(300.0, 0.0, []) == dispute_core.PAID
	assert dispute_core.dispute_problem(0.0, 1045.0, []) == dispute_core.NOT_POSITIVE
	assert dispute_core.dispute_problem(-1.0, 1045.0, []) == dispute_core.NOT_POSITIVE
	assert dispute_core.dispute_problem(1045.01, 1045.0, []) == dispute_core.ABOVE_OUTSTANDING
	# a second open dispute for the same amount is a duplicate; another amount must fit the rest
	assert dispute_core.dispute_problem(300.0, 1045.0, [300.0]) == dispute_core.SAME_AMOUNT_OPEN
	assert dispute_core.dispute_problem(200.0, 1045.0, [300.0]) is None
	assert dispute_core.dispute_problem(745.01, 1045.0, [300.0]) == dispute_core.ABOVE_OUTSTANDING
	# nothing left undisputed: the default amount is 0
	rest = dispute_core.disputed_amount(None, 1045.0, [1045.0])
	assert rest == 0.0
	assert dispute_core.dispute_problem(rest, 1045.0, [1045.0]) == dispute_core.FULLY_DISPUTED
	assert dispute_core.disputed_amount(None, 1045.0, [300.0]) == 745.0


@given(amount=money, outstanding=money, opened=st.lists(money, max_size=4))
def test_accepted_disputes_never_exceed_the_outstanding(amount, outstanding, opened):
	assume(sum(opened) <= outstanding)
	if dispute_core.dispute_problem(amount, outstanding, opened) is None:
		assert amount + sum(opened) <= outstanding + 0.005
		assert all(abs(amount - other) > 0.005 for other in opened)


def test_status_after_each_resolution():
	assert dispute_core.status_after(dispute_core.CREDIT_NOTE) == dispute_core.RESOLVED
	assert dispute_core.status_after(dispute_core.WRITE_OFF) == dispute_core.RESOLVED
	assert dispute_core.status_after(dispute_core.CUSTOMER_PAID) == dispute_core.RESOLVED
	assert dispute_core.status_after(dispute_core.REJECTED) == dispute_core.REJECTED


def test_the_dispute_a_credit_note_settles():
	opened = [("DSP-1", 300.0), ("DSP-2", 150.0)]
	assert dispute_core.matching_dispute(opened, 150.0) == "DSP-2"
	assert dispute_core.matching_dispute(opened, 300.0) == "DSP-1"
	assert dispute_core.matching_dispute(opened, 200.0) is None  # ambiguous: left to the user
	assert dispute_core.matching_dispute([("DSP-1", 300.0)], 330.0) == "DSP-1"  # covers the only one
	assert dispute_core.matching_dispute([("DSP-1", 300.0)], 100.0) is None  # too small to settle it
	assert dispute_core.matching_dispute([], 100.0) is None
