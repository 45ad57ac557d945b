"""The collections run: finds the open invoices set-based, splits them into chunks processed as
background jobs on the "long" queue (so they spread across RQ workers), applies each due step
once per invoice and payment-schedule row, and logs a Collection Action for each.

Safe to cut off and re-run. A step is claimed by inserting its Collection Action before it is
applied; a unique index on (invoice, schedule row, step) makes a concurrent run wait for that claim
and then skip the step. Each invoice's actions, their log entries and its new status are committed
together, so a run killed half way leaves every invoice either done or untouched, and the next
run (the same day or later) does the rest.

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

from o2c_extension.collections import actions, core, settlement
from o2c_extension.collections.context import (
	InvoiceState,
	evaluation_version,
	load_chunk,
	mark_evaluated,
	open_invoice_names,
)

CHUNK_SIZE = 500
CHUNK_METHOD = "o2c_extension.collections.runner.process_chunk"
STEP_SAVEPOINT = "o2c_collections_step"


def run(company: str | None = None, enqueue: bool = True) -> dict:
	"""Collect for every company (or one): `enqueue=False` processes the chunks in this process.

	`open_invoices` in the result counts the open invoices to evaluate: all of them on the day's
	first run; on a re-run the same day only those something relevant happened to since."""
	today = getdate(nowdate())
	companies = [company] if company else frappe.get_all("Company", pluck="name", order_by="name")
	settlement.close_settled_work(company)
	version = evaluation_version()
	chunks, open_invoices = [], 0
	for each_company in companies:  # one company at a time: the selection seeks its index
		names = open_invoice_names(today, each_company, skip_evaluated=True, rules_version=version)
		open_invoices += len(names)
		chunks += [names[start : start + CHUNK_SIZE] for start in range(0, len(names), CHUNK_SIZE)]
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


def chunk_job_id(chunk: list[str], today: date) -> str:
	"""The same chunk queued twice the same day (a manual run during the scheduled one) runs once."""
	digest = hashlib.sha1("\n".join(chunk).encode()).hexdigest()[:16]
	return f"o2c-collections::{today}::{digest}"


def process_chunk(invoice_names: list[str], as_of: str | date | None = None) -> dict:
	"""Decide for a chunk of invoices and apply what is due; the background job's entry point."""
	today = getdate(as_of or nowdate())
	chunk = load_chunk(invoice_names, as_of=today)
	settlement.end_paid_work(chunk.invoices)  # terms paid without a payment event (reconciliation)
	plans = {invoice.name: plan for invoice in chunk.invoices if (plan := invoice.plan(today))}
	kit = actions.ActionKit(today, chunk.rules)
	kit.prefetch([(invoice, step) for invoice in chunk.invoices for step in plans.get(invoice.name, ())])

	status_changes: dict[str, list[str]] = defaultdict(list)
	finished: list[str] = []  # evaluation keys of the invoices done for today
	applied = 0
	for invoice in chunk.invoices:
		plan = plans.get(invoice.name)
		if plan:
			done = apply_plan(kit, invoice, plan, today)
			applied += done
			if done == len(plan):
				finished.append(invoice.evaluation_key)
			continue
		status = invoice.status(today)
		if status != invoice.collection_status:
			status_changes[status].append(invoice.name)
		finished.append(invoice.evaluation_key)

	settlement.write_statuses(status_changes)
	mark_evaluated(chunk, finished)
	frappe.db.commit()
	return {"invoices": len(chunk.invoices), "actions": applied}


def apply_plan(
	kit: actions.ActionKit, invoice: InvoiceState, plan: list[core.PlannedAction], today: date
) -> int:
	"""Apply one invoice's due steps and commit them with their log entries and its new status."""
	retryable = invoice.retryable(today)
	applied: set[str] = set()
	count = 0
	try:
		for planned in plan:
			if apply_step(
				kit, invoice, planned, today, retryable.get((planned.schedule_row, planned.step_key))
			):
				applied.add(planned.action)
				count += 1
		status = invoice.status(today, applied)
		if status != invoice.collection_status:
			frappe.db.set_value(
				"Sales Invoice", invoice.name, "collection_status", status, update_modified=False
			)
		frappe.db.commit()
	except Exception:
		# e.g. a deadlock: nothing of this invoice is kept, the next run tries it again
		frappe.db.rollback()
		frappe.log_error(
			title=_("Collections run failed for {0}").format(invoice.name),
			reference_doctype="Sales Invoice",
			reference_name=invoice.name,
		)
		frappe.db.commit()
		return 0
	return count


def apply_step(
	kit: actions.ActionKit,
	invoice: InvoiceState,
	planned: core.PlannedAction,
	today: date,
	retry_log: str | None = None,
) -> bool:
	"""Claim the step, apply it, record what it made. False when another run holds it or it failed."""
	frappe.db.savepoint(STEP_SAVEPOINT)
	log = claim_step(invoice, planned, today, retry_log)
	if log is None:
		rollback_step()
		return False
	try:
		result = actions.perform(kit, invoice, planned)
	except Exception as error:
		rollback_step()
		surviving_claim = retry_log or (log.name if frappe.db.exists("Collection Action", log.name) else None)
		record_failure(invoice, planned, today, surviving_claim, error)
		return False
	log.status = result.status
	log.reference_doctype = result.reference_doctype
	log.reference_name = result.reference_name
	log.assigned_to = result.assigned_to
	log.error = None
	log.db_update()
	return True


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
	frappe.db.savepoint(STEP_SAVEPOINT)
	try:
		log.insert(ignore_permissions=True)
	except (frappe.UniqueValidationError, frappe.DuplicateEntryError):
		# another run applied the step meanwhile: its log entry is the one to keep
		rollback_step()
		frappe.clear_last_message()
