"""Loads what the collections decisions need for a whole chunk of invoices in a handful of queries:
the invoices with their customers, their payment-schedule rows, the rules of their companies and
the Collection Actions already logged. Everything is turned into `core` values once, so deciding
is pure Python and the database sees no query per invoice.

A run marks each invoice it finished deciding with what it read: the invoice's `modified`
(`collections_evaluated_modified`), the `evaluation_version` (`collections_evaluation_key`: the
rules, the trees they scope by, O2C Settings' collections start date) and a *next evaluation*
date: the first day on which time alone can change anything for the customer's account
(`core.next_evaluation`, the earliest over all the account's open invoices, written on each of
them). A run evaluates only the open invoices whose `modified` or version is no longer the one
stored, or whose next evaluation has come: those something relevant happened to since (a
payment, credit note or journal entry, or their cancellation, changes the invoice's outstanding
and `modified`; a promise or dispute, recorded or resolved, is written with `db_set` or an update
that sets `modified`; a new invoice has nothing stored; any change to a Collections Rule, its
steps, the customer group and territory trees or the start date gives another version; a saved
Customer, whose group, territory or exclusion may have changed, makes its open invoices due
today, see `customer_changed`), and those time has made due. The selection compares columns of
one covering index only (no function, no join per invoice), so a run's cost follows the work due,
not the open invoices. The marks are written only while the invoice and its customer still match
what the decision read (`EVALUATION_KEY_SQL`, computed when the chunk is loaded and again when it
is marked), so a change committed while the chunk ran is never marked as seen. Not followed: hand edits of the Collection
Action log. Templates, contacts and role holders only decide how a step is done, and an invoice
with a failed step is never marked, so the next run tries it again. `run(full=True)` evaluates
every open invoice regardless (the full evaluation the tests compare with).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import date

import frappe
from frappe.utils import cint, flt, getdate

from o2c_extension.collections import core

ACTION_FIELDS = (
	"name",
	"sales_invoice",
	"payment_schedule",
	"step",
	"action",
	"action_date",
	"status",
	"assigned_to",
	"reference_doctype",
	"reference_name",
	"creation",
)


@dataclass
class InvoiceState:
	name: str
	customer: str
	customer_name: str
	company: str
	currency: str
	due_date: date
	outstanding: float  # company currency
	currencies: core.Currencies
	precision: int
	promise_date: date | None
	disputed: bool
	collection_status: str | None
	customer_group: str | None
	territory: str | None
	rows: list[core.OpenRow] = field(default_factory=list)
	rule: core.Rule | None = None
	actions: list = field(default_factory=list)
	evaluation_key: str | None = None  # see the module's docstring; only when loaded for a run
	dispute_reason: str | None = None  # stored escaped (see promises.plain_text)
	# what of it is in open Disputes, in the currency of its outstanding (see `chased_rows`)
	disputed_amount: float = 0.0
	# False when it fell due before O2C Settings' collections start date: the run leaves it out
	in_run: bool = True

	def chased_rows(self) -> list[core.OpenRow]:
		"""The unpaid terms less what is in dispute: what the run chases."""
		return core.less_disputed(self.rows, self.disputed_amount, 0.5 / 10**self.precision)

	def overdue_rows(self, today: date) -> list[core.OpenRow]:
		return core.overdue_rows(self.rows, today)

	def overdue_company(self, today: date) -> float:
		"""What of it is overdue, in company currency."""
		return flt(
			self.currencies.to_company(sum(row.outstanding for row in self.overdue_rows(today))),
			self.precision,
		)

	@property
	def paused(self) -> bool:
		"""Disputed in full (the old flag, or open Disputes covering the whole rest)."""
		return self.disputed or (bool(self.rows) and not self.chased_rows())

	@property
	def earliest_open_due(self) -> date | None:
		"""The due date of the earliest unpaid payment term: what the invoice's overdue age counts from."""
		return min((row.due_date for row in self.rows), default=None)

	def open_terms(self) -> set[str]:
		return {row.key for row in self.rows}

	def term_outstanding(self, schedule_row: str) -> tuple[float, float] | None:
		"""What is unpaid of one payment term, in the invoice's currency and in company currency;
		None when the term is paid (or `schedule_row` is no term, e.g. a broken promise)."""
		row = next((row for row in self.rows if row.key == schedule_row), None)
		if row is None:
			return None
		return (
			flt(self.currencies.to_invoice(row.outstanding), self.precision),
			flt(self.currencies.to_company(row.outstanding), self.precision),
		)

	def settles(self, action) -> bool:
		"""Whether a logged action's work is over because what it waits on is paid: its payment term
		is paid in full, or (for work on no particular term) the whole invoice."""
		if self.outstanding <= 0:
			return True
		term = action.payment_schedule or core.NO_SCHEDULE_ROW
		return term != core.NO_SCHEDULE_ROW and term not in self.open_terms()

	def done(self, today: date) -> set[tuple[str, str]]:
		"""(schedule row, step) pairs already applied; failed ones are tried again."""
		return {
			(action.payment_schedule or core.NO_SCHEDULE_ROW, action.step)
			for action in self.actions
			if action.status in core.APPLIED_STATUSES and not _abandoned(action, today)
		}

	def retryable(self, today: date) -> dict[tuple[str, str], str]:
		"""Log entries of steps to try again: failed ones, and claims a dead run left Pending."""
		return {
			(action.payment_schedule or core.NO_SCHEDULE_ROW, action.step): action.name
			for action in self.actions
			if action.status == core.FAILED or _abandoned(action, today)
		}

	def actions_applied(self) -> set[str]:
		"""Actions applied to what is still unpaid: a paid term's dunning no longer marks the invoice."""
		return {
			action.action
			for action in self.actions
			if action.status in core.APPLIED_STATUSES and not self.settles(action)
		}

	def plan(self, today: date) -> list[core.PlannedAction]:
		if not self.in_run:
			return []
		return core.plan_invoice(
			self.chased_rows(),
			self.rule,
			today,
			self.done(today),
			outstanding=self.outstanding,
			disputed=self.paused,
			promise_date=self.promise_date,
		)

	def next_evaluation(self, today: date) -> date | None:
		"""The first day after `today` on which time alone can change the run's decisions for it."""
		return core.next_evaluation(
			self.rows,
			self.chased_rows(),
			self.rule,
			today,
			self.done(today),
			promise_date=self.promise_date,
			paused=self.paused,
			in_run=self.in_run,
		)

	def status(self, today: date, also_applied: set[str] | frozenset[str] = frozenset()) -> str:
		return core.collection_status(
			outstanding=self.outstanding,
			disputed=self.disputed,
			promise_date=self.promise_date,
			today=today,
			earliest_open_due=self.earliest_open_due,
			actions_applied=self.actions_applied() | set(also_applied),
		)


def _abandoned(action, today: date) -> bool:
	"""A claim still Pending from an earlier day: its run died after something committed mid-step."""
	return action.status == core.PENDING and getdate(action.action_date) < today


# what an invoice and its customer are as they stand, for the rules version given as a
# parameter: read with the chunk, compared again when the chunk's invoices are marked
EVALUATION_KEY_SQL = "MD5(CONCAT_WS('|', si.name, si.modified, customer.modified, %(evaluation_version)s))"


def evaluation_version() -> str:
	"""What every invoice's evaluation depends on besides its own row and its customer: the
	Collections Rules (steps are saved with their rule), the customer group and territory trees
	that rule scopes refer to and O2C Settings' collections start date. Any change, a deletion
	included, gives another value."""
	rules, groups, territories, start = frappe.db.sql(
		"""
		SELECT
			(SELECT GROUP_CONCAT(name, '@', modified ORDER BY name SEPARATOR ',') FROM `tabCollections Rule`),
			(SELECT CONCAT(COUNT(*), '@', IFNULL(MAX(modified), '')) FROM `tabCustomer Group`),
			(SELECT CONCAT(COUNT(*), '@', IFNULL(MAX(modified), '')) FROM `tabTerritory`),
			(SELECT `value` FROM `tabSingles`
				WHERE doctype = 'O2C Settings' AND field = 'collections_start_date')
		"""
	)[0]
	return hashlib.md5(f"{rules or ''}|{groups}|{territories}|{start or ''}".encode()).hexdigest()


def open_invoice_names(
	today: date,
	company: str | None = None,
	customer: str | None = None,
	include_paused: bool = False,
	skip_evaluated: bool = False,
	rules_version: str | None = None,
	customers: list[str] | None = None,
) -> list[str]:
	"""Submitted invoices with something to collect, of customers not excluded from collections.

	Disputed invoices and those with a promise date not yet passed are left out unless
	`include_paused` (the worklist shows them, flagged). `skip_evaluated` (the run) also leaves out
	those evaluated with nothing relevant changed since and not yet due again (see the module's
	docstring): one query over the run index, which carries every column it compares;
	`rules_version` is `evaluation_version()` when the caller has it already; `customers`, when
	given, keeps only those customers' invoices.
	"""
	if customers is not None and not customers:
		return []
	conditions = [
		"si.docstatus = 1",
		"si.is_return = 0",
		"si.outstanding_amount > 0",
		"IFNULL(customer.exclude_from_collections, 0) = 0",
	]
	values = {"today": today, "company": company, "customer": customer}
	if not include_paused:
		conditions += [
			"IFNULL(si.disputed, 0) = 0",
			"(si.promise_to_pay_date IS NULL OR si.promise_to_pay_date < %(today)s)",
		]
	if company:
		conditions.append("si.company = %(company)s")
	if customer:
		conditions.append("si.customer = %(customer)s")
	if customers:
		conditions.append("si.customer IN %(customers)s")
		values["customers"] = customers
	if skip_evaluated:
		conditions.append(
			"(si.collections_next_evaluation <= %(today)s"
			" OR NOT si.collections_evaluated_modified <=> si.modified"
			" OR NOT si.collections_evaluation_key <=> %(evaluation_version)s)"
		)
		values.update(evaluation_version=rules_version or evaluation_version())
	# sorted here: an ORDER BY makes MariaDB sort through the join even when no row qualifies
	return sorted(
		frappe.db.sql_list(
			f"""
			SELECT si.name
			FROM `tabSales Invoice` si
			JOIN `tabCustomer` customer ON customer.name = si.customer
			WHERE {" AND ".join(conditions)}
			""",
			values,
		)
	)


@dataclass
class Chunk:
	invoices: list[InvoiceState]
	rules: RuleBook
	as_of: date | None = None  # the run's day, when loaded with evaluation keys
	evaluation_version: str | None = None


def load_chunk(names: list[str], open_only: bool = True, as_of: date | None = None) -> Chunk:
	"""The submitted invoices in `names` with their open rows, rule and logged actions.

	`open_only` re-applies the run's filter (still unpaid, customer not excluded): a chunk job may
	start a while after its run picked the invoices. With `as_of` (the run's day) each invoice also
	gets its evaluation key, read in the same snapshot as everything the decision uses.
	"""
	if not names:
		return Chunk([], RuleBook({}, {}))
	names = list(dict.fromkeys(names))
	extra = ""
	if open_only:
		extra = "AND si.outstanding_amount > 0 AND IFNULL(customer.exclude_from_collections, 0) = 0"
	version = evaluation_version() if as_of else None
	key = f"{EVALUATION_KEY_SQL} AS evaluation_key" if as_of else "NULL AS evaluation_key"
	records = frappe.db.sql(
		f"""
		SELECT si.name, si.customer, si.customer_name, si.company, si.currency, si.due_date,
			si.outstanding_amount, si.conversion_rate, si.party_account_currency,
			si.promise_to_pay_date, si.disputed, si.dispute_reason, si.collection_status,
			customer.customer_group, customer.territory, company.default_currency AS company_currency,
			{key}
		FROM `tabSales Invoice` si
		JOIN `tabCustomer` customer ON customer.name = si.customer
		JOIN `tabCompany` company ON company.name = si.company
		WHERE si.name IN %(names)s AND si.docstatus = 1 AND si.is_return = 0 {extra}
		ORDER BY si.name
		""",
		{"names": names, "evaluation_version": version},
		as_dict=True,
	)
	if not records:
		return Chunk([], RuleBook({}, {}), as_of, version)
	found = [record.name for record in records]
	precision = cint(frappe.get_precision("Sales Invoice", "base_grand_total")) or 2
	unit = 1 / 10**precision
	epsilon = 0.5 * unit
	currencies = {record.name: _currencies(record) for record in records}
	schedule = _schedule_rows(found, currencies)
	actions = _actions(found)
	rules = RuleBook.load({record.company for record in records})
	disputed = open_disputed_amounts(found)
	start = collections_start_date()

	invoices = []
	for record in records:
		money = currencies[record.name]
		party_outstanding = flt(record.outstanding_amount)
		outstanding = flt(money.to_company(party_outstanding), precision)
		rows = schedule.get(record.name) or [
			core.ScheduleRow(core.NO_SCHEDULE_ROW, getdate(record.due_date), party_outstanding)
		]
		invoice = InvoiceState(
			name=record.name,
			customer=record.customer,
			customer_name=record.customer_name,
			company=record.company,
			currency=record.currency,
			due_date=getdate(record.due_date),
			outstanding=outstanding,
			currencies=money,
			precision=precision,
			promise_date=getdate(record.promise_to_pay_date) if record.promise_to_pay_date else None,
			disputed=bool(cint(record.disputed)),
			collection_status=record.collection_status,
			customer_group=record.customer_group,
			territory=record.territory,
			rows=core.open_rows(rows, party_outstanding, epsilon, unit),
			rule=rules.rule_for(record.company, record.customer, record.customer_group, record.territory),
			actions=actions.get(record.name, []),
			evaluation_key=record.evaluation_key,
			dispute_reason=record.dispute_reason,
			disputed_amount=money.from_invoice(flt(disputed.get(record.name))),
			in_run=start is None or getdate(record.due_date) >= start,
		)
		invoices.append(invoice)
	return Chunk(invoices, rules, as_of, version)


def collections_start_date() -> date | None:
	"""O2C Settings' go-live date: invoices due before it are left out of the run."""
	value = frappe.db.get_single_value("O2C Settings", "collections_start_date")
	return getdate(value) if value else None


def open_disputed_amounts(names: list[str]) -> dict[str, float]:
	"""The open disputed amount per invoice (invoice currency), from the disputes module (B's);
	none while it does not provide it."""
	try:
		from o2c_extension.collections.disputes import open_disputed_amounts as disputed_amounts
	except ImportError:
		return {}
	return disputed_amounts(names) or {}


def mark_evaluated(chunk: Chunk, keys: list[str], next_evaluation: date | None = None) -> None:
	"""Store the evaluation keys of the chunk's invoices that are done for now, with the day they
	are due to be evaluated again (`next_evaluation`: one customer account's, see the module's
	docstring). An invoice is marked only if its key computed now is still the one read for the
	decision: a payment (or any change) committed since the chunk was loaded leaves it unmarked,
	so the next run sees it."""
	keys = [key for key in keys if key]
	if not keys:  # a chunk loaded without `as_of` has none
		return
	frappe.db.sql(
		f"""
		UPDATE `tabSales Invoice` si
		JOIN `tabCustomer` customer ON customer.name = si.customer
		SET si.collections_evaluation_key = %(evaluation_version)s,
			si.collections_evaluated_modified = si.modified,
			si.collections_next_evaluation = %(next_evaluation)s
		WHERE si.name IN %(names)s AND {EVALUATION_KEY_SQL} IN %(keys)s
		""",
		{
			"names": [invoice.name for invoice in chunk.invoices],
			"keys": keys,
			"next_evaluation": next_evaluation,
			"evaluation_version": chunk.evaluation_version,
		},
	)


def customer_changed(customer: str, today: date) -> None:
	"""A Customer was saved (its group, territory or exclusion from collections may differ): its
	open invoices are due for the next run, set-based, in the same transaction."""
	frappe.db.sql(
		"""
		UPDATE `tabSales Invoice`
		SET collections_next_evaluation = %(today)s
		WHERE customer = %(customer)s AND docstatus = 1 AND outstanding_amount > 0
			AND (collections_next_evaluation IS NULL OR collections_next_evaluation > %(today)s)
		""",
		{"customer": customer, "today": today},
	)


def _currencies(record) -> core.Currencies:
	return core.Currencies(
		invoice=record.currency,
		party=record.party_account_currency or record.company_currency,
		company=record.company_currency,
		rate=flt(record.conversion_rate) or 1.0,
	)


def _schedule_rows(
	names: list[str], currencies: dict[str, core.Currencies]
) -> dict[str, list[core.ScheduleRow]]:
	"""Each invoice's payment terms, in the currency of its outstanding (as ERPNext's Accounts
	Receivable report reads them), with what ERPNext recorded as paid against each."""
	rows: dict[str, list[core.ScheduleRow]] = {}
	for row in frappe.db.sql(
		"""
		SELECT parent, name, due_date, payment_amount, base_payment_amount,
			paid_amount, base_paid_amount, discounted_amount
		FROM `tabPayment Schedule`
		WHERE parenttype = 'Sales Invoice' AND parent IN %(names)s
		ORDER BY parent, due_date, idx
		""",
		{"names": names},
		as_dict=True,
	):
		money = currencies[row.parent]
		if money.party == money.invoice:
			amount, paid = flt(row.payment_amount), flt(row.paid_amount) + flt(row.discounted_amount)
		else:
			amount = flt(row.base_payment_amount)
			paid = flt(row.base_paid_amount) + flt(row.discounted_amount) * money.rate
		rows.setdefault(row.parent, []).append(
			core.ScheduleRow(row.name, getdate(row.due_date), amount, paid)
		)
	return rows


def _actions(names: list[str]) -> dict[str, list]:
	actions: dict[str, list] = {}
	for action in frappe.get_all(
		"Collection Action",
		filters={"sales_invoice": ("in", names)},
		fields=list(ACTION_FIELDS),
		order_by="creation asc",
	):
		actions.setdefault(action.sales_invoice, []).append(action)
	return actions


class RuleBook:
	"""The enabled Collections Rules of some companies, their steps, and the trees scopes refer to."""

	def __init__(self, rules: dict[str, list[core.Rule]], settings: dict[str, frappe._dict]):
		self.rules = rules
		self.step_settings = settings  # step identity -> row with email_template, assign_to_role, ...
		self.group_paths: dict[str, list[str]] = {}
		self.territory_paths: dict[str, list[str]] = {}
		all_rules = [rule for company_rules in rules.values() for rule in company_rules]
		if any(rule.customer_group for rule in all_rules):
			self.group_paths = _tree_paths("Customer Group")
		if any(rule.territory for rule in all_rules):
			self.territory_paths = _tree_paths("Territory")

	@classmethod
	def load(cls, companies: set[str]) -> RuleBook:
		headers = frappe.get_all(
			"Collections Rule",
			filters={"enabled": 1, "company": ("in", list(companies))},
			fields=["name", "company", "customer", "customer_group", "territory", "min_outstanding"],
		)
		step_rows = (
			frappe.get_all(
				"Collections Rule Step",
				filters={"parenttype": "Collections Rule", "parent": ("in", [h.name for h in headers])},
				fields=[
					"name",
					"parent",
					"idx",
					"day_offset",
					"action",
					"email_template",
					"assign_to_role",
					"dunning_type",
				],
				order_by="parent, idx",
			)
			if headers
			else []
		)
		steps: dict[str, list[core.Step]] = {}
		settings = {}
		for row in step_rows:
			key = core.step_identity(row.parent, cint(row.day_offset), row.action)
			steps.setdefault(row.parent, []).append(core.Step(key, cint(row.day_offset), row.action, row.idx))
			settings[key] = row
		rules: dict[str, list[core.Rule]] = {}
		for header in headers:
			rules.setdefault(header.company, []).append(
				core.Rule(
					key=header.name,
					steps=tuple(steps.get(header.name, ())),
					min_outstanding=flt(header.min_outstanding),
					customer=header.customer,
					customer_group=header.customer_group,
					territory=header.territory,
				)
			)
		return cls(rules, settings)

	def rule_for(self, company: str, customer: str, customer_group: str | None, territory: str | None):
		return core.select_rule(
			self.rules.get(company, ()),
			customer,
			self.group_paths.get(customer_group or "", [customer_group] if customer_group else []),
			self.territory_paths.get(territory or "", [territory] if territory else []),
		)


def _tree_paths(doctype: str) -> dict[str, list[str]]:
	return core.parse_ancestors(
		(row.name, cint(row.lft), cint(row.rgt))
		for row in frappe.get_all(doctype, fields=["name", "lft", "rgt"])
	)
