"""The collections decisions without a database: step selection, row outstanding, rule choice,
status, next step, priority and step validation."""

from datetime import date, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from o2c_extension.collections import core
from o2c_extension.collections.core import Rule, ScheduleRow, Step, StepSpec

TODAY = date(2026, 3, 15)

DEFAULT_STEPS = (
	Step("s-remind-before", -3, core.EMAIL_REMINDER, 1),
	Step("s-remind-due", 0, core.EMAIL_REMINDER, 2),
	Step("s-todo", 3, core.CREATE_TODO, 3),
	Step("s-remind-overdue", 7, core.EMAIL_REMINDER, 4),
	Step("s-dunning", 10, core.CREATE_DUNNING, 5),
	Step("s-escalate", 20, core.ESCALATE, 6),
)


def rule(steps=DEFAULT_STEPS, **fields) -> Rule:
	return Rule(key=fields.pop("key", "R"), steps=tuple(steps), **fields)


def one_row(due: date, amount: float = 100.0):
	return core.open_rows([ScheduleRow("row-1", due, amount)], amount)


# -- due steps ------------------------------------------------------------------------------


def test_step_due_on_its_day_not_before():
	due = TODAY
	assert [s.key for s in core.due_steps(DEFAULT_STEPS, due, due - timedelta(days=4), set())] == []
	assert [s.key for s in core.due_steps(DEFAULT_STEPS, due, due - timedelta(days=3), set())] == [
		"s-remind-before"
	]


def test_done_steps_are_not_due_again():
	due = TODAY - timedelta(days=3)
	assert [s.key for s in core.due_steps(DEFAULT_STEPS, due, TODAY, {"s-remind-due"})] == ["s-todo"]
	assert core.due_steps(DEFAULT_STEPS, due, TODAY, {"s-remind-due", "s-todo"}) == []


def test_late_run_applies_only_the_latest_step_of_each_action():
	# first seen 12 days after due: one reminder (the overdue one), the ToDo and the dunning
	due = TODAY - timedelta(days=12)
	keys = [s.key for s in core.due_steps(DEFAULT_STEPS, due, TODAY, set())]
	assert keys == ["s-todo", "s-remind-overdue", "s-dunning"]


def test_an_earlier_step_stays_skipped_once_a_later_one_of_its_action_is_done():
	due = TODAY - timedelta(days=8)
	assert [s.key for s in core.due_steps(DEFAULT_STEPS, due, TODAY, {"s-remind-overdue", "s-todo"})] == []


@settings(max_examples=200, deadline=None)
@given(
	offsets=st.lists(st.integers(-10, 40), min_size=1, max_size=8),
	actions=st.lists(st.sampled_from(core.ACTIONS), min_size=8, max_size=8),
	start=st.integers(-15, 5),
	length=st.integers(1, 60),
)
def test_daily_runs_apply_each_step_at_most_once_in_order_and_never_early(offsets, actions, start, length):
	steps = tuple(Step(f"s{i}", offset, actions[i], i) for i, offset in enumerate(offsets))
	due = TODAY
	done: set[str] = set()
	applied: list[tuple[int, Step]] = []
	for day in range(start, start + length):
		today = due + timedelta(days=day)
		for step in core.due_steps(steps, due, today, done):
			assert step.day_offset <= day  # never early
			assert step.key not in done  # never twice
			done.add(step.key)
			applied.append((day, step))
		# a second run the same day adds nothing
		assert core.due_steps(steps, due, today, done) == []
	days = [day for day, _step in applied]
	assert days == sorted(days)
	# walking every day from before the first step: each step fires exactly on its own day
	if start <= min(offsets) and start + length - 1 >= max(offsets):
		distinct = {(s.day_offset, s.action) for s in steps}
		if len(distinct) == len(steps):
			assert sorted((day, step.key) for day, step in applied) == sorted(
				(step.day_offset, step.key) for step in steps
			)


# -- plan: pauses and broken promises ------------------------------------------------------


def test_dispute_and_future_promise_pause_everything():
	rows = one_row(TODAY - timedelta(days=30))
	assert core.plan_invoice(rows, rule(), TODAY, set(), outstanding=100, disputed=True) == []
	assert core.plan_invoice(rows, rule(), TODAY, set(), outstanding=100, promise_date=TODAY) == []
	assert (
		core.plan_invoice(rows, rule(), TODAY, set(), outstanding=100, promise_date=TODAY + timedelta(days=3))
		== []
	)


def test_a_passed_promise_is_not_escalated_by_the_run():
	"""The promises module judges it after the tolerance and escalates the case once if broken."""
	rows = one_row(TODAY - timedelta(days=2))
	promise = TODAY - timedelta(days=1)
	assert core.plan_invoice(rows, None, TODAY, set(), outstanding=100, promise_date=promise) == []
	# the rule's steps are chased again once the promised day has passed
	plan = core.plan_invoice(rows, rule(), TODAY, set(), outstanding=100, promise_date=promise)
	assert [p.action for p in plan] == [core.EMAIL_REMINDER]


def test_min_outstanding_and_missing_rule_plan_nothing():
	rows = one_row(TODAY - timedelta(days=30), 50)
	assert core.plan_invoice(rows, rule(min_outstanding=51), TODAY, set(), outstanding=50) == []
	assert core.plan_invoice(rows, None, TODAY, set(), outstanding=50) == []
	assert core.plan_invoice(rows, rule(), TODAY, set(), outstanding=0) == []


def test_plan_is_per_schedule_row_in_due_order():
	rows = core.open_rows(
		[ScheduleRow("a", TODAY - timedelta(days=3), 50), ScheduleRow("b", TODAY, 50)],
		100,
	)
	plan = core.plan_invoice(rows, rule(), TODAY, {("a", "s-remind-due")}, outstanding=100)
	assert [(p.schedule_row, p.step_key) for p in plan] == [("a", "s-todo"), ("b", "s-remind-due")]
	assert [p.action_on for p in plan] == [TODAY, TODAY]


# -- rows -----------------------------------------------------------------------------------


@settings(max_examples=200, deadline=None)
@given(
	amounts=st.lists(st.integers(0, 1_000_000).map(lambda cents: cents / 100), min_size=1, max_size=6),
	paid_share=st.floats(0, 1),
)
def test_open_rows_spread_the_outstanding_over_the_latest_rows(amounts, paid_share):
	rows = [ScheduleRow(f"r{i}", TODAY + timedelta(days=30 * i), amount) for i, amount in enumerate(amounts)]
	outstanding = round(sum(amounts) * (1 - paid_share), 2)
	result = core.open_rows(rows, outstanding, epsilon=0.005)
	if outstanding <= 0.005:
		assert result == []
		return
	assert abs(sum(row.outstanding for row in result) - outstanding) < 0.01
	amount_of = {row.key: row.amount for row in rows}
	# payments clear the earliest rows: only the first open row may be partly paid
	assert [row.due_date for row in result] == sorted(row.due_date for row in result)
	for row in result[1:]:
		assert abs(row.outstanding - amount_of[row.key]) < 1e-6
	assert all(0 < row.outstanding <= amount_of[row.key] + 1e-6 for row in result)


def test_open_rows_without_schedule_and_overpaid():
	assert core.open_rows([], 100) == []
	assert core.open_rows([ScheduleRow("a", TODAY, 100)], 0) == []
	extra = core.open_rows(
		[ScheduleRow("a", TODAY, 60), ScheduleRow("b", TODAY + timedelta(days=1), 40)], 110
	)
	assert [(row.key, row.outstanding) for row in extra] == [("a", 70), ("b", 40)]


# -- rule choice ----------------------------------------------------------------------------


def test_most_specific_rule_wins():
	company_wide = rule(key="all")
	by_territory = rule(key="territory", territory="Europe")
	by_group = rule(key="group", customer_group="Commercial")
	by_parent_group = rule(key="parent", customer_group="All Customer Groups")
	by_customer = rule(key="customer", customer="ACME")
	everything = [company_wide, by_territory, by_group, by_parent_group, by_customer]
	groups = ["Commercial", "All Customer Groups"]
	territories = ["Germany", "Europe", "All Territories"]
	assert core.select_rule(everything, "ACME", groups, territories).key == "customer"
	assert core.select_rule(everything, "Other", groups, territories).key == "group"
	assert core.select_rule([by_parent_group, by_territory], "Other", groups, territories).key == "parent"
	assert core.select_rule([company_wide, by_territory], "Other", groups, territories).key == "territory"
	assert core.select_rule([company_wide, by_territory], "Other", groups, ["Asia"]).key == "all"
	assert core.select_rule([by_customer], "Other", groups, territories) is None


def test_tree_paths_list_ancestors_nearest_first():
	nodes = [("All", 1, 10), ("Commercial", 2, 5), ("Retail", 3, 4), ("Government", 6, 9), ("Local", 7, 8)]
	paths = core.parse_ancestors(nodes)
	assert paths["Retail"] == ["Retail", "Commercial", "All"]
	assert paths["Local"] == ["Local", "Government", "All"]
	assert paths["All"] == ["All"]


# -- status, next step, priority ------------------------------------------------------------


def status(**kwargs):
	base = {
		"outstanding": 100.0,
		"disputed": False,
		"promise_date": None,
		"today": TODAY,
		"earliest_open_due": TODAY + timedelta(days=5),
		"actions_applied": (),
	}
	return core.collection_status(**{**base, **kwargs})


def test_collection_status_precedence():
	past = TODAY - timedelta(days=1)
	assert status() == core.NOT_DUE
	assert status(actions_applied=[core.EMAIL_REMINDER]) == core.REMINDED
	assert status(earliest_open_due=past, actions_applied=[core.EMAIL_REMINDER]) == core.OVERDUE
	assert status(earliest_open_due=past, actions_applied=[core.CREATE_DUNNING]) == core.IN_DUNNING
	assert status(actions_applied=[core.CREATE_DUNNING, core.ESCALATE]) == core.ESCALATED
	assert status(promise_date=TODAY, actions_applied=[core.ESCALATE]) == core.PROMISE_TO_PAY
	assert status(promise_date=past, earliest_open_due=past) == core.OVERDUE
	assert status(disputed=True, promise_date=TODAY) == core.DISPUTED
	assert status(outstanding=0, disputed=True) == core.PAID


def test_next_step_is_the_earliest_not_done():
	rows = one_row(TODAY - timedelta(days=1))
	on, step = core.next_step(rows, rule(), TODAY, {("row-1", "s-remind-before"), ("row-1", "s-remind-due")})
	assert (on, step.key) == (TODAY + timedelta(days=2), "s-todo")
	# a step due today and not done yet is next, today
	on, step = core.next_step(rows, rule(), TODAY, {("row-1", "s-remind-before")})
	assert (on, step.key) == (TODAY, "s-remind-due")
	all_done = {("row-1", s.key) for s in DEFAULT_STEPS}
	assert core.next_step(rows, rule(), TODAY, all_done) is None
	assert core.next_step(rows, None, TODAY, set()) is None


@given(st.floats(0, 1e9, allow_nan=False), st.integers(-100, 1000))
def test_priority_grows_with_amount_and_lateness(amount, days):
	score = core.priority_score(amount, days)
	assert score >= 0
	assert core.priority_score(amount, days + 1) >= score
	assert core.priority_score(amount * 2, days) >= score
	if days <= 0:
		assert score == 0


# -- step validation ------------------------------------------------------------------------


def test_step_validation_finds_missing_settings_duplicates_and_early_dunning():
	problems = core.validate_steps(
		[
			StepSpec(1, -3, core.EMAIL_REMINDER),
			StepSpec(2, 3, core.CREATE_TODO),
			StepSpec(3, 0, core.CREATE_DUNNING, dunning_type="Gentle"),
			StepSpec(4, 10, core.CREATE_DUNNING),
			StepSpec(5, 3, core.CREATE_TODO, assign_to_role="Collections Agent"),
			StepSpec(6, 20, core.ESCALATE),
			StepSpec(7, 21, None),
			StepSpec(8, 22, core.CREDIT_HOLD),
		]
	)
	assert [(p.idx, p.kind, p.detail) for p in problems] == [
		(1, "missing_setting", "email_template"),
		(2, "missing_setting", "assign_to_role"),
		(3, "dunning_before_due", None),
		(4, "missing_setting", "dunning_type"),
		(5, "duplicate", 2),
		(7, "missing_action", None),
	]


def test_valid_steps_have_no_problems():
	assert (
		core.validate_steps(
			[
				StepSpec(1, -3, core.EMAIL_REMINDER, email_template="T"),
				StepSpec(2, 0, core.EMAIL_REMINDER, email_template="T"),
				StepSpec(3, 5, core.CREATE_TODO, assign_to_role="Collections Agent"),
				StepSpec(4, 10, core.CREATE_DUNNING, dunning_type="D"),
				StepSpec(5, 15, core.CREDIT_HOLD),
				StepSpec(6, 20, core.ESCALATE),
			]
		)
		== []
	)


# -- issue 11: step identity, terms paid as ERPNext allocates them, currencies, assignees ---------


def test_step_identity_is_rule_offset_and_action_never_a_row_name():
	assert core.step_identity("Dunning EU", 7, core.EMAIL_REMINDER) == "Dunning EU:7:Email Reminder"
	assert core.step_identity("R", -3, core.EMAIL_REMINDER) != core.step_identity("R", -3, core.CREATE_TODO)
	assert core.step_identity("R", 3, core.CREATE_TODO) != core.step_identity("S", 3, core.CREATE_TODO)
	long_name = "x" * 140
	identity = core.step_identity(long_name, 10, core.CREATE_DUNNING)
	assert len(identity) <= core.MAX_STEP_IDENTITY
	assert identity == core.step_identity(long_name, 10, core.CREATE_DUNNING)
	assert identity != core.step_identity("y" * 140, 10, core.CREATE_DUNNING)


def test_open_rows_keep_what_erpnext_recorded_against_a_term_and_clear_the_rest_oldest_first():
	rows = [
		ScheduleRow("a", TODAY - timedelta(days=60), 40),
		ScheduleRow("b", TODAY - timedelta(days=30), 30, paid=30),  # a payment naming term b
		ScheduleRow("c", TODAY, 30),
	]
	# 30 paid against b, 25 more paid without a term: they clear a first
	result = core.open_rows(rows, 45, epsilon=0.005)
	assert [(row.key, row.outstanding) for row in result] == [("a", 15), ("c", 30)]


def test_a_rounding_cent_left_on_a_paid_term_moves_to_the_next_term():
	# 1,149.51 split into 459.80 + 344.85 + 344.85 = 1,149.50; the first term paid as scheduled
	rows = [
		ScheduleRow("a", TODAY - timedelta(days=10), 459.80),
		ScheduleRow("b", TODAY + timedelta(days=20), 344.85),
		ScheduleRow("c", TODAY + timedelta(days=50), 344.85),
	]
	result = core.open_rows(rows, 1149.51 - 459.80, epsilon=0.005, unit=0.01)
	assert [row.key for row in result] == ["b", "c"]
	assert round(sum(row.outstanding for row in result), 2) == round(1149.51 - 459.80, 2)
	# a real shortfall of the first term is more than rounding: the term stays open
	short = core.open_rows(rows, 1149.51 - 400, epsilon=0.005, unit=0.01)
	assert short[0].key == "a"


def test_currencies_convert_from_the_outstandings_currency():
	eur_on_eur = core.Currencies(invoice="EUR", party="EUR", company="USD", rate=1.1)
	assert round(eur_on_eur.to_company(100), 2) == 110
	assert eur_on_eur.to_invoice(100) == 100
	eur_on_usd = core.Currencies(invoice="EUR", party="USD", company="USD", rate=1.1)
	assert eur_on_usd.to_company(110) == 110
	assert round(eur_on_usd.to_invoice(110), 2) == 100


def test_user_allowed_honours_company_and_customer_restrictions():
	assert core.user_allowed(None, "C1", "Cust")
	assert core.user_allowed({"Company": {"C1"}}, "C1", "Cust")
	assert not core.user_allowed({"Company": {"C1"}}, "C2", "Cust")
	assert not core.user_allowed({"Customer": {"Other"}}, "C1", "Cust")
	assert core.user_allowed({"Company": {"C1", "C2"}, "Customer": {"Cust"}}, "C2", "Cust")
