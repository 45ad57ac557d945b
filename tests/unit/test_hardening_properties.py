"""Hardening (issue 7): properties of the pure decision cores that their own unit tests do not
state yet. Money is drawn as whole cents and quantities as whole thousandths, so every expected
value is exact and a failure is the core's arithmetic, not the test's.

- credit: the limit verdict depends only on the total; the limit with its tolerance is exact to
  the cent; a higher limit or tolerance never fails what passed; re-checks with collections blocks.
- scheduling: a release's reported changes add up to its item deltas; a release does not depend on
  the order or the split of its lines; accepting orders one by one never passes the tolerance;
  call-off horizons; release input that is junk is refused row by row, never raised on; CSV
  round trip.
- collections: what next_step announces is what due_steps applies on that day; a multi-row
  invoice is planned row by row; the most specific rule wins whatever the order of the rules.
"""

import csv
import io
import math
import random
from datetime import date, timedelta

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from o2c_extension.collections import core as ccore
from o2c_extension.credit_control import core as credit
from o2c_extension.scheduling import (
	call_off_plan,
	input_checks,
	release_csv,
	release_merge,
	schedule_lines,
)
from o2c_extension.scheduling.tolerance import check_tolerance, release_limit

D0 = date(2026, 5, 1)
EXAMPLES = settings(max_examples=150, deadline=None)

cents = st.integers(min_value=0, max_value=10**12)  # up to 10 billion in currency units


def day(n: int) -> date:
	return D0 + timedelta(days=n)


# =============================================================================================
# Credit control: exposure arithmetic and the tolerance
# =============================================================================================


@EXAMPLES
@given(
	total=cents, limit=st.integers(1, 10**12), cuts=st.lists(st.integers(0, 10**12), min_size=4, max_size=4)
)
def test_limit_verdict_depends_only_on_the_total_not_on_how_it_splits(total, limit, cuts):
	# the same total spread over receivables, orders, deliveries, the document and a concurrent
	# approval in any proportion: the credit-limit rule says the same
	points = sorted(min(cut, total) for cut in cuts)
	parts = [b - a for a, b in zip([0, *points], [*points, total], strict=True)]
	assert sum(parts) == total
	split = credit.Exposure(*(part / 100 for part in parts))
	whole = credit.Exposure(receivables=total / 100)
	terms = credit.CreditTerms(credit_limit=limit / 100)
	assert round(split.total, 2) == round(total / 100, 2)
	assert credit.decide(split, terms).passed == credit.decide(whole, terms).passed == (total <= limit)


@EXAMPLES
@given(a=cents, b=cents)
def test_exceeds_is_exact_to_the_cent(a, b):
	assert credit.exceeds(a / 100, b / 100) == (a > b)
	assert not (credit.exceeds(a / 100, b / 100) and credit.exceeds(b / 100, a / 100))


@EXAMPLES
@given(limit_units=st.integers(1, 10**9), tolerance=st.integers(0, 100))
def test_exposure_exactly_at_limit_plus_tolerance_passes_and_one_cent_more_fails(limit_units, tolerance):
	# limit in whole units so limit × tolerance% is a whole number of cents
	limit = limit_units * 100
	effective = limit + limit * tolerance // 100
	terms = credit.CreditTerms(credit_limit=limit / 100, tolerance_percent=tolerance)
	at_limit = credit.Exposure(open_orders=(effective - 1) / 100, document=0.01)
	assert credit.decide(at_limit, terms).passed
	over = at_limit.with_document(0.02)
	decision = credit.decide(over, terms)
	assert [reason.rule for reason in decision.reasons] == [credit.CREDIT_LIMIT]
	assert decision.reasons[0].actual == round((effective + 1) / 100, 2)
	assert decision.reasons[0].allowed == round(effective / 100, 2)


@EXAMPLES
@given(
	total=cents,
	limit=st.integers(1, 10**12),
	more_limit=st.integers(0, 10**12),
	tolerance=st.integers(0, 100),
	more_tolerance=st.integers(0, 100),
)
def test_a_higher_limit_or_tolerance_never_fails_what_passed(
	total, limit, more_limit, tolerance, more_tolerance
):
	exposure = credit.Exposure(receivables=total / 100)
	strict = credit.CreditTerms(limit / 100, tolerance)
	lenient = credit.CreditTerms((limit + more_limit) / 100, tolerance + more_tolerance)
	if credit.decide(exposure, strict).passed:
		assert credit.decide(exposure, lenient).passed


@EXAMPLES
@given(base=cents, first=cents, second=cents, concurrent=cents)
def test_document_and_concurrent_parts_are_replaced_not_added(base, first, second, concurrent):
	# the re-check builds "base + approved + this hold" with with_document: it must replace
	exposure = credit.Exposure(receivables=base / 100).with_document(first / 100)
	exposure = exposure.with_document(second / 100).with_concurrent(concurrent / 100)
	exposure = exposure.with_concurrent(concurrent / 100)
	assert exposure.document == second / 100
	assert exposure.concurrent == concurrent / 100
	assert round(exposure.total, 2) == round((base + second + concurrent) / 100, 2)


hold_kinds = st.lists(
	st.tuples(
		st.sampled_from(["order", "invoice"]),
		st.integers(0, 10**7),  # amount in cents
		st.booleans(),  # active
	),
	max_size=8,
)


@EXAMPLES
@given(base=st.integers(0, 10**7), limit=st.integers(0, 2 * 10**7), raw=hold_kinds, with_policy=st.booleans())
def test_recheck_lifts_only_settled_blocks_and_holds_every_order_while_one_is_unpaid(
	base, limit, raw, with_policy
):
	holds = [
		credit.PendingHold(f"CH-{i}", kind, amount / 100, active, f"DOC-{i}")
		for i, (kind, amount, active) in enumerate(raw)
	]
	terms = credit.CreditTerms(limit / 100) if with_policy else None
	plan = credit.plan_recheck(credit.Exposure(receivables=base / 100), terms, holds)
	released = set(plan.released)
	assert len(plan.released) == len(released)  # nobody released twice

	unpaid_blocks = [h for h in holds if h.kind == "invoice" and h.active and h.amount > 0]
	for hold in holds:
		if hold.kind == "invoice":
			# a block lifts exactly when its invoice is settled or cancelled
			assert (hold.name in released) == (hold not in unpaid_blocks)
		elif not hold.active:
			# a cancelled order is neither released nor left pending: it is closed elsewhere
			assert hold.name not in released and hold.name not in plan.still_pending
		elif unpaid_blocks:
			assert hold.name in plan.still_pending
		elif terms is None or limit == 0:
			assert hold.name in released  # nothing left that could hold it
	if unpaid_blocks:
		for decision in plan.still_pending.values():
			assert {
				reason.actual for reason in decision.reasons if reason.rule == credit.COLLECTIONS_BLOCK
			} == {h.reference for h in unpaid_blocks}


@EXAMPLES
@given(total=cents, billed=st.floats(0, 250, allow_nan=False), more=st.floats(0, 100, allow_nan=False))
def test_unbilled_share_stays_within_the_order_and_shrinks_as_it_is_billed(total, billed, more):
	amount = total / 100
	share = credit.unbilled_share(amount, billed)
	assert 0 <= share <= amount + 1e-6
	if billed >= 100:
		assert share == 0
	assert credit.unbilled_share(amount, billed + more) <= share + 1e-6


@EXAMPLES
@given(
	lines=st.lists(st.tuples(st.integers(1, 10**8), st.booleans()), min_size=1, max_size=10),
	rate=st.integers(1, 10**4),
)
def test_new_exposure_share_is_the_new_lines_part_of_the_grand_total(lines, rate):
	net = sum(amount for amount, _from in lines) / 100
	grand = net * rate / 100  # another currency and taxes
	share = credit.new_exposure_share(
		[(amount / 100, from_order) for amount, from_order in lines], net, grand
	)
	new = sum(amount for amount, from_order in lines if not from_order)
	assert abs(share - grand * new / sum(amount for amount, _f in lines)) <= 1e-6 * max(1.0, grand)
	assert -1e-9 <= share <= grand + 1e-6 * max(1.0, grand)
	if all(from_order for _a, from_order in lines):
		assert share == 0
	if not any(from_order for _a, from_order in lines):
		assert abs(share - grand) <= 1e-6 * max(1.0, grand)


@EXAMPLES
@given(
	candidates=st.lists(
		st.builds(
			credit.PolicyCandidate,
			name=st.text("ABCDEF", min_size=1, max_size=3),
			scope=st.sampled_from([credit.SCOPE_COMPANY, credit.SCOPE_CUSTOMER_GROUP, credit.SCOPE_CUSTOMER]),
			depth=st.integers(0, 5),
		),
		max_size=8,
	),
	seed=st.integers(0, 1000),
)
def test_most_specific_policy_does_not_depend_on_the_order_found(candidates, seed):
	shuffled = list(candidates)
	random.Random(seed).shuffle(shuffled)
	assert credit.pick_most_specific(candidates) == credit.pick_most_specific(shuffled)


# =============================================================================================
# Scheduling: release merging, tolerance, call-off
# =============================================================================================

items = st.sampled_from(["A", "B", "C"])
qtys = st.integers(1, 50_000).map(lambda thousandths: thousandths / 1000)
line_types = st.sampled_from([schedule_lines.FIRM, schedule_lines.FORECAST])


@st.composite
def schedules(draw):
	raw = draw(
		st.lists(
			st.tuples(
				items,
				st.integers(0, 15),
				qtys,
				line_types,
				st.sampled_from(
					[
						schedule_lines.OPEN,
						schedule_lines.OPEN,
						schedule_lines.RELEASED,
						schedule_lines.DELIVERED,
						schedule_lines.CANCELLED,
					]
				),
			),
			max_size=12,
		)
	)
	return [
		schedule_lines.ScheduleLine(
			item,
			day(when),
			qty,
			line_type,
			status,
			f"L{i}",
			called_off_qty=qty if status != schedule_lines.OPEN else 0,
		)
		for i, (item, when, qty, line_type, status) in enumerate(raw)
	]


release_rows = st.lists(st.tuples(items, st.integers(0, 15), qtys, line_types), max_size=12)


def open_view(lines):
	return sorted((line.item_code, line.schedule_date, round(line.qty, 6), line.line_type) for line in lines)


@EXAMPLES
@given(current=schedules(), raw=release_rows)
def test_reported_changes_add_up_to_the_item_deltas(current, raw):
	release = [
		schedule_lines.CustomerReleaseLine(item, day(when), qty, line_type)
		for item, when, qty, line_type in raw
	]
	merge = release_merge.merge_release(current, release)
	delta = {}
	for change in merge.changes:
		delta[change.item_code] = delta.get(change.item_code, 0) + change.new_qty - change.old_qty
	for item, (before, after) in merge.item_deltas.items():
		assert abs((after - before) - delta.get(item, 0)) < 1e-6, item
	for item, value in delta.items():
		assert item in merge.item_deltas or abs(value) < 1e-6
	assert merge.has_changes == bool(merge.changes)


@EXAMPLES
@given(current=schedules(), raw=release_rows, seed=st.integers(0, 10_000), split=st.data())
def test_a_release_does_not_depend_on_the_order_or_the_split_of_its_lines(current, raw, seed, split):
	release = [
		schedule_lines.CustomerReleaseLine(item, day(when), qty, line_type)
		for item, when, qty, line_type in raw
	]
	expected = release_merge.merge_release(current, release)

	shuffled = list(release)
	random.Random(seed).shuffle(shuffled)
	assert open_view(release_merge.merge_release(current, shuffled).open_lines) == open_view(
		expected.open_lines
	)

	# a line sent as two lines on the same date (one of them Forecast) asks for the same quantity,
	# and a date that is Firm on any of its lines stays Firm
	pieces = []
	for line in release:
		thousandths = round(line.qty * 1000)
		if thousandths > 1 and split.draw(st.booleans()):
			cut = split.draw(st.integers(1, thousandths - 1))
			pieces.append(
				schedule_lines.CustomerReleaseLine(
					line.item_code, line.schedule_date, cut / 1000, line.line_type
				)
			)
			pieces.append(
				schedule_lines.CustomerReleaseLine(
					line.item_code, line.schedule_date, (thousandths - cut) / 1000, schedule_lines.FORECAST
				)
			)
		else:
			pieces.append(line)
	assert open_view(release_merge.merge_release(current, pieces).open_lines) == open_view(
		expected.open_lines
	)


@EXAMPLES
@given(
	agreed=st.integers(1, 10**6).map(lambda t: t / 1000),
	tolerance=st.integers(0, 1000).map(lambda t: t / 10),  # 0 .. 100 %, one decimal
	orders=st.lists(st.integers(1, 10**5).map(lambda t: t / 1000), min_size=1, max_size=40),
)
def test_orders_accepted_one_by_one_never_pass_the_tolerance(agreed, tolerance, orders):
	precision = 3
	limit = release_limit(agreed, tolerance, precision)
	released = 0.0
	for qty in orders:
		breaches = check_tolerance({"A": qty}, {"A": agreed}, {"A": released}, tolerance, precision)
		fits = round(released + qty, precision) <= limit
		assert (not breaches) == fits
		if not breaches:
			released = round(released + qty, precision)
		else:
			(breach,) = breaches
			assert (breach.item_code, breach.requested, breach.limit) == ("A", qty, limit)
	assert released <= limit
	# and filling up to the limit exactly is allowed
	rest = round(limit - released, precision)
	if rest > 0:
		assert check_tolerance({"A": rest}, {"A": agreed}, {"A": released}, tolerance, precision) == []


@EXAMPLES
@given(
	requested=st.dictionaries(items, st.integers(-5, 3000).map(float), max_size=3),
	agreed=st.dictionaries(items, st.integers(1, 2000).map(float), max_size=3),
	released=st.dictionaries(items, st.integers(0, 2500).map(float), max_size=3),
	tolerance=st.integers(0, 30),
)
def test_tolerance_is_checked_item_by_item(requested, agreed, released, tolerance):
	together = check_tolerance(requested, agreed, released, tolerance)
	one_by_one = [
		breach
		for item in sorted(requested)
		for breach in check_tolerance({item: requested[item]}, agreed, released, tolerance)
	]
	assert together == one_by_one
	# items the agreement does not have and zero or negative quantities are never a breach here
	assert all(breach.item_code in agreed and breach.requested > 0 for breach in together)


due_lines = st.lists(
	st.tuples(
		st.sampled_from(["SA1", "SA2", "SA3"]),
		st.integers(-5, 30),
		st.sampled_from([schedule_lines.FIRM, schedule_lines.FORECAST]),
		st.sampled_from([schedule_lines.OPEN, schedule_lines.RELEASED, schedule_lines.CANCELLED]),
		st.integers(-1, 3).map(float),
	),
	max_size=25,
)


@EXAMPLES
@given(
	raw=due_lines,
	horizons=st.fixed_dictionaries({"SA1": st.integers(0, 20), "SA2": st.integers(-3, 20)}),
	more=st.integers(0, 10),
)
def test_call_off_honours_each_agreements_horizon_and_never_orders_nothing(raw, horizons, more):
	lines = [
		call_off_plan.DueLine(agreement, f"L{i}", "A", day(offset), qty, line_type, status)
		for i, (agreement, offset, line_type, status, qty) in enumerate(raw)
	]
	plan = call_off_plan.plan_call_off(lines, horizons, set(), day(0))
	planned = {line.name: line for order in plan for line in order.lines}
	for line in planned.values():
		assert line.agreement in horizons  # SA3 has no horizon: never called off
		assert line.qty > 0 and line.status == schedule_lines.OPEN and line.line_type == schedule_lines.FIRM
		assert line.schedule_date <= day(max(horizons[line.agreement], 0))
	# a longer horizon plans a superset
	longer = call_off_plan.plan_call_off(lines, {k: v + more for k, v in horizons.items()}, set(), day(0))
	assert set(planned) <= {line.name for order in longer for line in order.lines}
	# lines already on an order are left out, whatever their status says
	some = set(list(planned)[::2])
	again = call_off_plan.plan_call_off(lines, horizons, some, day(0))
	assert {line.name for order in again for line in order.lines} == set(planned) - some


junk = st.recursive(
	st.none()
	| st.booleans()
	| st.integers(-(10**20), 10**20)
	| st.floats(allow_nan=True, allow_infinity=True)
	| st.text(max_size=12)
	| st.sampled_from(["A", "2026-05-03", "1e308", "-0", "Firm", "forecast", "' OR 1=1 --", "0000-00-00"]),
	lambda children: (
		st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=5), children, max_size=3)
	),
	max_leaves=6,
)


# rows that are right but for one or two fields: junk alone seldom gets past the first check
raw_release_line = st.one_of(
	junk,
	st.fixed_dictionaries(
		{},
		optional={
			"item_code": st.sampled_from(["A", "B", " A "]) | junk,
			"schedule_date": st.integers(-5, 65).map(lambda n: str(day(n))) | junk,
			"qty": st.integers(1, 100) | st.sampled_from(["5", "1e3", "-inf", "nan", "0", "1e15"]) | junk,
			"line_type": st.sampled_from(["Firm", "Forecast", "", None]) | junk,
			"row": st.integers(1, 50),
		},
	),
)


@EXAMPLES
@given(raw=st.lists(raw_release_line, max_size=8))
def test_junk_release_lines_are_refused_row_by_row_never_raised_on(raw):
	known, valid_from, valid_to = {"A", "B"}, day(0), day(60)
	lines, problems = input_checks.read_release_lines(raw, known, valid_from, valid_to)
	if not raw:
		assert [problem.kind for problem in problems] == ["empty_release"]
		return
	# each row on its own: either one good line or refused with at least one problem
	singles = [input_checks.read_release_lines([row], known, valid_from, valid_to) for row in raw]
	for single_lines, single_problems in singles:
		assert (len(single_lines), bool(single_problems)) in {(1, False), (0, True)}
	# together: the same lines, the first of each item and date kept, later ones refused
	expected, seen = [], set()
	for single_lines, _problems in singles:
		for line in single_lines:
			if line.key not in seen:
				seen.add(line.key)
				expected.append(line)
	assert lines == expected
	refused = sum(1 for single_lines, _p in singles if not single_lines)
	duplicates = sum(len(single_lines) for single_lines, _p in singles) - len(expected)
	assert len(problems) >= refused + duplicates
	for line in lines:
		assert line.item_code in known and line.line_type in schedule_lines.LINE_TYPES
		assert valid_from <= line.schedule_date <= valid_to
		assert math.isfinite(line.qty) and 0 < line.qty <= schedule_lines.MAX_QTY


@pytest.mark.parametrize("qty", ["nan", "inf", "-Infinity", float("nan"), float("inf"), 10**400, "1e999"])
def test_release_quantities_must_be_finite(qty):
	raw = [{"item_code": "A", "schedule_date": str(day(1)), "qty": qty, "line_type": "Firm"}]
	lines, problems = input_checks.read_release_lines(raw, {"A"}, day(0), day(60))
	assert lines == [] and [problem.kind for problem in problems] == ["bad_qty"]


def test_csv_with_carriage_return_line_ends_is_read():
	rows = release_csv.parse_release_csv("A,2026-05-02,5,Firm\rB,2026-05-03,6,Forecast\r")
	assert [(row["item_code"], row["qty"]) for row in rows] == [("A", "5"), ("B", "6")]


@pytest.mark.parametrize("qty", [schedule_lines.MAX_QTY + 1, 10**15, 1e30, "1e20"])
def test_release_quantities_too_large_for_a_float_column_are_refused(qty):
	raw = [{"item_code": "A", "schedule_date": str(day(1)), "qty": qty, "line_type": "Firm"}]
	lines, problems = input_checks.read_release_lines(raw, {"A"}, day(0), day(60))
	assert lines == [] and [problem.kind for problem in problems] == ["qty_too_large"]


def test_lines_of_one_item_may_not_total_more_than_a_line_may_carry():
	raw = [
		{"item_code": "A", "schedule_date": str(day(n)), "qty": schedule_lines.MAX_QTY, "line_type": "Firm"}
		for n in (1, 2)
	]
	lines, problems = input_checks.read_release_lines(raw, {"A"}, day(0), day(60))
	assert len(lines) == 2 and [problem.kind for problem in problems] == ["item_total_too_large"]
	assert problems[0].value == ("A", 2 * schedule_lines.MAX_QTY)


def test_csv_that_cannot_be_read_is_refused_with_the_line():
	with pytest.raises(release_csv.CsvReadError) as raised:
		release_csv.parse_release_csv("A,2026-05-02,5,Firm\nB," + "x" * 200_000)
	assert raised.value.line == 2


@EXAMPLES
@given(text=st.text(max_size=200))
def test_any_text_reads_as_csv_rows_without_raising(text):
	rows = release_csv.parse_release_csv(text)
	assert all(isinstance(row, dict) and isinstance(row["row"], int) for row in rows)


csv_cell = st.text(
	st.characters(blacklist_categories=("Cs", "Cc", "Zl", "Zp"), blacklist_characters="\r\n\ufeff"),
	min_size=1,
	max_size=10,
).filter(lambda cell: cell.strip() == cell and cell.strip())


@EXAMPLES
@given(
	rows=st.lists(st.tuples(csv_cell, csv_cell, csv_cell, csv_cell), min_size=1, max_size=6),
	delimiter=st.sampled_from([",", ";", "\t"]),
	header=st.booleans(),
)
def test_csv_written_by_a_spreadsheet_reads_back_cell_for_cell(rows, delimiter, header):
	# the delimiter is guessed from the first line: make it the most frequent character there
	assume(all(cell.count(d) == 0 for row in rows for cell in row for d in (",", ";", "\t")))
	# a first row naming item and qty columns is a header; keep data rows from looking like one
	assume(
		not any(
			{c.lower() for c in row} & {"item_code", "item", "item code", "article", "material"}
			for row in rows
		)
	)
	out = io.StringIO()
	writer = csv.writer(out, delimiter=delimiter, lineterminator="\n")
	if header:
		writer.writerow(["Quantity", "Item", "Type", "Date"])  # any order, by name
	writer.writerows(rows)
	parsed = release_csv.parse_release_csv(out.getvalue())
	if header:
		expected = [
			{"item_code": item, "schedule_date": when, "qty": qty, "line_type": kind}
			for qty, item, kind, when in rows
		]
	else:
		expected = [
			{"item_code": item, "schedule_date": when, "qty": qty, "line_type": kind}
			for item, when, qty, kind in rows
		]
	assert [{k: v for k, v in row.items() if k != "row"} for row in parsed] == expected
	assert [row["row"] for row in parsed] == list(range(1 + header, len(rows) + 1 + header))


# =============================================================================================
# Collections: step selection by day offset, rules
# =============================================================================================

TODAY = date(2026, 3, 15)
actions = st.sampled_from(ccore.ACTIONS)


@st.composite
def rule_steps(draw, min_size=1):
	pairs = draw(
		st.lists(
			st.tuples(st.integers(-10, 40), actions), min_size=min_size, max_size=7, unique=True
		)  # validate_steps refuses the same (offset, action) twice
	)
	return tuple(ccore.Step(f"s{i}", offset, action, i) for i, (offset, action) in enumerate(pairs))


@EXAMPLES
@given(
	steps=rule_steps(), due_in=st.integers(-30, 30), done_mask=st.lists(st.booleans(), min_size=7, max_size=7)
)
def test_the_next_step_announced_is_applied_on_the_day_announced(steps, due_in, done_mask):
	due = TODAY + timedelta(days=due_in)
	done = {step.key for step, is_done in zip(steps, done_mask, strict=False) if is_done}
	rule = ccore.Rule("R", steps)
	rows = [ccore.OpenRow("row", due, 100.0)]
	announced = ccore.next_step(rows, rule, TODAY, {("row", key) for key in done})
	due_today = ccore.due_steps(steps, due, TODAY, done)
	if announced is None:
		assert due_today == []
		return
	on, step = announced
	assert on >= TODAY
	assert step.key not in done
	if on == TODAY:
		assert step in due_today
	else:
		# nothing happens before the announced day, and on that day the step is applied
		assert due_today == []
		for offset in range(1, (on - TODAY).days):
			assert ccore.due_steps(steps, due, TODAY + timedelta(days=offset), done) == []
		assert step in ccore.due_steps(steps, due, on, done)


@EXAMPLES
@given(
	steps=rule_steps(),
	row_dues=st.lists(st.integers(-30, 30), min_size=1, max_size=4),
	done_mask=st.lists(st.booleans(), min_size=28, max_size=28),
	min_outstanding=st.integers(0, 500),
)
def test_an_invoice_is_planned_row_by_row(steps, row_dues, done_mask, min_outstanding):
	rule = ccore.Rule("R", steps, min_outstanding=float(min_outstanding))
	rows = [ccore.OpenRow(f"r{i}", TODAY + timedelta(days=d), 100.0) for i, d in enumerate(row_dues)]
	pairs = [(row.key, step.key) for row in rows for step in steps]
	done = {pair for pair, is_done in zip(pairs, done_mask, strict=False) if is_done}
	outstanding = 100.0 * len(rows)
	whole = ccore.plan_invoice(rows, rule, TODAY, done, outstanding=outstanding)
	by_row = [
		action
		for row in rows
		for action in ccore.plan_invoice([row], rule, TODAY, done, outstanding=outstanding)
	]
	assert sorted(whole, key=repr) == sorted(by_row, key=repr)
	# each (row, step) at most once, never one already done, never early
	keys = [(action.schedule_row, action.step_key) for action in whole]
	assert len(keys) == len(set(keys)) and not set(keys) & done
	assert all(action.action_on <= TODAY for action in whole)
	on = [(a.action_on, a.due_date, a.day_offset, a.schedule_row) for a in whole]
	assert on == sorted(on)


@st.composite
def rule_sets(draw):
	specs = draw(
		st.lists(
			st.tuples(
				st.sampled_from(["customer", "group", "territory", "none"]),
				st.sampled_from(["C1", "C2", "G1", "G2", "All Groups", "T1", "All Territories"]),
			),
			max_size=6,
		)
	)
	rules = []
	for index, (scope, value) in enumerate(specs):
		fields = {"customer": value} if scope == "customer" else {}
		fields = {"customer_group": value} if scope == "group" else fields
		fields = {"territory": value} if scope == "territory" else fields
		rules.append(ccore.Rule(f"R{index}", (), **fields))
	return rules


@EXAMPLES
@given(rules=rule_sets(), seed=st.integers(0, 1000))
def test_the_most_specific_rule_wins_whatever_order_the_rules_come_in(rules, seed):
	group_path, territory_path = ["G1", "All Groups"], ["T1", "All Territories"]
	chosen = ccore.select_rule(rules, "C1", group_path, territory_path)
	shuffled = list(rules)
	random.Random(seed).shuffle(shuffled)
	assert ccore.select_rule(shuffled, "C1", group_path, territory_path) == chosen
	applicable = [
		(rank, rule.key)
		for rule in rules
		if (rank := ccore.rule_rank(rule, "C1", group_path, territory_path)) is not None
	]
	if not applicable:
		assert chosen is None
	else:
		assert (ccore.rule_rank(chosen, "C1", group_path, territory_path), chosen.key) == min(applicable)
