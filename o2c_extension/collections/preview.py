"""What the next collections run of a company would do, per customer, writing nothing.

It reads what the run reads (every open invoice of the company, its terms, rule and logged
steps) and decides with the same functions (`InvoiceState.plan`, the per-account grouping of
`runner.perform_claims`), so the preview equals the run as long as nothing changes in between.
Two things it cannot foresee without writing: promises the run judges first (a promise whose day
passed is judged by the run, and may then escalate), and payment links (a Payment Request is made
only when the mail is sent).
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date

import frappe
from frappe.utils import flt, getdate, nowdate

from o2c_extension.collections import actions, cases, core, reminder
from o2c_extension.collections.context import load_chunk, open_invoice_names

LOAD_CHUNK = 500


def preview_run(company: str, today: date | None = None) -> dict:
	today = getdate(today or nowdate())
	names = open_invoice_names(today, company, include_paused=True)
	customers: list[dict] = []
	for start in range(0, len(names), LOAD_CHUNK):
		chunk = load_chunk(names[start : start + LOAD_CHUNK])
		plans = {invoice.name: plan for invoice in chunk.invoices if (plan := invoice.plan(today))}
		kit = actions.ActionKit(today, chunk.rules)
		kit.prefetch([(invoice, step) for invoice in chunk.invoices for step in plans.get(invoice.name, ())])
		accounts = defaultdict(list)
		for invoice in chunk.invoices:
			accounts[invoice.customer].append(invoice)
		for customer in sorted(accounts):
			invoices = accounts[customer]
			steps = [(invoice, planned) for invoice in invoices for planned in plans.get(invoice.name, ())]
			if steps:
				customers.append(preview_account(kit, company, invoices, steps, today))
	return {
		"company": company,
		"date": str(today),
		"customers": customers,
		"emails": sum(1 for row in customers if row["email"]),
		"tasks": sum(1 for row in customers if row["task"]),
		"dunnings": sum(len(row["dunnings"]) for row in customers),
	}


def preview_account(kit, company: str, invoices, steps, today: date) -> dict:
	customer = invoices[0].customer
	case = cases.open_case(customer, company)
	by_action = defaultdict(list)
	for invoice, planned in steps:
		by_action[planned.action].append((invoice, planned))
	row = {
		"customer": customer,
		"customer_name": invoices[0].customer_name,
		"collection_case": case,
		"steps": [step_row(invoice, planned) for invoice, planned in steps],
		"email": None,
		"task": None,
		"dunnings": [],
		"credit_holds": sorted({invoice.name for invoice, _p in by_action.get(core.CREDIT_HOLD, [])}),
	}
	if core.EMAIL_REMINDER in by_action:
		letter = reminder.build_letter(
			customer,
			invoices[0].customer_name,
			company,
			kit.language(customer),
			invoices,
			by_action[core.EMAIL_REMINDER],
			today,
		)
		row["email"] = {
			"recipients": kit.recipients(customer),
			"language": letter.language,
			"email_template": actions.latest(kit, by_action[core.EMAIL_REMINDER], "email_template"),
			"due": [line_row(line) for line in letter.due],
			"overdue": [line_row(line) for line in letter.overdue],
		}
	task_action = core.ESCALATE if core.ESCALATE in by_action else core.CREATE_TODO
	if task_action in by_action:
		row["task"] = {
			"action": task_action,
			"assign_to": assignee(kit, case, by_action[task_action], task_action),
		}
	for currency in sorted({invoice.currency for invoice, _p in by_action.get(core.CREATE_DUNNING, [])}):
		group = [(i, p) for i, p in by_action[core.CREATE_DUNNING] if i.currency == currency]
		row["dunnings"].append(
			{
				"currency": currency,
				"dunning_type": actions.latest(kit, group, "dunning_type"),
				"terms": [step_row(invoice, planned) for invoice, planned in group],
			}
		)
	return row


def assignee(kit, case: str | None, steps, action: str) -> str | None:
	"""Who the run would give the task to: the holder of the case's open task, else (and for an
	escalation to someone else) the least-loaded allowed holder of the role."""
	role = kit.role_for(max(steps, key=lambda pair: pair[1].day_offset)[1])
	holder = None
	if case:
		holder = frappe.db.get_value(
			"ToDo",
			{"reference_type": "Collection Case", "reference_name": case, "status": "Open"},
			"allocated_to",
		)
	try:
		picked = kit.pick_assignee(role, steps[0][0])
	except frappe.ValidationError as error:
		frappe.clear_last_message()
		return f"! {error}"
	if holder and (action != core.ESCALATE or holder == picked):
		return holder
	kit.note_assignment(picked)
	return picked


def step_row(invoice, planned: core.PlannedAction) -> dict:
	amounts = invoice.term_outstanding(planned.schedule_row)
	return {
		"sales_invoice": invoice.name,
		"payment_schedule": planned.schedule_row,
		"due_date": str(planned.due_date),
		"action": planned.action,
		"day_offset": planned.day_offset,
		"currency": invoice.currency,
		"outstanding": amounts[0]
		if amounts
		else flt(
			invoice.currencies.to_invoice(sum(row.outstanding for row in invoice.rows)), invoice.precision
		),
	}


def line_row(line: reminder.Line) -> dict:
	return {
		"sales_invoice": line.sales_invoice,
		"due_date": str(line.due_date),
		"currency": line.currency,
		"outstanding": line.outstanding,
	}
