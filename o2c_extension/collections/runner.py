"""The collections run: finds the customers with open invoices to evaluate, set-based, splits
them into chunks of whole customers (all of a customer's open invoices in one chunk) processed as
background jobs on the "long" queue, decides per invoice and payment-schedule row which steps fell
due (`core`), and performs them once per customer account (`actions`): one e-mail, one task on the
Collection Case, one Dunning per currency. Every step still gets its own Collection Action (its
invoice, term and step, and the case), the unit of "done".

Safe to cut off and re-run. A step is claimed by inserting its Collection Action before it is
applied (all of an account's new claims in one statement); a unique index on (invoice, schedule
row, step) makes a concurrent run wait for that claim and then skip the step. The claims' results
are written set-based, one statement per action of the account. A customer's actions, their log
entries, its invoices' statuses and its case are committed together, so a run killed half way
leaves every customer either done or untouched, and the next run (the same day or later) does the
rest.

With each customer's commit, the invoices it finished (nothing due, or every due step applied)
get their evaluation key and the account's next evaluation date (see `context.py`), set-based; a
later run leaves them out until something relevant changes or that day comes, so a day's run
reads only the accounts with something due. An invoice with a step that failed or that another
run held is not marked, so the next run tries it again. `run(full=True)` evaluates every open
invoice (the full evaluation; it decides the same, only slower).
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from datetime import date

import frappe
from frappe import _
from frappe.utils import getdate, now_datetime, nowdate, strip_html

from o2c_extension.collections import actions, cases, core, settlement
from o2c_extension.collections.context import (
	Chunk,
	InvoiceState,
	evaluation_version,
	load_chunk,
	mark_evaluated,
	open_invoice_names,
)

CHUNK_SIZE = 500
CHUNK_METHOD = "o2c_extension.collections.runner.process_chunk"
STEP_SAVEPOINT = "o2c_collections_step"
ACTION_SAVEPOINT = "o2c_collections_action"


def run(company: str | None = None, enqueue: bool = True, full: bool = False) -> dict:
	"""Collect for every company (or one): `enqueue=False` processes the chunks in this process.

	`open_invoices` in the result counts the open invoices selected: those something relevant
	happened to since they were last evaluated, or whose account's next evaluation date has come
	(a chunk then takes in all the open invoices of their customers); with `full`, every open
	invoice."""
	today = getdate(nowdate())
	companies = [company] if company else frappe.get_all("Company", pluck="name", order_by="name")
	settlement.close_settled_work(company)
	version = evaluation_version()
	chunks, open_invoices = [], 0
	for each_company in companies:  # one company at a time: the selection seeks its index
		judge_promises(each_company, today)
		names = open_invoice_names(today, each_company, skip_evaluated=not full, rules_version=version)
		open_invoices += len(names)
		chunks += customer_chunks(names)
	processed = {"invoices": 0, "actions": 0}
	jobs = []
	for chunk in chunks:
		if enqueue:
			job_id = chunk_job_id(chunk, today)
			frappe.enqueue(
				CHUNK_METHOD,
				queue="long",
				job_id=job_id,
				deduplicate=True,
				invoice_names=chunk,
				as_of=str(today),
			)
			jobs.append(job_id)
		else:
			result = process_chunk(chunk, today)
			processed["invoices"] += result["invoices"]
			processed["actions"] += result["actions"]
	if not enqueue:
		frappe.db.commit()  # the settled-work sweep, when there was no chunk to commit it
	return {"open_invoices": open_invoices, "chunks": len(chunks), "jobs": jobs, **processed}


def judge_promises(company: str, today: date) -> None:
	"""Promises whose day (and tolerance) passed are judged before the run (the promises module's)."""
	try:
		from o2c_extension.collections.promises import judge_due_promises
	except ImportError:
		return
	judge_due_promises(company, today)


def customer_chunks(names: list[str], size: int = CHUNK_SIZE) -> list[list[str]]:
	"""The invoices in chunks of about `size`, a customer's invoices never split over two."""
	if not names:
		return []
	by_customer: dict[str, list[str]] = defaultdict(list)
	for name, customer in frappe.db.sql(
		"SELECT name, customer FROM `tabSales Invoice` WHERE name IN %(names)s", {"names": names}
	):
		by_customer[customer].append(name)
	return core.pack_customers(
		[(customer, sorted(by_customer[customer])) for customer in sorted(by_customer)], size
	)


def chunk_job_id(chunk: list[str], today: date) -> str:
	"""The same chunk queued twice the same day (a manual run during the scheduled one) runs once."""
	digest = hashlib.sha1("\n".join(chunk).encode()).hexdigest()[:16]
	return f"o2c-collections::{today}::{digest}"


def process_chunk(invoice_names: list[str], as_of: str | date | None = None) -> dict:
	"""Decide for the customers of some invoices (all their open invoices) and apply what is due,
	one customer account at a time; the background job's entry point."""
	today = getdate(as_of or nowdate())
	chunk = load_chunk(account_invoice_names(invoice_names, today), as_of=today)
	settlement.end_paid_work(chunk.invoices)  # terms paid without a payment event (reconciliation)
	plans = {invoice.name: plan for invoice in chunk.invoices if (plan := invoice.plan(today))}
	kit = actions.ActionKit(today, chunk.rules)
	kit.prefetch([(invoice, step) for invoice in chunk.invoices for step in plans.get(invoice.name, ())])

	accounts: dict[tuple[str, str], list[InvoiceState]] = defaultdict(list)
	for invoice in chunk.invoices:
		accounts[(invoice.customer, invoice.company)].append(invoice)
	applied = 0
	for (customer, company), invoices in sorted(accounts.items()):
		applied += apply_account(kit, customer, company, invoices, plans, today, chunk)
	frappe.db.commit()
	return {"invoices": len(chunk.invoices), "actions": applied}


def account_invoice_names(invoice_names: list[str], today: date) -> list[str]:
	"""All the open invoices (paused ones too: the case and the mail speak of them) of the
	customers and companies of `invoice_names`."""
	if not invoice_names:
		return []
	pairs = frappe.db.sql(
		"SELECT DISTINCT customer, company FROM `tabSales Invoice` WHERE name IN %(names)s",
		{"names": list(invoice_names)},
	)
	names: list[str] = []
	for company in sorted({company for _customer, company in pairs}):
		customers = sorted({customer for customer, each in pairs if each == company})
		names += open_invoice_names(today, company, include_paused=True, customers=customers)
	return names


def apply_account(
	kit: actions.ActionKit,
	customer: str,
	company: str,
	invoices: list[InvoiceState],
	plans: dict[str, list[core.PlannedAction]],
	today: date,
	chunk: Chunk | None = None,
) -> int:
	"""Apply one customer's due steps, account-wise, and commit them with their log entries, its
	invoices' statuses and evaluation keys (those finished for the day) and its case, all in one
	transaction that first locks the customer (see `cases.refresh_from`): two runs on one
	customer take turns and never deadlock. Returns the steps applied."""
	try:
		case = cases.refresh_from(customer, company, invoices, today)
		claims = claim_steps(invoices, plans, today, case)
		applied = perform_claims(kit, customer, company, invoices, case, claims, today)
		by_invoice: dict[str, set[str]] = defaultdict(set)
		for invoice, planned, _log in applied:
			by_invoice[invoice.name].add(planned.action)
		if claims:
			from o2c_extension.order_to_cash import kpi_cache

			# what Collection Action's on_change hook does for a document written one by one
			kpi_cache.invalidate(company, "Collection Actions")
		changes: dict[str, list[str]] = defaultdict(list)
		finished = []
		for invoice in invoices:
			status = invoice.status(today, by_invoice.get(invoice.name, set()))
			if status != invoice.collection_status:
				changes[status].append(invoice.name)
			planned_here = len(plans.get(invoice.name, ()))
			if sum(1 for each, _p, _l in applied if each is invoice) == planned_here:
				finished.append(invoice.evaluation_key)
		settlement.write_statuses(changes)
		if applied:
			last = max(
				applied,
				key=lambda item: (item[1].action_on, item[1].day_offset, core.ACTIONS.index(item[1].action)),
			)[1]
			for invoice, planned, _log in applied:
				invoice.actions.append(
					frappe._dict(
						payment_schedule=planned.schedule_row,
						step=planned.step_key,
						action=planned.action,
						status=core.OPEN,
						action_date=today,
					)
				)
			cases.refresh_from(customer, company, invoices, today, last_action=last.action)
		if chunk is not None:
			next_evaluation = min(
				filter(None, (invoice.next_evaluation(today) for invoice in invoices)), default=None
			)
			mark_evaluated(
				Chunk(invoices, chunk.rules, chunk.as_of, chunk.evaluation_version), finished, next_evaluation
			)
		frappe.db.commit()
	except Exception:
		# e.g. a deadlock: nothing of this customer is kept, the next run tries it again
		frappe.db.rollback()
		frappe.log_error(
			title=_("Collections run failed for customer {0}").format(customer),
			reference_doctype="Customer",
			reference_name=customer,
		)
		frappe.db.commit()
		return 0
	return len(applied)


def apply_plan(
	kit: actions.ActionKit, invoice: InvoiceState, plan: list[core.PlannedAction], today: date
) -> int:
	"""Apply one invoice's due steps (its customer's account with this invoice alone)."""
	return apply_account(kit, invoice.customer, invoice.company, [invoice], {invoice.name: plan}, today)


Claim = tuple  # (InvoiceState, core.PlannedAction, name of its Collection Action)

LOG_FIELDS = (
	"name",
	"creation",
	"modified",
	"owner",
	"modified_by",
	"sales_invoice",
	"customer",
	"company",
	"collection_case",
	"rule",
	"step",
	"day_offset",
	"payment_schedule",
	"due_date",
	"action",
	"action_date",
	"status",
)


def claim_steps(
	invoices: list[InvoiceState], plans: dict[str, list[core.PlannedAction]], today: date, case: str | None
) -> list[Claim]:
	"""Claim every due step of the account; a step another run holds is left to it. New steps are
	claimed with one multi-row INSERT that skips the rows the unique index refuses (after waiting
	for a concurrent run's claim of the same step to commit or roll back); the claims are the
	rows that went in. Steps to try again (failed, or a dead run's) are claimed one by one."""
	claims: list[Claim] = []
	fresh: list[Claim] = []
	for invoice in invoices:
		retryable = invoice.retryable(today)
		for planned in plans.get(invoice.name, ()):
			retry_log = retryable.get((planned.schedule_row, planned.step_key))
			if retry_log:
				frappe.db.savepoint(STEP_SAVEPOINT)
				if claim_retry(retry_log, today, case):
					claims.append((invoice, planned, retry_log))
				else:
					rollback_step()
			else:
				fresh.append((invoice, planned, frappe.generate_hash(length=10)))
	if fresh:
		stamp, user = now_datetime(), frappe.session.user
		frappe.db.bulk_insert(
			"Collection Action",
			LOG_FIELDS,
			[
				(name, stamp, stamp, user, user, *log_values(invoice, planned, today, core.PENDING, case))
				for invoice, planned, name in fresh
			],
			ignore_duplicates=True,
		)
		inserted = set(
			frappe.get_all(
				"Collection Action", filters={"name": ("in", [name for *_x, name in fresh])}, pluck="name"
			)
		)
		claims += [claim for claim in fresh if claim[2] in inserted]
	return claims


def perform_claims(
	kit: actions.ActionKit,
	customer: str,
	company: str,
	invoices: list[InvoiceState],
	case: str | None,
	claims: list[Claim],
	today: date,
) -> list[Claim]:
	"""Perform the claimed steps, one action at a time for the whole account; the claims of an
	action that failed are logged Failed (the next run tries them again). Returns those applied."""
	account = actions.Account(customer, invoices[0].customer_name, company, invoices, case)
	groups: dict[tuple, list[Claim]] = defaultdict(list)
	for claim in claims:
		invoice, planned, _log = claim
		action = planned.action
		if action == core.CREDIT_HOLD:
			groups[(action, invoice.name)].append(claim)  # the credit module holds per invoice
		else:
			groups[(action,)].append(claim)
	applied: list[Claim] = []
	for key in sorted(groups, key=lambda key: core.ACTIONS.index(key[0])):
		group = groups[key]
		steps = [(invoice, planned) for invoice, planned, _log in group]
		frappe.db.savepoint(ACTION_SAVEPOINT)
		try:
			results = perform_group(kit, account, key[0], steps)
		except Exception as error:
			rollback_to(ACTION_SAVEPOINT)
			surviving = set(
				frappe.get_all(
					"Collection Action", filters={"name": ("in", [log for *_x, log in group])}, pluck="name"
				)
			)
			for invoice, planned, log in group:
				record_failure(invoice, planned, today, log if log in surviving else None, error, case)
			continue
		by_result: dict[tuple, list[str]] = defaultdict(list)
		for claim in group:
			invoice, _planned, log = claim
			result = results(invoice)
			by_result[
				(result.status, result.reference_doctype, result.reference_name, result.assigned_to)
			].append(log)
			applied.append(claim)
		for (status, reference_doctype, reference_name, assigned_to), logs in by_result.items():
			write_results(logs, status, reference_doctype, reference_name, assigned_to)
	return applied


def write_results(logs: list[str], status, reference_doctype, reference_name, assigned_to) -> None:
	"""The result of one action on the log entries of its claims, one statement."""
	action = frappe.qb.DocType("Collection Action")
	(
		frappe.qb.update(action)
		.set(action.status, status)
		.set(action.reference_doctype, reference_doctype)
		.set(action.reference_name, reference_name)
		.set(action.assigned_to, assigned_to)
		.set(action.error, None)
		.set(action.modified, now_datetime())
		.where(action.name.isin(logs))
	).run()


def perform_group(kit: actions.ActionKit, account: actions.Account, action: str, steps):
	"""Do one action for the account; a function giving each invoice its result."""
	if action == core.EMAIL_REMINDER:
		result = actions.send_account_reminder(kit, account, steps)
	elif action == core.CREATE_TODO:
		result = actions.account_task(kit, account, steps)
	elif action == core.ESCALATE:
		result = actions.account_task(kit, account, steps, escalation=True)
	elif action == core.CREATE_DUNNING:
		by_currency = actions.account_dunnings(kit, account, steps)
		return lambda invoice: by_currency[invoice.currency]
	elif action == core.CREDIT_HOLD:
		result = actions.hold_customer(kit, steps[0][0])
	else:
		frappe.throw(_("Unknown collections action {0}.").format(action))
	return lambda invoice: result


def rollback_to(savepoint: str) -> None:
	try:
		frappe.db.rollback(save_point=savepoint)
	except Exception:
		frappe.db.rollback()


def rollback_step() -> None:
	"""Undo the current step. Code called by an action may have committed (Frappe sends mail at
	once, committing, while tests run), which ends the savepoint: then undo what is left."""
	try:
		frappe.db.rollback(save_point=STEP_SAVEPOINT)
	except Exception:
		frappe.db.rollback()


def claim_retry(retry_log: str, today: date, case: str | None) -> bool:
	"""Claim a step to try again (its log entry set Pending), or False when another run has it."""
	# lock the log entry; a run that got there first has changed it
	current = frappe.db.get_value("Collection Action", retry_log, ["status", "action_date"], for_update=True)
	if not current or not (
		current[0] == core.FAILED or (current[0] == core.PENDING and getdate(current[1]) < today)
	):
		return False
	values = {"status": core.PENDING, "action_date": today}
	if case:
		values["collection_case"] = case
	frappe.db.set_value("Collection Action", retry_log, values)
	return True


def log_values(
	invoice: InvoiceState, planned: core.PlannedAction, today: date, status: str, case: str | None
) -> tuple:
	"""A step's log entry, in the order of LOG_FIELDS after the name and stamps."""
	return (
		invoice.name,
		invoice.customer,
		invoice.company,
		case,
		invoice.rule.key if invoice.rule and planned.rule_step else None,
		planned.step_key or "",
		planned.day_offset,
		planned.schedule_row or core.NO_SCHEDULE_ROW,  # NULL never collides in a unique index
		planned.due_date,
		planned.action,
		today,
		status,
	)


def new_log(invoice: InvoiceState, planned: core.PlannedAction, today: date, status: str):
	return frappe.get_doc(
		{
			"doctype": "Collection Action",
			"sales_invoice": invoice.name,
			"customer": invoice.customer,
			"company": invoice.company,
			"rule": invoice.rule.key if invoice.rule and planned.rule_step else None,
			"step": planned.step_key,
			"day_offset": planned.day_offset,
			"payment_schedule": planned.schedule_row,
			"due_date": planned.due_date,
			"action": planned.action,
			"action_date": today,
			"status": status,
		}
	)


def record_failure(
	invoice: InvoiceState,
	planned: core.PlannedAction,
	today: date,
	existing_log: str | None,
	error: Exception,
	case: str | None = None,
) -> None:
	"""Log the step as Failed (with the reason) so people see it; the next run tries it again."""
	message = strip_html(str(error)).strip() or repr(error)
	if not isinstance(error, frappe.ValidationError):
		frappe.log_error(
			title=_("Collections action {0} failed for {1}").format(planned.action, invoice.name),
			reference_doctype="Sales Invoice",
			reference_name=invoice.name,
		)
	frappe.clear_messages()
	if existing_log:
		frappe.db.set_value(
			"Collection Action",
			existing_log,
			{"status": core.FAILED, "error": message, "action_date": today},
			update_modified=False,
		)
		return
	log = new_log(invoice, planned, today, core.FAILED)
	log.error = message
	log.collection_case = case
	frappe.db.savepoint(STEP_SAVEPOINT)
	try:
		log.insert(ignore_permissions=True)
	except (frappe.UniqueValidationError, frappe.DuplicateEntryError):
		# another run applied the step meanwhile: its log entry is the one to keep
		rollback_step()
		frappe.clear_last_message()
