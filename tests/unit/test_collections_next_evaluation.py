"""`core.next_evaluation`: the day a collections run must look at an invoice again. Between the
day it was evaluated (its due steps applied) and that day, time alone changes nothing the run
decides or writes: no step falls due, and its status, its overdue terms, its case's priority and
next action date stay as they were. The fast run relies on it to leave the invoice out."""

from datetime import date, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from o2c_extension.collections import core
from o2c_extension.collections.core import OpenRow, Rule, Step

TODAY = date(2026, 3, 15)
HORIZON = 200  # days looked at when time alone never changes anything


def signature(rows, chased, rule, day, done, promise_date, paused, in_run, applied):
	"""What the run decides and writes for the invoice (and its case) on `day`."""
	plan = []
	if in_run:
		plan = core.plan_invoice(
			chased, rule, day, done, outstanding=100.0, disputed=paused, promise_date=promise_date
		)
	overdue = core.overdue_rows(rows, day)
	oldest = min((row.due_date for row in overdue), default=None)
	if not in_run or paused:
		next_action = None
	elif promise_date is not None and promise_date >= day:
		next_action = promise_date + timedelta(days=1)
	else:
		upcoming = core.next_step(chased, rule, day, done)
		next_action = upcoming[0] if upcoming else None
	return {
		"plan": [(p.schedule_row, p.step_key) for p in plan],
		"status": core.collection_status(
			outstanding=100.0,
			disputed=False,
			promise_date=promise_date,
			today=day,
			earliest_open_due=min((row.due_date for row in rows), default=None),
			actions_applied=applied,
		),
		"overdue": [row.key for row in overdue],
		"chased_overdue": [row.key for row in core.overdue_rows(chased, day)],
		"priority": core.case_priority(core.days_overdue(oldest, day)),
		"next_action": next_action,
	}


offsets = st.integers(min_value=-10, max_value=40)
step_lists = st.lists(st.tuples(offsets, st.sampled_from(core.ACTIONS)), max_size=5, unique=True).map(
	lambda items: tuple(Step(f"s{o}:{a}", o, a, i) for i, (o, a) in enumerate(items, 1))
)
term_lists = st.lists(
	st.tuples(st.integers(min_value=-90, max_value=60), st.floats(min_value=1, max_value=1000)),
	min_size=1,
	max_size=3,
).map(
	lambda items: [
		OpenRow(f"row-{i}", TODAY + timedelta(days=days), round(amount, 2))
		for i, (days, amount) in enumerate(items)
	]
)


@settings(max_examples=300, deadline=None)
@given(
	rows=term_lists,
	steps=step_lists,
	has_rule=st.booleans(),
	promise=st.one_of(st.none(), st.integers(min_value=-5, max_value=30)),
	disputed_share=st.sampled_from([0.0, 0.0, 0.5, 1.0]),
	in_run=st.booleans(),
	done_before=st.sets(st.integers(min_value=0, max_value=14), max_size=6),
)
def test_nothing_changes_before_the_next_evaluation(
	rows, steps, has_rule, promise, disputed_share, in_run, done_before
):
	rule = Rule("R", steps) if has_rule else None
	promise_date = TODAY + timedelta(days=promise) if promise is not None else None
	disputed = disputed_share * sum(row.outstanding for row in rows)
	chased = core.less_disputed(rows, disputed, 0.005)
	paused = bool(rows) and not chased
	# steps applied on earlier days (any of them), then today's run applies what is due
	pairs = [(row.key, step.key) for row in rows for step in steps]
	done = {pairs[i] for i in done_before if i < len(pairs)}
	if in_run:
		today_plan = core.plan_invoice(
			chased, rule, TODAY, done, outstanding=100.0, disputed=paused, promise_date=promise_date
		)
		done |= {(p.schedule_row, p.step_key) for p in today_plan}
	applied = {step.action for step in steps if any(step.key == key for _row, key in done)}
	args = (rows, chased, rule)
	today = signature(*args, TODAY, done, promise_date, paused, in_run, applied)
	assert today["plan"] == []
	nxt = core.next_evaluation(
		rows, chased, rule, TODAY, done, promise_date=promise_date, paused=paused, in_run=in_run
	)
	assert nxt is None or nxt > TODAY
	last = nxt or TODAY + timedelta(days=HORIZON)
	day = TODAY + timedelta(days=1)
	while day < last:
		assert signature(*args, day, done, promise_date, paused, in_run, applied) == today, day
		day += timedelta(days=1)


def test_next_evaluation_is_the_first_step_or_threshold():
	due = TODAY + timedelta(days=10)
	rows = [OpenRow("row-1", due, 100.0)]
	rule = Rule("R", (Step("due", 0, core.EMAIL_REMINDER, 1), Step("late", 7, core.CREATE_TODO, 2)))
	assert core.next_evaluation(rows, rows, rule, TODAY, set()) == due
	# the reminder done on its day: the term falls overdue the day after
	assert core.next_evaluation(rows, rows, rule, due, {("row-1", "due")}) == due + timedelta(days=1)
	# then the ToDo on day 7, the 31st and 61st day (priority)
	after = due + timedelta(days=1)
	assert core.next_evaluation(rows, rows, rule, after, {("row-1", "due")}) == due + timedelta(days=7)
	done = {("row-1", "due"), ("row-1", "late")}
	assert core.next_evaluation(rows, rows, rule, due + timedelta(days=7), done) == due + timedelta(days=31)
	assert core.next_evaluation(rows, rows, rule, due + timedelta(days=31), done) == due + timedelta(days=61)
	assert core.next_evaluation(rows, rows, rule, due + timedelta(days=61), done) is None


def test_a_reached_step_not_applied_is_looked_at_every_day():
	"""Below the rule's minimum (or failed): the case shows it due "today", every day."""
	rows = [OpenRow("row-1", TODAY - timedelta(days=100), 5.0)]
	rule = Rule("R", (Step("todo", 3, core.CREATE_TODO, 1),), min_outstanding=50)
	assert core.next_evaluation(rows, rows, rule, TODAY, set()) == TODAY + timedelta(days=1)


def test_a_promise_is_looked_at_the_day_after_it():
	rows = [OpenRow("row-1", TODAY - timedelta(days=100), 5.0)]
	rule = Rule("R", (Step("todo", 3, core.CREATE_TODO, 1),))
	promise = TODAY + timedelta(days=5)
	got = core.next_evaluation(rows, rows, rule, TODAY, set(), promise_date=promise)
	assert got == promise + timedelta(days=1)
