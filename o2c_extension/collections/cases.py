"""The Collection Case: the collections work on one customer's account in one company.

One case per customer and company while anything of theirs is overdue. `refresh_case` makes it
agree with the books (overdue amount, oldest due date, the next date a step of any of its terms
falls due, its status from open promises and disputes) and closes it, with its ToDos, once
nothing is overdue. The run, payments, promises and disputes all call it; it reads the customer's
open invoices in a fixed number of queries.

A case carries at most one open task (a ToDo on the case): Create ToDo gives it to the
least-loaded holder of the step's role allowed for the company and customer, or adds to the task
already open; Escalate hands it to the least-loaded holder of the escalation role with High
priority. Each case's fields are the app's record: only the app writes them (see
`sealed_fields.app_writes`).
"""

from __future__ import annotations

from datetime import date

import frappe
from frappe import _
from frappe.desk.form import assign_to
from frappe.utils import add_days, flt, getdate, nowdate

from o2c_extension.collections import core
from o2c_extension.collections.context import InvoiceState, load_chunk, open_invoice_names
from o2c_extension.order_to_cash.language import user_languages
from o2c_extension.order_to_cash.sealed_fields import app_writes

CASE = "Collection Case"
ESCALATION_ROLE = "Collections Manager"
STATE_FIELDS = (
	"status",
	"assigned_to",
	"priority",
	"currency",
	"overdue_amount",
	"oldest_due_date",
	"next_action_date",
	"last_action",
	"last_action_on",
	"closed_on",
)


def refresh_case(customer: str, company: str) -> str | None:
	"""Create, update or close the customer's case from the current state; its name, or None
	when nothing is overdue and no case was open."""
	today = getdate(nowdate())
	names = open_invoice_names(today, company, customer, include_paused=True)
	return refresh_from(customer, company, load_chunk(names).invoices, today)


def refresh_cases(pairs) -> None:
	"""`refresh_case` for each (customer, company) pair, e.g. those a payment touched."""
	for customer, company in sorted(set(pairs)):
		refresh_case(customer, company)


def open_cases(company: str, customers: list[str], fields=("name",)) -> dict[str, frappe._dict]:
	"""The open (not Closed) Collection Case of each customer of `company` that has one, with
	`fields` (one query): the one lookup of a customer's open case."""
	if not customers:
		return {}
	return {
		row.customer: row
		for row in frappe.get_all(
			CASE,
			filters={
				"company": company,
				"customer": ("in", list(customers)),
				"status": ("!=", core.CASE_CLOSED),
			},
			fields=sorted({"customer", *fields}),
		)
	}


def open_case(customer: str, company: str) -> str | None:
	case = open_cases(company, [customer]).get(customer)
	return case.name if case else None


def refresh_from(
	customer: str,
	company: str,
	invoices: list[InvoiceState],
	today: date,
	last_action: str | None = None,
) -> str | None:
	"""Bring the case in line with `invoices` (all the customer's open invoices in `company`)."""
	# one case per customer and company: refreshes of one customer wait for each other
	frappe.db.get_value("Customer", customer, "name", for_update=True)
	invoices = [
		invoice for invoice in invoices if invoice.customer == customer and invoice.company == company
	]
	summary = account_summary(invoices, today, promised=has_open_promise(customer, company, invoices, today))
	name = open_case(customer, company) or reopenable_case(customer, company)
	if summary["status"] == core.CASE_CLOSED:
		if name:
			close_case(name, today)
		return name
	with app_writes():
		case = frappe.get_doc(CASE, name) if name else frappe.new_doc(CASE)
		if not name:
			case.update({"customer": customer, "company": company})
		if last_action:
			summary.update(last_action=last_action, last_action_on=today)
		summary["closed_on"] = None
		if name and frappe.db.exists(
			"ToDo", {"reference_type": CASE, "reference_name": name, "status": "Open", "priority": "High"}
		):
			summary["priority"] = "High"  # escalated: its task is High
		changed = name is None or any(
			str(case.get(field) or "") != str(value or "") for field, value in summary.items()
		)
		if changed:
			case.update(summary)
			case.flags.ignore_permissions = True
			case.save() if name else case.insert()
	return case.name


def account_summary(invoices: list[InvoiceState], today: date, promised: bool) -> dict:
	"""The case's figures: overdue (company currency), oldest due date, next action date,
	priority and status."""
	precision = invoices[0].precision if invoices else 2
	overdue = flt(sum(invoice.overdue_company(today) for invoice in invoices), precision)
	oldest = min((row.due_date for invoice in invoices for row in invoice.overdue_rows(today)), default=None)
	disputed_in_full = all(
		invoice.paused or not core.overdue_rows(invoice.chased_rows(), today)
		for invoice in invoices
		if invoice.overdue_rows(today)
	)
	return {
		"status": core.case_status(overdue=overdue, promised=promised, disputed_in_full=disputed_in_full),
		"overdue_amount": overdue,
		"oldest_due_date": oldest,
		"next_action_date": next_action_date(invoices, today),
		"priority": core.case_priority(core.days_overdue(oldest, today)),
		"currency": frappe.get_cached_value("Company", invoices[0].company, "default_currency")
		if invoices
		else None,
	}


def next_action_date(invoices: list[InvoiceState], today: date) -> date | None:
	"""The next date a step of any of the case's terms falls due (today at the earliest): from
	the invoices the run acts on, not paused; for a promise not yet due, the day after it."""
	dates = []
	for invoice in invoices:
		if not invoice.in_run or invoice.paused:
			continue
		if invoice.promise_date and invoice.promise_date >= today:
			dates.append(add_days(invoice.promise_date, 1))
			continue
		upcoming = core.next_step(invoice.chased_rows(), invoice.rule, today, invoice.done(today))
		if upcoming:
			dates.append(upcoming[0])
	return min((getdate(value) for value in dates), default=None)


def has_open_promise(customer: str, company: str, invoices: list[InvoiceState], today: date) -> bool:
	"""An Open Promise to Pay for the customer and company, or an invoice promised for later."""
	if any(invoice.promise_date and invoice.promise_date >= today for invoice in invoices):
		return True
	return bool(
		frappe.db.exists("Promise to Pay", {"customer": customer, "company": company, "status": "Open"})
	)


def reopenable_case(customer: str, company: str) -> str | None:
	"""The customer's latest closed case when work on it was opened again (a cancelled payment
	reopened its task): it resumes rather than a new case starting."""
	action = frappe.qb.DocType("Collection Action")
	case = frappe.qb.DocType(CASE)
	rows = (
		frappe.qb.from_(case)
		.join(action)
		.on(action.collection_case == case.name)
		.select(case.name)
		.where(
			(case.customer == customer)
			& (case.company == company)
			& (case.status == core.CASE_CLOSED)
			& (action.status == core.OPEN)
		)
		.orderby(case.creation, order=frappe.qb.desc)
		.limit(1)
		.run()
	)
	return rows[0][0] if rows else None


def close_case(name: str, today: date) -> None:
	"""Nothing is overdue any more: the case closes, and its open ToDos with it."""
	with app_writes():
		case = frappe.get_doc(CASE, name)
		if case.status != core.CASE_CLOSED:
			case.update(
				{
					"status": core.CASE_CLOSED,
					"closed_on": today,
					"overdue_amount": 0,
					"next_action_date": None,
				}
			)
			case.flags.ignore_permissions = True
			case.save()
		for todo in frappe.get_all(
			"ToDo",
			filters={"reference_type": CASE, "reference_name": name, "status": "Open"},
			fields=["name", "allocated_to"],
		):
			assign_to.set_status(
				CASE,
				name,
				todo=todo.name,
				assign_to=todo.allocated_to,
				status="Closed",
				ignore_permissions=True,
			)
	action = frappe.qb.DocType("Collection Action")
	frappe.qb.update(action).set(action.status, core.CLOSED).where(
		(action.collection_case == name) & (action.status == core.OPEN)
	).run()


def assign_case(
	name: str, description, priority: str, pick, escalation: bool = False, doctype: str = CASE
) -> tuple[str, bool]:
	"""Give the case (or, before a case exists, the `doctype` record) its one open task: `pick()`
	chooses the user when a new task is needed. A task already open takes the new description;
	an escalation hands the task to the user `pick()` chooses (of the escalation role) unless the
	task is theirs already. `description` is the text, or a function of a language that writes it:
	it is then written in the language of the user who holds the task. Returns the ToDo and
	whether it was made now."""
	todos = frappe.get_all(
		"ToDo",
		filters={"reference_type": doctype, "reference_name": name, "status": "Open"},
		fields=["name", "allocated_to", "priority", "description"],
		order_by="creation asc",
	)
	user = None
	if escalation:
		user = pick()
		for todo in todos:
			if todo.allocated_to != user:
				assign_to.set_status(
					doctype,
					name,
					todo=todo.name,
					assign_to=todo.allocated_to,
					status="Cancelled",
					ignore_permissions=True,
				)
		todos = [todo for todo in todos if todo.allocated_to == user]
	if todos:
		todo = frappe.get_doc("ToDo", todos[0].name)
		description = _in_language_of(todo.allocated_to, description)
		if description not in (todo.description or "") or (priority == "High" and todo.priority != "High"):
			if description not in (todo.description or ""):
				todo.description = f"{todo.description or ''}{description}"
			if priority == "High":
				todo.priority = "High"
			todo.save(ignore_permissions=True)
		if doctype == CASE:
			frappe.db.set_value(CASE, name, "assigned_to", todo.allocated_to, update_modified=False)
		return todo.name, False
	user = user or pick()
	description = _in_language_of(user, description)
	assign_to.add(
		{
			"assign_to": [user],
			"doctype": doctype,
			"name": name,
			"description": description,
			"date": nowdate(),
			"priority": priority,
		},
		ignore_permissions=True,
	)
	frappe.clear_last_message()  # "shared with" is for a desk user, not for the run
	todo = frappe.db.get_value(
		"ToDo",
		{"reference_type": doctype, "reference_name": name, "allocated_to": user, "status": "Open"},
		"name",
		order_by="creation desc",
	)
	return todo, True


def _in_language_of(user: str, description) -> str:
	"""The task's text in the language its holder reads (User.language, else the system language)."""
	if not callable(description):
		return description
	return description(user_languages([user]).get(user))


def pick_collector(role: str, company: str, customer: str) -> str:
	"""The least-loaded enabled holder of `role` whose User Permissions allow the company and the
	customer (by open ToDos, ties by name)."""
	from o2c_extension.collections import actions

	holders = actions.role_holders([role]).get(role) or []
	restrictions = actions.user_restrictions(holders)
	allowed = [user for user in holders if core.user_allowed(restrictions.get(user), company, customer)]
	if not allowed:
		frappe.throw(
			_(
				"No enabled user with the role {0} is allowed by their User Permissions to see invoices of company {1} and customer {2}."
			).format(role, company, customer)
		)
	load = actions.open_todo_counts(allowed)
	return min(allowed, key=lambda user: (load.get(user, 0), user))


def escalate(
	customer: str,
	company: str,
	reason: str,
	reference_doctype: str | None = None,
	reference_name: str | None = None,
) -> str | None:
	"""One escalation of the customer's case: assigned with High priority to the least-loaded
	holder of the escalation role allowed for the company, the reason in its timeline. None when
	nothing of the customer's is overdue (no case to escalate)."""
	name = refresh_case(customer, company)
	if not name or frappe.db.get_value(CASE, name, "status") == core.CASE_CLOSED:
		return None
	reason = plain_text(reason or "") or _("Escalated.")
	todo, _created = assign_case(
		name,
		f"<p>{reason}</p>",
		"High",
		lambda: pick_collector(ESCALATION_ROLE, company, customer),
		escalation=True,
	)
	with app_writes():
		case = frappe.get_doc(CASE, name)
		case.update(
			{
				"priority": "High",
				"last_action": core.ESCALATE,
				"last_action_on": getdate(nowdate()),
				"assigned_to": frappe.db.get_value("ToDo", todo, "allocated_to"),
			}
		)
		case.flags.ignore_permissions = True
		case.save()
		comment = _("Escalated: {0}").format(reason)
		if reference_doctype and reference_name:
			comment = _("Escalated ({0} {1}): {2}").format(_(reference_doctype), reference_name, reason)
		case.add_comment("Info", comment)
	return name


def log_note(name: str, kind: str, note: str) -> str:
	"""A call or note on the case, as a Comment in its timeline (the text sanitised)."""
	text = plain_text(note or "")
	if not text:
		frappe.throw(_("Write what was said or done."), title=_("Missing Note"))
	if len(text) > 10_000:
		frappe.throw(
			_("The note is too long: at most {0} characters.").format(10_000), title=_("Note Too Long")
		)
	line = _("Call: {0}").format(text) if kind == "Call" else _("Note: {0}").format(text)
	case = frappe.get_doc(CASE, name)
	comment = case.add_comment("Comment", line)
	with app_writes():
		frappe.db.set_value(
			CASE,
			name,
			{"last_action": "Call" if kind == "Call" else "Note", "last_action_on": getdate(nowdate())},
		)
	return comment.name


def plain_text(value: str) -> str:
	from o2c_extension.collections.promises import plain_text as sanitise

	return sanitise(value) if value and value.strip() else ""
