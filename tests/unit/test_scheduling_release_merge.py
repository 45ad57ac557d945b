"""Cumulative reconciliation of customer releases and JIT over Forecast (pure: no site)."""

from datetime import date, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from o2c_extension.scheduling.cumulative_totals import compare_cumulatives
from o2c_extension.scheduling.release_merge import ItemPosition, JitWindow, merge_release
from o2c_extension.scheduling.schedule_lines import (
	FIRM,
	FORECAST,
	JIT_RELEASE,
	OPEN,
	RELEASED,
	CustomerReleaseLine,
	ScheduleLine,
)

D0 = date(2026, 5, 1)


def day(n: int) -> date:
	return D0 + timedelta(days=n)


def open_view(merge):
	return sorted((line.item_code, line.schedule_date, line.qty) for line in merge.open_lines)


CALLED_OFF_30 = [ScheduleLine("A", day(5), 30, FIRM, RELEASED, "so-line", called_off_qty=30)]
POSITION = {"A": ItemPosition(received_qty=0, called_off_qty=30)}


def test_a_called_off_need_moved_to_another_date_is_not_ordered_again():
	merge = merge_release(CALLED_OFF_30, [CustomerReleaseLine("A", day(8), 30)], positions=POSITION)
	assert open_view(merge) == []
	assert merge.over_released == {}


def test_a_split_of_a_called_off_need_is_not_ordered_again():
	merge = merge_release(
		CALLED_OFF_30,
		[CustomerReleaseLine("A", day(4), 10), CustomerReleaseLine("A", day(9), 20)],
		positions=POSITION,
	)
	assert open_view(merge) == []


def test_a_raised_need_orders_only_the_rise_on_the_latest_dates():
	merge = merge_release(
		CALLED_OFF_30,
		[CustomerReleaseLine("A", day(6), 25), CustomerReleaseLine("A", day(9), 20)],
		positions=POSITION,
	)
	# cumulative need 25, 45; 30 called off: day 6 is covered, 15 of day 9 are new
	assert open_view(merge) == [("A", day(9), 15)]
	assert merge.cumulative_need == {"A": (0, 45)}


def test_a_lowered_need_reports_the_item_over_released():
	merge = merge_release(CALLED_OFF_30, [CustomerReleaseLine("A", day(6), 18)], positions=POSITION)
	assert open_view(merge) == []
	assert merge.over_released == {"A": 12}


def test_the_customers_cumulative_received_starts_the_need():
	# 100 delivered, the customer has booked 90 (10 in transit) and still needs 50: 40 more
	position = {"A": ItemPosition(received_qty=90, called_off_qty=100)}
	merge = merge_release(
		[], [CustomerReleaseLine("A", day(3), 20), CustomerReleaseLine("A", day(6), 30)], positions=position
	)
	assert open_view(merge) == [("A", day(3), 10), ("A", day(6), 30)]


def test_a_jit_release_replaces_open_lines_inside_its_range_only():
	current = [
		ScheduleLine("A", day(1), 10, FIRM, OPEN, "a1"),
		ScheduleLine("A", day(3), 10, FIRM, OPEN, "a3"),
		ScheduleLine("A", day(20), 50, FORECAST, OPEN, "a20"),
		ScheduleLine("B", day(2), 5, FIRM, OPEN, "b2"),
	]
	merge = merge_release(
		current,
		[CustomerReleaseLine("A", day(1), 12), CustomerReleaseLine("A", day(2), 4)],
		release_type=JIT_RELEASE,
		positions={},
	)
	assert [(old.name, new.qty, new.release_type) for old, new in merge.changed] == [("a1", 12, JIT_RELEASE)]
	assert [(line.schedule_date, line.qty) for line in merge.added] == [(day(2), 4)]
	# day 3 is outside the JIT's range (days 1 to 2), item B is not in it
	assert sorted(line.name for line in merge.unchanged) == ["a20", "a3", "b2"]
	assert merge.removed == []


def test_a_forecast_leaves_the_jit_lines_in_the_jit_range_alone_and_counts_their_need():
	current = [
		ScheduleLine("A", day(1), 12, FIRM, OPEN, "jit1", release_type=JIT_RELEASE),
		ScheduleLine("A", day(2), 4, FIRM, OPEN, "jit2", release_type=JIT_RELEASE),
		ScheduleLine("A", day(20), 50, FORECAST, OPEN, "f20"),
	]
	jit = JitWindow(day(1), day(2), {"A": [(day(1), 12), (day(2), 4)]})
	merge = merge_release(
		current,
		[CustomerReleaseLine("A", day(1), 10), CustomerReleaseLine("A", day(20), 60, FORECAST)],
		positions={},
		jit=jit,
	)
	assert sorted(line.name for line in merge.unchanged) == ["jit1", "jit2"]
	assert [(old.name, new.qty) for old, new in merge.changed] == [("f20", 60)]
	assert merge.added == [] and merge.removed == []
	assert merge.cumulative_need == {"A": (0, 76)}


def test_a_forecast_after_a_called_off_jit_does_not_order_the_jit_need_again():
	current = [
		ScheduleLine("A", day(1), 12, FIRM, RELEASED, "jit1", called_off_qty=12, release_type=JIT_RELEASE)
	]
	jit = JitWindow(day(1), day(1), {"A": [(day(1), 12)]})
	merge = merge_release(
		current,
		[CustomerReleaseLine("A", day(1), 10), CustomerReleaseLine("A", day(20), 50, FORECAST)],
		positions={"A": ItemPosition(0, 12)},
		jit=jit,
	)
	assert open_view(merge) == [("A", day(20), 50)]


def test_the_cumulative_difference_is_explained_by_deliveries_after_the_note():
	explained = compare_cumulatives("A", 90, 100, 10, 3)
	assert (explained.difference, explained.unexplained_qty, explained.flagged) == (10, 0, False)
	mismatch = compare_cumulatives("A", 85, 100, 10, 3)
	assert (mismatch.difference, mismatch.unexplained_qty, mismatch.flagged) == (15, 5, True)
	unknown_note = compare_cumulatives("A", 90, 100, None, 3)
	assert unknown_note.flagged and unknown_note.unexplained_qty == 10


needs = st.lists(
	st.tuples(st.integers(0, 20), st.integers(1, 40)), min_size=1, max_size=8, unique_by=lambda need: need[0]
)


@settings(max_examples=200)
@given(first=needs, moved=st.integers(-5, 5), called_off=st.integers(0, 200), received=st.integers(0, 100))
def test_moving_dates_never_changes_what_is_ordered_in_total(first, moved, called_off, received):
	"""Whatever the dates, the open total is the need beyond what is called off."""
	position = {"A": ItemPosition(received, max(called_off, received))}
	release = [CustomerReleaseLine("A", day(when), float(qty)) for when, qty in first]
	shifted = [CustomerReleaseLine("A", day(when + moved + 10), float(qty)) for when, qty in first]
	totals = [
		sum(line.qty for line in merge_release([], r, positions=position).open_lines)
		for r in (release, shifted)
	]
	expected = max(0, received + sum(qty for _when, qty in first) - max(called_off, received))
	assert totals == [expected, expected]
	over = merge_release([], release, positions=position).over_released.get("A", 0)
	assert over == max(0, max(called_off, received) - received - sum(qty for _when, qty in first))
