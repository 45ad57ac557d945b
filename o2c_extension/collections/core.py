"""Collections decisions from plain values: no Frappe, no database.

Given an invoice's payment-schedule rows, the rule that applies to it, what was already done and
today's date, these functions decide which rule steps are due, which rule applies, what the
invoice's collection status is, what comes next and how urgent it is. `runner.py` loads the
numbers for a whole chunk of invoices and writes only what these functions say is due.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from o2c_extension.order_to_cash import payment_terms
from o2c_extension.order_to_cash.currency import to_company_currency

EMAIL_REMINDER = "Email Reminder"
CREATE_TODO = "Create ToDo"
CREATE_DUNNING = "Create Dunning"
CREDIT_HOLD = "Credit Hold"
ESCALATE = "Escalate"
ACTIONS = (EMAIL_REMINDER, CREATE_TODO, CREATE_DUNNING, CREDIT_HOLD, ESCALATE)

# the step setting an action cannot do without
REQUIRED_SETTING = {
	EMAIL_REMINDER: "email_template",
	CREATE_TODO: "assign_to_role",
	CREATE_DUNNING: "dunning_type",
}

NOT_DUE = "Not Due"
REMINDED = "Reminded"
OVERDUE = "Overdue"
IN_DUNNING = "In Dunning"
ESCALATED = "Escalated"
PROMISE_TO_PAY = "Promise to Pay"
DISPUTED = "Disputed"
PAID = "Paid"

# Collection Action statuses
PENDING = "Pending"  # claimed by a run, being applied (never committed in that state)
OPEN = "Open"  # the document it made (ToDo, Dunning) waits for payment
COMPLETED = "Completed"  # nothing left to follow up (email queued, credit hold placed)
CLOSED = "Closed"  # closed because the invoice was paid
FAILED = "Failed"  # could not be applied; the next run tries again
CANCELLED = "Cancelled"  # the invoice was cancelled
# statuses that count as "this step was applied"
APPLIED_STATUSES = frozenset({PENDING, OPEN, COMPLETED, CLOSED})

# a step applied to no particular payment-schedule row (invoices without a schedule, promises)
NO_SCHEDULE_ROW = ""
BROKEN_PROMISE_STEP = "broken-promise"


# the longest step identity the Collection Action log keeps (its `step` is a Data field)
MAX_STEP_IDENTITY = 140


def step_identity(rule: str, day_offset: int, action: str) -> str:
	"""What makes a rule step the same step: its rule, its day offset and its action, never the
	name of the child row that holds it (re-saving, reordering or re-typing the steps gives rows
	new names). A rule's steps are unique on (day offset, action), see `validate_steps`."""
	identity = f"{rule}:{int(day_offset or 0)}:{action}"
	if len(identity) <= MAX_STEP_IDENTITY:
		return identity
	digest = hashlib.sha1(rule.encode()).hexdigest()
	return f"{digest}:{int(day_offset or 0)}:{action}"


@dataclass(frozen=True)
class Step:
	key: str  # the step's identity, see step_identity
	day_offset: int  # days after the due date; negative = before
	action: str
	idx: int = 0


@dataclass(frozen=True)
class Rule:
	key: str
	steps: tuple[Step, ...]
	min_outstanding: float = 0.0
	customer: str | None = None
	customer_group: str | None = None
	territory: str | None = None


@dataclass(frozen=True)
class ScheduleRow:
	key: str  # Payment Schedule row name, NO_SCHEDULE_ROW when the invoice has none
	due_date: date
	amount: float  # in the currency of the invoice's outstanding (its receivable account's)
	paid: float = 0.0  # what ERPNext recorded as paid against this row (a payment naming the term)


@dataclass(frozen=True)
class OpenRow:
	key: str
	due_date: date
	outstanding: float  # in the currency of the invoice's outstanding


@dataclass(frozen=True)
class Currencies:
	"""The currencies of one invoice: what it is billed in, what its receivable account (and so its
	outstanding) is in, the company's, and the invoice's rate from its currency to the company's.
	Collections convert an invoice's amounts only through this."""

	invoice: str
	party: str
	company: str
	rate: float = 1.0

	def to_company(self, amount: float) -> float:
		"""An amount in the outstanding's currency, in company currency."""
		return to_company_currency(amount, self.party, self.company, self.rate)

	def to_invoice(self, amount: float) -> float:
		"""An amount in the outstanding's currency, in the invoice's currency."""
		return amount if self.party == self.invoice else amount / (self.rate or 1.0)

	def from_invoice(self, amount: float) -> float:
		"""An amount in the invoice's currency, in the outstanding's currency."""
		return amount if self.party == self.invoice else amount * (self.rate or 1.0)


@dataclass(frozen=True)
class PlannedAction:
	schedule_row: str
	due_date: date  # of the payment-schedule row (the promise date for a broken promise)
	step_key: str
	action: str
	day_offset: int
	action_on: date  # the day the step fell due
	rule_step: bool = True  # False for the escalation of a broken promise


@dataclass(frozen=True)
class StepSpec:
	"""A rule step as typed in, for validation."""

	idx: int
	day_offset: int | None
	action: str | None
	email_template: str | None = None
	assign_to_role: str | None = None
	dunning_type: str | None = None


@dataclass(frozen=True)
class StepProblem:
	idx: int
	kind: str  # "missing_action", "unknown_action", "missing_setting", "duplicate", "dunning_before_due"
	detail: str | int | None = None  # the missing field, or the idx of the row it duplicates


def broken_promise_step(promise_date: date) -> str:
	"""Step key of the escalation of one broken promise: a new promise can break (and escalate) again."""
	return f"{BROKEN_PROMISE_STEP}:{promise_date.isoformat()}"


def open_rows(
	rows: Sequence[ScheduleRow], outstanding: float, epsilon: float = 0.0, unit: float = 0.0
) -> list[OpenRow]:
	"""What is still unpaid of each payment term (`payment_terms.unpaid_terms`, the one
	allocation, as ERPNext's Accounts Receivable report based on payment terms makes it)."""
	terms = [payment_terms.Term(row.due_date, row.amount, row.key, row.paid) for row in rows]
	return [
		OpenRow(term.key, term.due_date, term.unpaid)
		for term in payment_terms.unpaid_terms(terms, outstanding, epsilon, unit)
	]


# the User Permissions that decide whom an invoice's collection task may be assigned to
ASSIGNMENT_RESTRICTIONS = ("Company", "Customer")


def user_allowed(restrictions: Mapping[str, Iterable[str]] | None, company: str, customer: str) -> bool:
	"""Whether a user may be given a task on an invoice of `company` and `customer`: `restrictions`
	holds, for each DocType the user's User Permissions restrict (Company, Customer), the names
	allowed; a DocType not in it is not restricted."""
	restrictions = restrictions or {}
	for doctype, value in (("Company", company), ("Customer", customer)):
		allowed = restrictions.get(doctype)
		if allowed is not None and value not in allowed:
			return False
	return True


def is_paused(disputed: bool, promise_date: date | None, today: date) -> bool:
	"""Disputed invoices and invoices with a promise to pay that has not yet passed are left alone."""
	return bool(disputed) or (promise_date is not None and promise_date >= today)


def is_promise_broken(promise_date: date | None, today: date, outstanding: float) -> bool:
	return promise_date is not None and promise_date < today and outstanding > 0


def due_steps(
	steps: Iterable[Step], due_date: date, today: date, done: set[str] | frozenset[str]
) -> list[Step]:
	"""Steps of one payment-schedule row to apply today, in order.

	A step is due once `today` has reached `due_date + day_offset` and it was not applied yet.
	When a run sees a row late (the job was down, a promise or dispute paused it, the rule is new),
	only the latest reached step of each action is applied: a customer gets one reminder and one
	dunning letter, not the whole history at once. The earlier ones stay skipped for good.
	"""
	days_past_due = (today - due_date).days
	reached = [step for step in steps if step.day_offset <= days_past_due]
	latest_offset: dict[str, int] = {}
	for step in reached:
		latest_offset[step.action] = max(latest_offset.get(step.action, step.day_offset), step.day_offset)
	due = [step for step in reached if step.key not in done and step.day_offset == latest_offset[step.action]]
	return sorted(due, key=lambda step: (step.day_offset, step.idx))


def plan_invoice(
	rows: Sequence[OpenRow],
	rule: Rule | None,
	today: date,
	done: set[tuple[str, str]] | frozenset[tuple[str, str]],
	*,
	outstanding: float,
	disputed: bool = False,
	promise_date: date | None = None,
) -> list[PlannedAction]:
	"""Everything to apply to one invoice today, in the order it fell due.

	`rows` are the unpaid schedule rows (see `open_rows`), `done` the (schedule row, step key)
	pairs already applied, `outstanding` the invoice's outstanding in company currency.
	"""
	if outstanding <= 0 or is_paused(disputed, promise_date, today):
		return []
	planned: list[PlannedAction] = []
	# a promise whose date passed is judged (and, broken, escalated once on the customer's case) by
	# `promises.judge_due_promises` after O2C Settings' tolerance, not by the run per invoice
	if rule is not None and rule.steps and outstanding >= rule.min_outstanding:
		for row in rows:
			done_for_row = {step_key for row_key, step_key in done if row_key == row.key}
			for step in due_steps(rule.steps, row.due_date, today, done_for_row):
				planned.append(
					PlannedAction(
						row.key,
						row.due_date,
						step.key,
						step.action,
						step.day_offset,
						row.due_date + timedelta(days=step.day_offset),
					)
				)
	return sorted(
		planned,
		key=lambda action: (action.action_on, action.due_date, action.day_offset, action.schedule_row),
	)


def next_step(
	rows: Sequence[OpenRow],
	rule: Rule | None,
	today: date,
	done: set[tuple[str, str]] | frozenset[tuple[str, str]],
) -> tuple[date, Step] | None:
	"""The next step the run will apply (today at the earliest) and when, or None."""
	if rule is None:
		return None
	upcoming: list[tuple[date, int, int, Step]] = []
	for row in rows:
		done_for_row = {step_key for row_key, step_key in done if row_key == row.key}
		due_now = {step.key for step in due_steps(rule.steps, row.due_date, today, done_for_row)}
		for step in rule.steps:
			if step.key in done_for_row:
				continue
			on = row.due_date + timedelta(days=step.day_offset)
			if on < today and step.key not in due_now:
				continue  # skipped for good (see due_steps)
			upcoming.append((max(on, today), step.day_offset, step.idx, step))
	if not upcoming:
		return None
	on, _offset, _idx, step = min(upcoming, key=lambda item: item[:3])
	return on, step


# days past a term's due date at which its customer's case changes by time alone: the term falls
# overdue (the case's overdue amount, oldest due date, status), passes 30 and 60 days (priority)
CASE_THRESHOLDS = (1, 31, 61)


def next_evaluation(
	rows: Sequence[OpenRow],
	chased: Sequence[OpenRow],
	rule: Rule | None,
	today: date,
	done: set[tuple[str, str]] | frozenset[tuple[str, str]],
	*,
	promise_date: date | None = None,
	paused: bool = False,
	in_run: bool = True,
) -> date | None:
	"""The first day after `today` on which time alone can change what the run decides or writes
	for an invoice evaluated today (after today's steps were applied): a step falls due, a term
	falls overdue or passes a priority threshold, a promise expires, or the case's next action
	date moves on because a reached step is still not applied. None when time alone never
	changes anything (only an event can).

	`rows` are the invoice's unpaid terms, `chased` those less what is disputed, `done` as for
	`plan_invoice`. Never later than the first such day, sometimes earlier: the run evaluates the
	invoice again that day and finds nothing to do, which is harmless; a later day would miss work.
	"""
	tomorrow = today + timedelta(days=1)
	candidates: list[date] = []
	for row in rows:
		for days in CASE_THRESHOLDS:
			on = row.due_date + timedelta(days=days)
			if on > today:
				candidates.append(on)
	promised = promise_date is not None and promise_date >= today
	if promised:
		candidates.append(promise_date + timedelta(days=1))
	if in_run and not paused and not promised and rule is not None:
		for row in chased:
			done_for_row = {step_key for row_key, step_key in done if row_key == row.key}
			if due_steps(rule.steps, row.due_date, today, done_for_row):
				# reached and not applied (below the rule's minimum, or it failed): the case's next
				# action date is "today" every day, and a failed step is tried again
				candidates.append(tomorrow)
			for step in rule.steps:
				on = row.due_date + timedelta(days=step.day_offset)
				if on > today and step.key not in done_for_row:
					candidates.append(on)
	return min(candidates, default=None)


def collection_status(
	*,
	outstanding: float,
	disputed: bool,
	promise_date: date | None,
	today: date,
	earliest_open_due: date | None,
	actions_applied: Iterable[str],
) -> str:
	"""The invoice's collection status: the pause states first, then the strongest action applied."""
	applied = set(actions_applied)
	if outstanding <= 0:
		return PAID
	if disputed:
		return DISPUTED
	if promise_date is not None and promise_date >= today:
		return PROMISE_TO_PAY
	if ESCALATE in applied:
		return ESCALATED
	if CREATE_DUNNING in applied:
		return IN_DUNNING
	if earliest_open_due is not None and earliest_open_due < today:
		return OVERDUE
	if EMAIL_REMINDER in applied:
		return REMINDED
	return NOT_DUE


def days_overdue(earliest_open_due: date | None, today: date) -> int:
	if earliest_open_due is None:
		return 0
	return max((today - earliest_open_due).days, 0)


def priority_score(outstanding: float, overdue_days: int) -> float:
	"""How urgent an invoice is for the worklist: money at stake times how late it is."""
	return round(max(outstanding, 0.0) * max(overdue_days, 0), 2)


def rule_rank(rule: Rule, customer: str, group_path: Sequence[str], territory_path: Sequence[str]):
	"""Sort key of a rule for one customer (lower = more specific), or None when it does not apply.

	`group_path` / `territory_path` are the customer's group and territory followed by their
	ancestors, nearest first, so a rule for a parent group applies to its sub-groups too.
	"""
	if rule.customer:
		return (0, 0) if rule.customer == customer else None
	if rule.customer_group:
		return (1, group_path.index(rule.customer_group)) if rule.customer_group in group_path else None
	if rule.territory:
		return (2, territory_path.index(rule.territory)) if rule.territory in territory_path else None
	return (3, 0)


def select_rule(
	rules: Iterable[Rule], customer: str, group_path: Sequence[str] = (), territory_path: Sequence[str] = ()
) -> Rule | None:
	"""The most specific rule for the customer: customer, then customer group, then territory, then none."""
	best: tuple | None = None
	chosen: Rule | None = None
	for rule in rules:
		rank = rule_rank(rule, customer, group_path, territory_path)
		if rank is None:
			continue
		rank = (*rank, rule.key)
		if best is None or rank < best:
			best, chosen = rank, rule
	return chosen


def validate_steps(steps: Iterable[StepSpec]) -> list[StepProblem]:
	"""What is wrong with a rule's steps (empty when nothing is)."""
	problems: list[StepProblem] = []
	seen: dict[tuple[int, str], int] = {}
	for step in steps:
		if not step.action:
			problems.append(StepProblem(step.idx, "missing_action"))
			continue
		if step.action not in ACTIONS:
			problems.append(StepProblem(step.idx, "unknown_action", step.action))
			continue
		required = REQUIRED_SETTING.get(step.action)
		if required and not getattr(step, required):
			problems.append(StepProblem(step.idx, "missing_setting", required))
		if step.action == CREATE_DUNNING and (step.day_offset or 0) < 1:
			problems.append(StepProblem(step.idx, "dunning_before_due"))
		key = (step.day_offset or 0, step.action)
		if key in seen:
			problems.append(StepProblem(step.idx, "duplicate", seen[key]))
		else:
			seen[key] = step.idx
	return problems


def parse_ancestors(nodes: Iterable[tuple[str, int, int]]) -> dict[str, list[str]]:
	"""Nested-set tree rows (name, lft, rgt) -> each node with its ancestors, nearest first."""
	ordered = sorted(nodes, key=lambda node: node[1])
	paths: dict[str, list[str]] = {}
	stack: list[tuple[str, int, int]] = []
	for name, lft, rgt in ordered:
		while stack and stack[-1][2] < lft:
			stack.pop()
		paths[name] = [name, *(ancestor for ancestor, _l, _r in reversed(stack))]
		stack.append((name, lft, rgt))
	return paths


# --- the customer's account (Collection Case) -------------------------------------------------

CASE_OPEN = "Open"
CASE_PROMISE = "Promise to Pay"
CASE_DISPUTED = "Disputed"
CASE_CLOSED = "Closed"

AGEING_BUCKETS = ((1, 30), (31, 60), (61, 90), (91, None))


def overdue_rows(rows: Sequence[OpenRow], today: date) -> list[OpenRow]:
	"""The unpaid terms whose due date has passed."""
	return [row for row in rows if row.due_date < today and row.outstanding > 0]


def less_disputed(rows: Sequence[OpenRow], disputed: float, epsilon: float = 0.0) -> list[OpenRow]:
	"""What the run still chases of an invoice's unpaid terms when `disputed` of it (in the same
	currency) is in dispute: the disputed amount is taken off the latest terms first, so the
	earliest terms, the ones a reminder speaks of, are chased for the undisputed rest."""
	left = max(disputed, 0.0)
	chased: list[OpenRow] = []
	for row in sorted(rows, key=lambda row: row.due_date, reverse=True):
		taken = min(left, row.outstanding)
		left -= taken
		rest = row.outstanding - taken
		if rest > epsilon:
			chased.append(OpenRow(row.key, row.due_date, rest))
	return sorted(chased, key=lambda row: (row.due_date, row.key))


def ageing_bucket(days_past_due: int) -> int | None:
	"""Index into AGEING_BUCKETS (1–30, 31–60, 61–90, 90+ days past due), None when not overdue."""
	for index, (low, high) in enumerate(AGEING_BUCKETS):
		if days_past_due >= low and (high is None or days_past_due <= high):
			return index
	return None


def case_status(*, overdue: float, promised: bool, disputed_in_full: bool) -> str:
	"""A case is Closed when nothing is overdue, Promise to Pay while a promise is open, Disputed
	while open disputes cover everything overdue, else Open."""
	if overdue <= 0:
		return CASE_CLOSED
	if promised:
		return CASE_PROMISE
	if disputed_in_full:
		return CASE_DISPUTED
	return CASE_OPEN


def case_priority(oldest_days_overdue: int, escalated: bool = False) -> str:
	"""High when escalated or more than 60 days overdue, Medium past 30 days, else Low."""
	if escalated or oldest_days_overdue > 60:
		return "High"
	if oldest_days_overdue > 30:
		return "Medium"
	return "Low"


def pack_customers(customers: Sequence[tuple[str, Sequence[str]]], size: int) -> list[list[str]]:
	"""Chunks of about `size` invoices, each customer's invoices whole in one chunk (a customer
	with more than `size` invoices gets a chunk of its own)."""
	chunks: list[list[str]] = []
	current: list[str] = []
	for _customer, names in customers:
		if current and len(current) + len(names) > size:
			chunks.append(current)
			current = []
		current = [*current, *names]
	if current:
		chunks.append(current)
	return chunks
