"""The Scheduling module's pure decisions: release merge and revert, input checks, CSV reading,
tolerance, cumulatives and call-off planning."""

from datetime import date, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from o2c_extension.scheduling import (
	call_off_plan,
	cumulative_totals,
	input_checks,
	release_csv,
	release_merge,
	schedule_lines,
)
from o2c_extension.scheduling.call_off_plan import DueLine
from o2c_extension.scheduling.cumulative_totals import AgreementItem, Flow
from o2c_extension.scheduling.release_merge import ADDED, CHANGED, REMOVED
from o2c_extension.scheduling.schedule_lines import (
	CANCELLED,
	DELIVERED,
	FIRM,
	FORECAST,
	FORECAST_RELEASE,
	JIT_RELEASE,
	OPEN,
	RELEASED,
	ScheduleLine,
)
from o2c_extension.scheduling.schedule_lines import CustomerReleaseLine as ReleaseLine
from o2c_extension.scheduling.tolerance import ToleranceBreach, check_tolerance

D0 = date(2026, 5, 1)


def day(n: int) -> date:
	return D0 + timedelta(days=n)


# ---------------------------------------------------------------------------------------------
# merge_release
# ---------------------------------------------------------------------------------------------


def test_release_replaces_open_lines_and_reports_each_change():
	current = [
		ScheduleLine("A", day(1), 10, FIRM, OPEN, "keep"),
		ScheduleLine("A", day(2), 10, FIRM, OPEN, "grow"),
		ScheduleLine("B", day(3), 5, FORECAST, OPEN, "drop"),
	]
	release = [
		ReleaseLine("A", day(1), 10, FIRM),
		ReleaseLine("A", day(2), 15, FIRM),
		ReleaseLine("B", day(4), 7, FORECAST),
	]
	merge = release_merge.merge_release(current, release)
	assert [line.name for line in merge.unchanged] == ["keep"]
	assert [(old.name, new.qty) for old, new in merge.changed] == [("grow", 15)]
	assert [line.name for line in merge.removed] == ["drop"]
	assert [(line.item_code, line.schedule_date, line.qty) for line in merge.added] == [("B", day(4), 7)]
	assert merge.item_deltas == {"A": (20, 25), "B": (5, 7)}
	assert {change.change_type for change in merge.changes} == {ADDED, CHANGED, REMOVED}


def test_released_and_delivered_lines_are_never_touched_and_count_cumulatively():
	current = [
		ScheduleLine("A", day(1), 10, FIRM, RELEASED, "r", called_off_qty=10),
		ScheduleLine("A", day(2), 10, FIRM, DELIVERED, "d", called_off_qty=10, delivered_qty=10),
		ScheduleLine("A", day(3), 10, FIRM, OPEN, "o"),
	]
	# the customer has received the 10 delivered; it still needs 14 on day 1 and 10 on day 2, of
	# which the 10 called off on day 1 (not delivered yet) are on their way: 14 more are ordered
	merge = release_merge.merge_release(current, [ReleaseLine("A", day(1), 14), ReleaseLine("A", day(2), 10)])
	assert merge.kept == current[:2]
	assert [(line.schedule_date, line.qty) for line in merge.added] == [(day(1), 4), (day(2), 10)]
	assert [line.name for line in merge.removed] == ["o"]
	assert merge.over_released == {}


def test_a_cancelled_line_does_not_count_against_a_new_release():
	current = [ScheduleLine("A", day(1), 10, FIRM, CANCELLED, "c")]
	merge = release_merge.merge_release(current, [ReleaseLine("A", day(1), 10)])
	assert [line.qty for line in merge.added] == [10]
	assert merge.kept == current


def test_changing_only_the_line_type_is_a_change():
	current = [ScheduleLine("A", day(1), 10, FORECAST, OPEN, "x")]
	merge = release_merge.merge_release(current, [ReleaseLine("A", day(1), 10, FIRM)])
	assert [(old.line_type, new.line_type, new.name) for old, new in merge.changed] == [(FORECAST, FIRM, "x")]


items = st.sampled_from(["A", "B", "C"])
dates = st.integers(0, 20).map(day)
qtys = st.integers(1, 50).map(float)
line_types = st.sampled_from([FIRM, FORECAST])
statuses = st.sampled_from([OPEN, OPEN, RELEASED, DELIVERED, CANCELLED])


@st.composite
def schedules(draw):
	lines = draw(st.lists(st.tuples(items, dates, qtys, line_types, statuses), max_size=15))
	return [
		ScheduleLine(
			item, when, qty, line_type, status, f"L{index}", called_off_qty=qty if status != OPEN else 0
		)
		for index, (item, when, qty, line_type, status) in enumerate(lines)
	]


@st.composite
def releases(draw):
	keyed = draw(st.dictionaries(st.tuples(items, dates), st.tuples(qtys, line_types), max_size=15))
	return [ReleaseLine(item, when, qty, line_type) for (item, when), (qty, line_type) in keyed.items()]


@settings(max_examples=300)
@given(current=schedules(), release=releases())
def test_merge_properties(current, release):
	merge = release_merge.merge_release(current, release)
	old_open = [line for line in current if line.status == OPEN]

	# lines that became orders (or were cancelled) survive exactly
	assert merge.kept == [line for line in current if line.status != OPEN]
	# every old open line is accounted for exactly once
	accounted = [line.name for line in merge.unchanged] + [old.name for old, _ in merge.changed]
	accounted += [line.name for line in merge.removed]
	assert sorted(accounted) == sorted(line.name for line in old_open)
	# the new open schedule is the release's cumulative need beyond what is already called off
	# (a floor of what was delivered or called off), earliest needs covered first
	expected = {}
	for item in {line.item_code for line in release}:
		kept = [line for line in merge.kept if line.item_code == item and line.status != CANCELLED]
		received = sum(line.delivered_qty for line in kept)
		floor = max(sum(line.committed_qty for line in kept), received)
		cumulative = received
		for line in sorted(
			(line for line in release if line.item_code == item), key=lambda line: line.schedule_date
		):
			before, cumulative = cumulative, cumulative + line.qty
			if round(cumulative - max(floor, before), 6) > 0:
				expected[line.key] = round(cumulative - max(floor, before), 6)
	assert {line.key: line.qty for line in merge.open_lines} == expected
	assert len({line.key for line in merge.open_lines}) == len(merge.open_lines)
	assert all(line.status == OPEN for line in merge.open_lines)
	# deltas per item add up
	for item, (before, after) in merge.item_deltas.items():
		assert before == sum(line.qty for line in old_open if line.item_code == item)
		assert after == sum(line.qty for line in merge.open_lines if line.item_code == item)


@settings(max_examples=200)
@given(current=schedules(), release=releases())
def test_importing_the_same_release_twice_changes_nothing_the_second_time(current, release):
	first = release_merge.merge_release(current, release)
	# the schedule as written after the first release (added lines get names)
	after = [*first.kept, *first.unchanged, *(new for _, new in first.changed)]
	after += [
		ScheduleLine(line.item_code, line.schedule_date, line.qty, line.line_type, OPEN, f"N{index}")
		for index, line in enumerate(first.added)
	]
	second = release_merge.merge_release(after, release)
	assert not second.has_changes


@settings(max_examples=200)
@given(current=schedules(), release=releases())
def test_reverting_a_release_restores_the_open_schedule(current, release):
	merge = release_merge.merge_release(current, release)
	added = [
		ScheduleLine(line.item_code, line.schedule_date, line.qty, line.line_type, OPEN, f"N{index}")
		for index, line in enumerate(merge.added)
	]
	merge.added = added
	after = [*merge.kept, *merge.unchanged, *(new for _, new in merge.changed), *added]

	plan = release_merge.plan_revert(after, merge.changes)
	assert not plan.conflicts
	restored = [line for line in after if line.name not in plan.delete]
	restored = [
		ScheduleLine(
			line.item_code,
			line.schedule_date,
			plan.restore[line.name][0],
			plan.restore[line.name][1],
			OPEN,
			line.name,
		)
		if line.name in plan.restore
		else line
		for line in restored
	] + plan.reinsert

	def open_view(lines):
		return sorted(
			(line.item_code, line.schedule_date, line.qty, line.line_type)
			for line in lines
			if line.status == OPEN
		)

	assert open_view(restored) == open_view(current)


def test_reverting_a_jit_release_gives_the_lines_back_as_they_were():
	# before: a Forecast (line type) line of a DELFOR on day 2, a Firm line of an earlier JIT on day 3
	current = [
		ScheduleLine("A", day(2), 25, FORECAST, OPEN, "L2", schedule_release="DF-1"),
		ScheduleLine("A", day(3), 6, FIRM, OPEN, "L3", release_type=JIT_RELEASE, schedule_release="JIT-1"),
	]
	merge = release_merge.merge_release(
		current, [ReleaseLine("A", day(2), 10, FIRM)], release_type=JIT_RELEASE, positions={}
	)
	# a JIT of day 2 only: day 2 changed into a Firm JIT line, day 3 left alone
	((_old, new),) = merge.changed
	assert (new.line_type, new.release_type) == (FIRM, JIT_RELEASE)
	jit2 = release_merge.merge_release(
		[new, current[1]],
		[ReleaseLine("A", day(2), 10, FIRM), ReleaseLine("A", day(4), 5, FIRM)],
		release_type=JIT_RELEASE,
		positions={},
	)
	assert [line.name for line in jit2.removed] == ["L3"]
	plan = release_merge.plan_revert([*jit2.unchanged, *jit2.added], jit2.changes)
	assert plan.reinsert == [
		ScheduleLine("A", day(3), 6, FIRM, OPEN, "L3", release_type=JIT_RELEASE, schedule_release="JIT-1")
	]
	plan = release_merge.plan_revert([new, current[1]], merge.changes)
	assert plan.restore == {"L2": (25, FORECAST, FORECAST_RELEASE, "DF-1")}


def test_revert_refuses_when_an_added_line_was_called_off_since():
	change = release_merge.LineChange(ADDED, "A", day(1), 0, 10, None, FIRM, "N1")
	plan = release_merge.plan_revert(
		[ScheduleLine("A", day(1), 10, FIRM, RELEASED, "N1", called_off_qty=10)], [change]
	)
	assert plan.conflicts == [change]


# ---------------------------------------------------------------------------------------------
# input checks and CSV
# ---------------------------------------------------------------------------------------------


def test_release_lines_are_checked_row_by_row():
	raw = [
		{"item_code": "A", "schedule_date": "2026-05-02", "qty": "10", "line_type": "firm"},
		{"item_code": "Z", "schedule_date": "2026-05-02", "qty": 1, "line_type": "Firm"},
		{"item_code": "A", "schedule_date": "2026-02-30", "qty": 1},
		{"item_code": "A", "schedule_date": "2027-01-01", "qty": 1},
		{"item_code": "A", "schedule_date": "2026-05-03", "qty": 0},
		{"item_code": "A", "schedule_date": "2026-05-04", "qty": "ten"},
		{"item_code": "A", "schedule_date": "2026-05-05", "qty": 1, "line_type": "maybe"},
		{"item_code": "A", "schedule_date": "2026-05-02", "qty": 3},
		{"item_code": "", "schedule_date": "2026-05-02", "qty": 3},
	]
	lines, problems = input_checks.read_release_lines(raw, {"A"}, day(0), day(100))
	assert lines == [ReleaseLine("A", day(1), 10.0, FIRM)]
	assert [(p.kind, p.row) for p in problems] == [
		("unknown_item", 2),
		("bad_date", 3),
		("date_outside_validity", 4),
		("qty_not_positive", 5),
		("bad_qty", 6),
		("bad_line_type", 7),
		("duplicate_line", 8),
		("missing_item", 9),
	]


def test_an_empty_release_is_refused():
	assert input_checks.read_release_lines([], {"A"}, day(0), day(1))[1] == [
		input_checks.Problem("empty_release")
	]


def test_blank_line_type_means_firm_and_other_date_formats_can_be_allowed():
	lines, problems = input_checks.read_release_lines(
		[{"item_code": "A", "schedule_date": "02-05-2026", "qty": 1}],
		{"A"},
		day(0),
		day(10),
		("%Y-%m-%d", "%d-%m-%Y"),
	)
	assert problems == []
	assert lines == [ReleaseLine("A", day(1), 1.0, FIRM)]


def test_csv_without_header_in_the_documented_order():
	rows = release_csv.parse_release_csv("A,2026-05-02,10,Firm\n\nB,2026-05-03,5,Forecast\n")
	assert rows == [
		{"row": 1, "item_code": "A", "schedule_date": "2026-05-02", "qty": "10", "line_type": "Firm"},
		{"row": 3, "item_code": "B", "schedule_date": "2026-05-03", "qty": "5", "line_type": "Forecast"},
	]


def test_csv_with_header_in_any_order_and_semicolons():
	rows = release_csv.parse_release_csv("\ufeffType;Qty;Date;Item\nFirm;10;2026-05-02;A\n")
	assert rows == [
		{"row": 2, "item_code": "A", "schedule_date": "2026-05-02", "qty": "10", "line_type": "Firm"}
	]


def test_agreement_checks():
	assert input_checks.check_validity(day(2), day(1)) == [input_checks.Problem("valid_to_before_valid_from")]
	assert [p.kind for p in input_checks.check_agreement_items([("A", 10, 1), ("A", 0, -1)])] == [
		"duplicate_item",
		"agreed_qty_not_positive",
		"negative_rate",
	]
	problems = input_checks.check_schedule_lines(
		[ScheduleLine("B", day(1), 1), ScheduleLine("A", day(50), 1), ScheduleLine("A", day(1), 0)],
		{"A"},
		day(0),
		day(10),
	)
	assert [(p.kind, p.row) for p in problems] == [
		("item_not_on_agreement", 1),
		("date_outside_validity", 2),
		("qty_not_positive", 3),
	]


def test_agreement_quantities_must_be_finite_and_fit_a_float_column():
	too_much, nan = schedule_lines.MAX_QTY * 10, float("nan")
	assert [p.kind for p in input_checks.check_agreement_items([("A", too_much, 1), ("B", nan, nan)])] == [
		"qty_too_large",
		"agreed_qty_not_positive",
		"negative_rate",
	]
	problems = input_checks.check_schedule_lines(
		[
			ScheduleLine("A", day(1), too_much),
			ScheduleLine("A", day(2), float("inf")),
			ScheduleLine("B", day(1), schedule_lines.MAX_QTY),
			ScheduleLine("B", day(2), schedule_lines.MAX_QTY),
		],
		{"A", "B"},
		day(0),
		day(10),
	)
	assert [(p.kind, p.row) for p in problems] == [
		("qty_too_large", 1),
		("qty_not_positive", 2),
		("item_total_too_large", None),
	]


# ---------------------------------------------------------------------------------------------
# tolerance
# ---------------------------------------------------------------------------------------------


def test_tolerance_allows_up_to_the_limit_and_names_the_numbers_beyond_it():
	agreed, released = {"A": 100.0}, {"A": 95.0}
	assert check_tolerance({"A": 15}, agreed, released, 10) == []
	assert check_tolerance({"A": 16}, agreed, released, 10) == [
		ToleranceBreach("A", 100.0, 95.0, 16.0, 110.0)
	]


@given(
	agreed=st.integers(1, 10_000),
	tolerance=st.integers(0, 50),
	released=st.integers(0, 12_000),
	requested=st.integers(1, 5_000),
)
def test_tolerance_breach_exactly_when_the_total_passes_the_limit(agreed, tolerance, released, requested):
	breaches = check_tolerance({"A": requested}, {"A": agreed}, {"A": released}, tolerance, 6)
	limit = agreed * (100 + tolerance) / 100
	assert bool(breaches) == (released + requested > limit + 1e-9)


# ---------------------------------------------------------------------------------------------
# cumulatives and status
# ---------------------------------------------------------------------------------------------


def test_cumulatives_per_item_and_line_with_uom_and_returns():
	items = [AgreementItem("i1", "A", 100, conversion_factor=2), AgreementItem("i2", "B", 10)]
	lines = [
		ScheduleLine("A", day(1), 10, name="l1"),
		ScheduleLine("A", day(2), 10, name="l2"),
		ScheduleLine("B", day(1), 10, name="l3"),
	]
	flows = [
		Flow("A", "l1", called_off=20, sales_order="SO-1"),  # 20 stock units = 10 boxes
		Flow("A", "l1", delivered=20),
		Flow("A", "l1", delivered=-4),  # a return
		Flow("A", "l1", billed=20),
		Flow("A", "l2", cancelled_order="SO-2"),
		Flow("A", None, called_off=6),  # a manual order row without a line
		Flow("Z", None, called_off=99),  # not on the agreement: ignored
	]
	totals = cumulative_totals.compute_cumulatives(items, lines, flows, 1, day(30), day(0))
	assert totals.items["i1"] == cumulative_totals.Cumulatives(13, 8, 10)
	assert totals.lines["l1"] == {
		"released_qty": 10,
		"delivered_qty": 8,
		"billed_qty": 10,
		"sales_order": "SO-1",
		"status": RELEASED,
	}
	assert totals.lines["l2"]["status"] == CANCELLED
	assert totals.lines["l3"]["status"] == OPEN
	assert totals.scheduled_qty == {"i1": 10, "i2": 10}
	assert totals.status == schedule_lines.ACTIVE
	assert totals.per_released == round(13 / 110 * 100, 2)


def test_agreement_completes_when_every_item_is_delivered_and_expires_after_validity():
	assert (
		cumulative_totals.agreement_status(1, [(10, 10), (5, 6)], day(5), day(9), 3)
		== schedule_lines.COMPLETED
	)
	assert (
		cumulative_totals.agreement_status(1, [(10, 10), (5, 4)], day(5), day(9), 3) == schedule_lines.EXPIRED
	)
	assert (
		cumulative_totals.agreement_status(1, [(10, 10), (5, 4)], day(9), day(9), 3) == schedule_lines.ACTIVE
	)
	assert cumulative_totals.agreement_status(0, [(10, 10)], day(9), day(9), 3) == schedule_lines.DRAFT
	assert (
		cumulative_totals.agreement_status(2, [(10, 10)], day(9), day(9), 3)
		== schedule_lines.AGREEMENT_CANCELLED
	)


def test_a_line_whose_order_was_closed_undelivered_is_not_open_again():
	items = [AgreementItem("i1", "A", 100)]
	lines = [ScheduleLine("A", day(1), 10, name="l1")]
	totals = cumulative_totals.compute_cumulatives(
		items, lines, [Flow("A", "l1", called_off=0, sales_order="SO-9")], 1, day(9), day(0)
	)
	assert totals.lines["l1"]["status"] == CANCELLED
	assert totals.lines["l1"]["sales_order"] == "SO-9"


def test_line_is_delivered_when_delivered_reaches_qty():
	assert cumulative_totals.line_status(10, 10, 10, False, 3) == DELIVERED
	assert cumulative_totals.line_status(10, 10, 9.9999, False, 3) == DELIVERED
	assert cumulative_totals.line_status(10, 10, 9, False, 3) == RELEASED
	assert cumulative_totals.line_status(10, 0, 0, False, 3) == OPEN


# ---------------------------------------------------------------------------------------------
# call-off planning
# ---------------------------------------------------------------------------------------------


def test_one_order_per_agreement_and_date_for_firm_open_lines_within_the_horizon():
	lines = [
		DueLine("SA1", "a", "A", day(1), 5),
		DueLine("SA1", "b", "B", day(1), 5),
		DueLine("SA1", "c", "A", day(3), 5),
		DueLine("SA1", "d", "A", day(9), 5),  # beyond the horizon
		DueLine("SA1", "e", "A", day(2), 5, FORECAST),
		DueLine("SA1", "f", "A", day(2), 5, FIRM, RELEASED),
		DueLine("SA1", "g", "A", day(2), 5),  # already on a submitted order
		DueLine("SA2", "h", "A", day(-3), 5),  # overdue: still called off
		DueLine("SA3", "i", "A", day(1), 5),  # not an active agreement
	]
	plan = call_off_plan.plan_call_off(lines, {"SA1": 5, "SA2": 0}, {"g"}, day(0))
	assert [
		(order.agreement, order.schedule_date, [line.name for line in order.lines]) for order in plan
	] == [
		("SA1", day(1), ["a", "b"]),
		("SA1", day(3), ["c"]),
		("SA2", day(-3), ["h"]),
	]


@given(
	st.lists(
		st.tuples(
			st.sampled_from(["SA1", "SA2"]),
			st.integers(-5, 30),
			line_types,
			st.sampled_from([OPEN, RELEASED]),
		),
		max_size=30,
	),
	st.integers(0, 20),
)
def test_call_off_plan_properties(raw, horizon):
	lines = [
		DueLine(agreement, f"L{i}", "A", day(offset), 1.0, line_type, status)
		for i, (agreement, offset, line_type, status) in enumerate(raw)
	]
	plan = call_off_plan.plan_call_off(lines, {"SA1": horizon, "SA2": horizon}, set(), day(0))
	planned = [line for order in plan for line in order.lines]
	# each due line exactly once, nothing else
	assert sorted(line.name for line in planned) == sorted(
		line.name
		for line in lines
		if line.status == OPEN and line.line_type == FIRM and line.schedule_date <= day(horizon)
	)
	assert len({(order.agreement, order.schedule_date) for order in plan}) == len(plan)
	assert all(
		line.schedule_date == order.schedule_date and line.agreement == order.agreement
		for order in plan
		for line in order.lines
	)
	# planning again after ordering everything plans nothing
	assert (
		call_off_plan.plan_call_off(
			lines, {"SA1": horizon, "SA2": horizon}, {line.name for line in planned}, day(0)
		)
		== []
	)
