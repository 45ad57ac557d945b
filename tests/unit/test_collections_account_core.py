"""The pure decisions of collections per customer account: chunks of whole customers, what is
chased of disputed terms, ageing buckets, the case's status and priority."""

from datetime import date, timedelta

from hypothesis import given
from hypothesis import strategies as st

from o2c_extension.collections import core

DAY = date(2031, 3, 3)


@given(
	st.lists(st.integers(min_value=1, max_value=40), min_size=0, max_size=30),
	st.integers(min_value=1, max_value=60),
)
def test_chunks_hold_whole_customers_and_every_invoice_once(sizes, size):
	customers = [(f"C{n}", [f"C{n}-{i}" for i in range(count)]) for n, count in enumerate(sizes)]
	chunks = core.pack_customers(customers, size)
	flat = [name for chunk in chunks for name in chunk]
	assert flat == [name for _c, names in customers for name in names]
	for customer, names in customers:
		holding = [chunk for chunk in chunks if set(names) & set(chunk)]
		assert len(holding) == 1, customer  # never split
	for chunk in chunks:
		owners = {name.split("-")[0] for name in chunk}
		# a chunk is over `size` only when it holds a single customer bigger than that
		assert len(chunk) <= size or len(owners) == 1


def test_disputed_amount_comes_off_the_latest_terms_first():
	rows = [
		core.OpenRow("a", DAY, 400.0),
		core.OpenRow("b", DAY + timedelta(days=30), 300.0),
		core.OpenRow("c", DAY + timedelta(days=60), 300.0),
	]
	assert core.less_disputed(rows, 0) == rows
	assert core.less_disputed(rows, 450.0) == [
		core.OpenRow("a", DAY, 400.0),
		core.OpenRow("b", DAY + timedelta(days=30), 150.0),
	]
	assert core.less_disputed(rows, 1000.0) == []
	assert core.less_disputed(rows, 2000.0) == []


@given(
	st.lists(st.floats(min_value=0.01, max_value=1e6, allow_nan=False), min_size=1, max_size=6),
	st.floats(min_value=0, max_value=2e6, allow_nan=False),
)
def test_what_is_chased_is_what_is_open_less_the_dispute(amounts, disputed):
	rows = [core.OpenRow(str(i), DAY + timedelta(days=30 * i), amount) for i, amount in enumerate(amounts)]
	chased = core.less_disputed(rows, disputed, epsilon=1e-9)
	expected = max(sum(amounts) - disputed, 0.0)
	assert abs(sum(row.outstanding for row in chased) - expected) <= 1e-6 * max(1.0, sum(amounts))
	# the earliest terms keep what they had, in order
	assert [row.key for row in chased] == [str(i) for i in range(len(chased))]


def test_ageing_buckets():
	assert core.ageing_bucket(0) is None
	assert [core.ageing_bucket(days) for days in (1, 30, 31, 60, 61, 90, 91, 400)] == [0, 0, 1, 1, 2, 2, 3, 3]


def test_case_status_and_priority():
	assert core.case_status(overdue=0, promised=True, disputed_in_full=True) == core.CASE_CLOSED
	assert core.case_status(overdue=10, promised=True, disputed_in_full=True) == core.CASE_PROMISE
	assert core.case_status(overdue=10, promised=False, disputed_in_full=True) == core.CASE_DISPUTED
	assert core.case_status(overdue=10, promised=False, disputed_in_full=False) == core.CASE_OPEN
	assert [core.case_priority(days) for days in (0, 30, 31, 60, 61)] == [
		"Low",
		"Low",
		"Medium",
		"Medium",
		"High",
	]
	assert core.case_priority(1, escalated=True) == "High"


def test_overdue_rows_are_those_past_their_due_date():
	rows = [core.OpenRow("a", DAY - timedelta(days=1), 5.0), core.OpenRow("b", DAY, 5.0)]
	assert core.overdue_rows(rows, DAY) == [rows[0]]
