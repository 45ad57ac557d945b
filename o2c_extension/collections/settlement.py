"""Keeps collections in step with payments: a payment, credit note or journal entry that pays a
payment term in full closes the collection work waiting on that term (all of it, and the invoice
set Paid, when the invoice is cleared); a cancelled payment opens it again; a cancelled invoice
cancels its collection work. Payments are allocated to terms as ERPNext's Accounts Receivable
report does (see `core.open_rows`). Reads are set-based over the invoices a
payment touches; each ToDo is closed through the desk's own assignment code so the form's
assignment list follows.
"""

from __future__ import annotations

import frappe
from frappe.desk.form import assign_to
from frappe.utils import flt, getdate, nowdate

from o2c_extension.collections import core
from o2c_extension.collections.context import InvoiceState, load_chunk
from o2c_extension.order_to_cash import kpi_cache

# statuses the collections run maintains (invoices never touched keep an empty status)
TRACKED_STATUSES = (
	core.NOT_DUE,
	core.REMINDED,
	core.OVERDUE,
	core.IN_DUNNING,
	core.ESCALATED,
	core.PROMISE_TO_PAY,
	core.DISPUTED,
)


def invoices_settled_by(doc) -> list[str]:
	"""Sales Invoices a Payment Entry or Journal Entry pays (or, on cancel, stops paying)."""
	if doc.doctype == "Payment Entry":
		names = [row.reference_name for row in doc.references if row.reference_doctype == "Sales Invoice"]
	elif doc.doctype == "Journal Entry":
		names = [row.reference_name for row in doc.accounts if row.reference_type == "Sales Invoice"]
	else:
		names = []
	return list(dict.fromkeys(name for name in names if name))


def initial_status(doc) -> str:
	"""Status of a newly submitted invoice: Not Due, Overdue (back-dated) or Paid (paid on submit)."""
	due_dates = [getdate(row.due_date) for row in doc.get("payment_schedule") or [] if row.due_date]
	return core.collection_status(
		outstanding=flt(doc.outstanding_amount),
		disputed=False,
		promise_date=None,
		today=getdate(nowdate()),
		earliest_open_due=min(due_dates, default=getdate(doc.due_date) if doc.due_date else None),
		actions_applied=(),
	)


def sync_payment_state(invoice_names: list[str]) -> None:
	"""After a payment, credit note or journal entry was submitted or cancelled: close the work
	waiting on payment terms now paid in full, open again what waits on terms unpaid again, and
	set the invoices' collection status."""
	if not invoice_names:
		return
	invoices = load_chunk(invoice_names, open_only=False).invoices
	end_paid_work(invoices)
	today = getdate(nowdate())
	changes: dict[str, list[str]] = {}
	for invoice in invoices:
		status = invoice.status(today)
		if status != invoice.collection_status:
			changes.setdefault(status, []).append(invoice.name)
	write_statuses(changes)
	refresh_cases_of(invoices)


def refresh_cases_of(invoices) -> None:
	"""The customers' Collection Cases follow: one closes (with its ToDo) once nothing is overdue."""
	from o2c_extension.collections import cases

	cases.refresh_cases((invoice.customer, invoice.company) for invoice in invoices)


def end_paid_work(invoices: list[InvoiceState]) -> None:
	"""A payment term paid in full closes what waits on it (its ToDos, its Dunning's log entry),
	even while later terms of the invoice are open; work on no particular term closes when the
	whole invoice is paid. A term unpaid again (a payment cancelled) has its work opened again."""
	to_close, to_reopen = [], []
	for invoice in invoices:
		for action in invoice.actions:
			if action.status == core.OPEN and invoice.settles(action):
				to_close.append(action)
			elif action.status == core.CLOSED and not invoice.settles(action):
				to_reopen.append(action)
	closing = {action.name for action in to_close}
	# one ToDo per user and invoice: it may wait on a later term too, then it stays open
	still_waiting = {
		action.reference_name
		for invoice in invoices
		for action in invoice.actions
		if action.status == core.OPEN and action.name not in closing and action.reference_doctype == "ToDo"
	}
	end_actions(to_close, core.CLOSED, "Closed", keep_todos=still_waiting)
	reopen_actions(to_reopen)
	for action in to_close:
		action.status = core.CLOSED
	for action in to_reopen:
		action.status = core.OPEN


def cancel_work(invoice_names: list[str]) -> None:
	"""The invoice was cancelled: its open collection work is cancelled with it (its customer's
	case follows: it closes, with its task, when nothing else is overdue)."""
	actions = frappe.get_all(
		"Collection Action",
		filters={"sales_invoice": ("in", invoice_names), "status": core.OPEN},
		fields=["name", "sales_invoice", "reference_doctype", "reference_name", "assigned_to"],
	)
	end_actions(actions, core.CANCELLED, "Cancelled")
	from o2c_extension.collections import cases

	cases.refresh_cases(
		frappe.db.sql(
			"SELECT DISTINCT customer, company FROM `tabSales Invoice` WHERE name IN %(names)s",
			{"names": invoice_names},
		)
	)


def end_actions(actions: list, action_status: str, todo_status: str, keep_todos=frozenset()) -> None:
	if not actions:
		return
	todo_names = [
		action.reference_name
		for action in actions
		if action.reference_doctype == "ToDo" and action.reference_name not in keep_todos
	]
	# a task on the invoice (made before collections worked per account) ends with its term; the
	# task on a Collection Case is the account's and closes with the case (cases.close_case)
	open_todos = dict(
		frappe.get_all(
			"ToDo",
			filters={
				"name": ("in", todo_names),
				"status": "Open",
				"reference_type": ("!=", "Collection Case"),
			},
			fields=["name", "reference_type"],
			as_list=True,
		)
		if todo_names
		else []
	)
	for action in actions:
		if action.reference_doctype == "ToDo" and action.reference_name in open_todos:
			open_todos.pop(action.reference_name)
			assign_to.set_status(
				"Sales Invoice",
				action.sales_invoice,
				todo=action.reference_name,
				assign_to=action.assigned_to,
				status=todo_status,
				ignore_permissions=True,
			)
	set_action_status([action.name for action in actions], action_status)


def reopen_actions(actions: list) -> None:
	"""A payment was cancelled: the tasks it closed are open again, until their term is paid."""
	if not actions:
		return
	todo_names = [action.reference_name for action in actions if action.reference_doctype == "ToDo"]
	for todo_name in (
		frappe.get_all("ToDo", filters={"name": ("in", todo_names), "status": "Closed"}, pluck="name")
		if todo_names
		else []
	):
		todo = frappe.get_doc("ToDo", todo_name)
		todo.status = "Open"
		todo.save(ignore_permissions=True)
	set_action_status([action.name for action in actions], core.OPEN)


def set_action_status(action_names: list[str], status: str) -> None:
	if not action_names:
		return
	action = frappe.qb.DocType("Collection Action")
	frappe.qb.update(action).set(action.status, status).where(action.name.isin(action_names)).run()


def write_statuses(changes: dict[str, list[str]]) -> None:
	"""Set collection_status in one statement per status (not the invoices' modified: no edit conflict)."""
	invoice = frappe.qb.DocType("Sales Invoice")
	for status, names in changes.items():
		if names:
			frappe.qb.update(invoice).set(invoice.collection_status, status).where(
				invoice.name.isin(names)
			).run()
	if any(changes.values()):
		kpi_cache.statuses_changed()  # the workspace's Invoices by Collection Status chart


def refresh_statuses(invoice_names: list[str]) -> dict[str, str]:
	"""Recompute the collection status of some invoices from what is logged for them."""
	today = getdate(nowdate())
	chunk = load_chunk(invoice_names, open_only=False)
	changes: dict[str, list[str]] = {}
	statuses = {}
	for invoice in chunk.invoices:
		statuses[invoice.name] = status = invoice.status(today)
		if status != invoice.collection_status:
			changes.setdefault(status, []).append(invoice.name)
	write_statuses(changes)
	return statuses


def close_settled_work(company: str | None = None) -> None:
	"""Sweep for the run: invoices settled without a payment event (e.g. Payment Reconciliation)."""
	conditions = "AND si.company = %(company)s" if company else ""
	settled = frappe.db.sql_list(
		f"""
		SELECT DISTINCT action.sales_invoice
		FROM `tabCollection Action` action
		JOIN `tabSales Invoice` si ON si.name = action.sales_invoice
		WHERE action.status = %(open)s AND si.docstatus = 1 AND si.outstanding_amount <= 0 {conditions}
		""",
		{"open": core.OPEN, "company": company},
	)
	cancelled = frappe.db.sql_list(
		f"""
		SELECT DISTINCT action.sales_invoice
		FROM `tabCollection Action` action
		JOIN `tabSales Invoice` si ON si.name = action.sales_invoice
		WHERE action.status = %(open)s AND si.docstatus = 2 {conditions}
		""",
		{"open": core.OPEN, "company": company},
	)
	if settled:
		sync_payment_state(settled)
	if cancelled:
		cancel_work(cancelled)
	close_cases_without_open_invoices(company)
	frappe.db.sql(
		f"""
		UPDATE `tabSales Invoice` si SET si.collection_status = %(paid)s
		WHERE si.collection_status IN %(tracked)s AND si.docstatus = 1 AND si.outstanding_amount <= 0
			{conditions}
		""",
		{"paid": core.PAID, "tracked": TRACKED_STATUSES, "company": company},
	)


def close_cases_without_open_invoices(company: str | None = None) -> None:
	"""Sweep for the run: open cases of customers left with no open invoice at all (the run's
	chunks refresh every other case)."""
	from o2c_extension.collections import cases

	conditions = "AND case_.company = %(company)s" if company else ""
	for name in frappe.db.sql_list(
		f"""
		SELECT case_.name FROM `tabCollection Case` case_
		WHERE case_.status != 'Closed' {conditions}
			AND NOT EXISTS (
				SELECT 1 FROM `tabSales Invoice` si
				WHERE si.customer = case_.customer AND si.company = case_.company
					AND si.docstatus = 1 AND si.is_return = 0 AND si.outstanding_amount > 0
			)
		""",
		{"company": company},
	):
		cases.close_case(name, getdate(nowdate()))
