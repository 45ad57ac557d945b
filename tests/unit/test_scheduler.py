from datetime import date, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from o2c_extension.order_to_cash.scheduler import is_due


def test_not_before_the_configured_hour():
	assert not is_due(datetime(2026, 5, 4, 5, 59), 6, None)


def test_due_at_the_hour_when_never_run():
	assert is_due(datetime(2026, 5, 4, 6, 0), 6, None)


def test_not_twice_the_same_day():
	assert not is_due(datetime(2026, 5, 4, 23, 0), 6, date(2026, 5, 4))


def test_catches_up_later_in_the_day():
	assert is_due(datetime(2026, 5, 4, 15, 0), 6, date(2026, 5, 3))


@given(
	now=st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2100, 1, 1)),
	hour=st.integers(0, 23),
	days_since=st.one_of(st.none(), st.integers(0, 400)),
)
def test_runs_at_most_once_a_day_and_only_after_the_hour(now, hour, days_since):
	last = None if days_since is None else now.date() - timedelta(days=days_since)
	due = is_due(now, hour, last)
	if now.hour < hour or days_since == 0:
		assert not due
	else:
		assert due
