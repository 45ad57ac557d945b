"""The collections run: finds the customers with open invoices to evaluate, set-based, splits
them into chunks of whole customers (all of a customer's open invoices in one chunk) processed as
background jobs on the "long" queue, decides per invoice and payment-schedule row which steps fell
due (`core`), and performs them once per customer account (`actions`): one e-mail, one task on the
Collection Case, one Dunning per currency. Every step still gets its own Collection Action (its
invoice, term and step, and the case), the unit of "done".

Safe to cut off and re-run. A step is claimed by inserting its Collection Action before it is
applied; a unique index on (invoice, schedule row, step) makes a concurrent run wait for that claim
and then skip the step. A customer's actions, their log entries, its invoices' statuses and its
case are committed together, so a run killed half way leaves every customer either done or
untouched, and the next run (the same day or later) does the rest.

At the end of each chunk the invoices it finished for the day (nothing due, or every due step
applied) get their evaluation key (see `context.py`), set-based; a re-run the same day leaves them
out unless something relevant changed since. An invoice with a step that failed or that another
run held is not marked, so a re-run the same day tries it again.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from datetime import date

import frappe
from frappe import _
from frappe.utils import getdate, nowdate, strip_html

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


def run(company: str | None = None, enqueue: bool = True) -> dict:
	"""Collect for every company (or one): `enqueue=False` processes the chunks in this process.

	`open_invoices` in the result counts the open invoices to evaluate: all of them on the day's
	first run; on a re-run the same day only those something relevant happened to since (a chunk
	then takes in all the open invoices of their customers)."""
	today = getdate(nowdate())
	companies = [company] if company else frappe.get_all("Company", pluck="name", order_by="name")
	settlement.close_settled_work(company)
	version = evaluation_version()
	chunks, open_invoices = [], 0
	for each_company in companies:  # one company at a time: the selection seeks its index
		judge_promises(each_company, today)
		names = open_invoice_names(today, each_company, skip_evaluated=True, rules_version=version)
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
			mark_evaluated(Chunk(invoices, chunk.rules, chunk.as_of, chunk.evaluation_version), finished)
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


Claim = tuple  # (InvoiceState, core.PlannedAction, Collection Action document)


def claim_steps(
	invoices: list[InvoiceState], plans: dict[str, list[core.PlannedAction]], today: date, case: str | None
) -> list[Claim]:
	"""Claim every due step of the account; a step another run holds is left to it."""
	claims = []
	for invoice in invoices:
		retryable = invoice.retryable(today)
		for planned in plans.get(invoice.name, ()):
			frappe.db.savepoint(STEP_SAVEPOINT)
			log = claim_step(invoice, planned, today, retryable.get((planned.schedule_row, planned.step_key)))
			if log is None:
				rollback_step()
				continue
			if case and log.get("collection_case") != case:
				log.collection_case = case
				log.db_update()
			claims.append((invoice, planned, log))
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
			for invoice, planned, log in group:
				surviving = log.name if frappe.db.exists("Collection Action", log.name) else None
				record_failure(invoice, planned, today, surviving, error, case)
			continue
		for claim in group:
			invoice, planned, log = claim
			result = results(invoice)
			log.status = result.status
			log.reference_doctype = result.reference_doctype
			log.reference_name = result.reference_name
			log.assigned_to = result.assigned_to
			log.error = None
			log.db_update()
			applied.append(claim)
	return applied


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


def claim_step(invoice: InvoiceState, planned: core.PlannedAction, today: date, retry_log: str | None):
	"""The step's Collection Action in status Pending, or None when another run has it already."""
	if retry_log:
		# lock the log entry; a run that got there first has changed it
		current = frappe.db.get_value(
			"Collection Action", retry_log, ["status", "action_date"], for_update=True
		)
		if not current or not (
			current[0] == core.FAILED or (current[0] == core.PENDING and getdate(current[1]) < today)
		):
			return None
		log = frappe.get_doc("Collection Action", retry_log)
		log.status = core.PENDING
		log.action_date = today
		log.db_update()
		return log
	try:
		return new_log(invoice, planned, today, core.PENDING).insert(ignore_permissions=True)
	except (frappe.UniqueValidationError, frappe.DuplicateEntryError):
		frappe.clear_last_message()  # "must be unique" is expected here, not news for the user
		return None


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
