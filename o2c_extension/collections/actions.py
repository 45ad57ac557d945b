"""What each collections action does in ERPNext: an e-mail through the Email Queue, a ToDo assigned
the desk's way, ERPNext's own Dunning, a credit hold through the credit module, an escalation.

`perform` applies one planned step to one invoice and returns what it made; it raises a translated
error when the step cannot be done (the run then logs the step as Failed and tries again next day).
`ActionKit` holds what a chunk's actions share, fetched once per chunk: templates, recipients,
role holders, the companies and customers their User Permissions allow and how many open ToDos
each has. Every action speaks of the payment term whose step fell due: its due date and what is
still unpaid of it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import frappe
from frappe import _
from frappe.desk.form import assign_to
from frappe.utils import escape_html, flt, fmt_money, formatdate

from o2c_extension.collections import core
from o2c_extension.collections.context import InvoiceState, RuleBook

ESCALATION_ROLE = "Collections Manager"
NON_ASSIGNABLE_USERS = ("Administrator", "Guest")


@dataclass
class ActionResult:
	status: str
	reference_doctype: str | None = None
	reference_name: str | None = None
	assigned_to: str | None = None


class ActionKit:
	"""Per-chunk lookups for the actions, each fetched with one query for the whole chunk."""

	def __init__(self, today: date, rules: RuleBook):
		self.today = today
		self.rules = rules
		self._recipients: dict[str, list[str]] = {}
		self._holders: dict[str, list[str]] = {}
		self._restrictions: dict[str, dict[str, frozenset[str]]] = {}
		self._load: dict[str, int] = {}
		self._templates: dict[str, object] = {}
		self._dunning_types: dict[str, object] = {}

	def setting(self, planned: core.PlannedAction, fieldname: str):
		row = self.rules.step_settings.get(planned.step_key)
		return row.get(fieldname) if row else None

	def role_for(self, planned: core.PlannedAction) -> str | None:
		role = self.setting(planned, "assign_to_role")
		if planned.action == core.ESCALATE:
			return role or ESCALATION_ROLE
		return role

	def prefetch(self, planned: list[tuple[InvoiceState, core.PlannedAction]]) -> None:
		customers = {invoice.customer for invoice, step in planned if step.action == core.EMAIL_REMINDER}
		roles = {
			self.role_for(step)
			for _invoice, step in planned
			if step.action in (core.CREATE_TODO, core.ESCALATE)
		}
		if customers:
			self._recipients = billing_emails(sorted(customers))
		roles.discard(None)
		if roles:
			self._holders = role_holders(sorted(roles))
			users = sorted({user for users in self._holders.values() for user in users})
			self._load = open_todo_counts(users)
			self._restrictions = user_restrictions(users)

	def recipients(self, customer: str) -> list[str]:
		return self._recipients.get(customer, [])

	def pick_assignee(self, role: str, invoice: InvoiceState) -> str:
		"""The holder of `role` allowed to see the invoice's company and customer (User Permissions)
		with the fewest open ToDos (ties by name); the count follows our own assignments."""
		holders = self._holders.get(role)
		if not holders:
			frappe.throw(
				_("No enabled user holds the role {0} to assign the collection task to.").format(role)
			)
		holders = [
			holder
			for holder in holders
			if core.user_allowed(self._restrictions.get(holder), invoice.company, invoice.customer)
		]
		if not holders:
			frappe.throw(
				_(
					"No enabled user with the role {0} is allowed by their User Permissions to see invoices of company {1} and customer {2}."
				).format(role, invoice.company, invoice.customer)
			)
		user = min(holders, key=lambda holder: (self._load.get(holder, 0), holder))
		self._load[user] = self._load.get(user, 0) + 1
		return user

	def template(self, name: str):
		if name not in self._templates:
			self._templates[name] = frappe.get_cached_doc("Email Template", name)
		return self._templates[name]

	def dunning_type(self, name: str):
		if name not in self._dunning_types:
			self._dunning_types[name] = frappe.get_cached_doc("Dunning Type", name)
		return self._dunning_types[name]


def billing_emails(customers: list[str]) -> dict[str, list[str]]:
	"""Where a customer's collection mail goes: the e-mail of its billing contacts (ERPNext's
	Contact.is_billing_contact, as the Statement of Accounts uses), else its primary contact's."""
	contacts = frappe.db.sql(
		"""
		SELECT link.link_name AS customer, contact.email_id, contact.is_billing_contact
		FROM `tabContact` contact
		JOIN `tabDynamic Link` link
			ON link.parent = contact.name AND link.parenttype = 'Contact' AND link.link_doctype = 'Customer'
		WHERE link.link_name IN %(customers)s AND IFNULL(contact.email_id, '') != ''
		ORDER BY contact.creation DESC
		""",
		{"customers": customers},
		as_dict=True,
	)
	billing: dict[str, list[str]] = {}
	for contact in contacts:
		if contact.is_billing_contact and contact.email_id not in billing.setdefault(contact.customer, []):
			billing[contact.customer].append(contact.email_id)
	primary = frappe.db.sql(
		"""
		SELECT customer.name, COALESCE(NULLIF(contact.email_id, ''), customer.email_id) AS email_id
		FROM `tabCustomer` customer
		LEFT JOIN `tabContact` contact ON contact.name = customer.customer_primary_contact
		WHERE customer.name IN %(customers)s
		""",
		{"customers": customers},
		as_dict=True,
	)
	for row in primary:
		if not billing.get(row.name) and row.email_id:
			billing[row.name] = [row.email_id]
	return billing


def role_holders(roles: list[str]) -> dict[str, list[str]]:
	holders: dict[str, list[str]] = {}
	for role, user in frappe.db.sql(
		"""
		SELECT DISTINCT has_role.role, user.name
		FROM `tabHas Role` has_role
		JOIN `tabUser` user ON user.name = has_role.parent
		WHERE has_role.parenttype = 'User' AND has_role.role IN %(roles)s
			AND user.enabled = 1 AND user.user_type = 'System User' AND user.name NOT IN %(excluded)s
		ORDER BY user.name
		""",
		{"roles": roles, "excluded": NON_ASSIGNABLE_USERS},
	):
		holders.setdefault(role, []).append(user)
	return holders


def user_restrictions(users: list[str]) -> dict[str, dict[str, frozenset[str]]]:
	"""Per user, the companies and customers their User Permissions allow for Sales Invoices (only
	the DocTypes a user is restricted on), in one query for all users."""
	permission = frappe.qb.DocType("User Permission")
	rows = (
		(
			frappe.qb.from_(permission)
			.select(permission.user, permission.allow, permission.for_value)
			.where(
				permission.user.isin(users)
				& permission.allow.isin(list(core.ASSIGNMENT_RESTRICTIONS))
				& ((permission.apply_to_all_doctypes == 1) | (permission.applicable_for == "Sales Invoice"))
			)
			.run(as_dict=True)
		)
		if users
		else []
	)
	allowed: dict[str, dict[str, set[str]]] = {}
	for row in rows:
		allowed.setdefault(row.user, {}).setdefault(row.allow, set()).add(row.for_value)
	return {
		user: {doctype: frozenset(values) for doctype, values in by_doctype.items()}
		for user, by_doctype in allowed.items()
	}


def open_todo_counts(users: list[str]) -> dict[str, int]:
	if not users:
		return {}
	return dict(
		frappe.db.sql(
			"""
			SELECT allocated_to, COUNT(*) FROM `tabToDo`
			WHERE status = 'Open' AND allocated_to IN %(users)s
			GROUP BY allocated_to
			""",
			{"users": users},
		)
	)


def perform(kit: ActionKit, invoice: InvoiceState, planned: core.PlannedAction) -> ActionResult:
	if planned.action == core.EMAIL_REMINDER:
		return send_reminder(kit, invoice, planned)
	if planned.action == core.CREATE_TODO:
		return assign_task(kit, invoice, planned, priority="Medium")
	if planned.action == core.CREATE_DUNNING:
		return create_dunning(kit, invoice, planned)
	if planned.action == core.CREDIT_HOLD:
		return hold_customer(kit, invoice)
	if planned.action == core.ESCALATE:
		return assign_task(kit, invoice, planned, priority="High")
	frappe.throw(_("Unknown collections action {0}.").format(planned.action))


def send_reminder(kit: ActionKit, invoice: InvoiceState, planned: core.PlannedAction) -> ActionResult:
	recipients = kit.recipients(invoice.customer)
	if not recipients:
		frappe.throw(
			_("Customer {0} has no billing contact and no primary contact with an e-mail address.").format(
				invoice.customer
			)
		)
	template = kit.template(kit.setting(planned, "email_template"))
	doc = frappe.get_doc("Sales Invoice", invoice.name)
	# Email Templates in ERPNext see the document's fields; ours also see it as `doc`, and the
	# payment term the reminder is for as `term` (its due date and what is unpaid of it)
	context = {**doc.as_dict(), "doc": doc, "term": term_context(invoice, planned, doc)}
	body = template.response_html if template.use_html else template.response
	queued = frappe.sendmail(
		recipients=recipients,
		subject=frappe.render_template(template.subject, context),
		message=frappe.render_template(body, context),
		reference_doctype="Sales Invoice",
		reference_name=invoice.name,
		attachments=[invoice_pdf(invoice.name)],
		delayed=True,
	)
	if not queued:
		frappe.throw(
			_("No e-mail was queued for {0}: every recipient has unsubscribed.").format(invoice.name)
		)
	return ActionResult(core.COMPLETED, "Email Queue", queued.name)


def term_context(invoice: InvoiceState, planned: core.PlannedAction, doc=None) -> frappe._dict:
	"""The payment term a step is for, as templates see it: `due_date`, `outstanding` (invoice
	currency), `base_outstanding` (company currency), `payment_term`, `description`,
	`payment_amount`. A step for no particular term (a broken promise) speaks of the invoice."""
	amounts = invoice.term_outstanding(planned.schedule_row)
	if amounts is None:
		amounts = (
			flt(
				invoice.currencies.to_invoice(sum(row.outstanding for row in invoice.rows)), invoice.precision
			),
			invoice.outstanding,
		)
	row = None
	if doc is not None and planned.schedule_row:
		row = next(
			(row for row in doc.get("payment_schedule") or [] if row.name == planned.schedule_row), None
		)
	return frappe._dict(
		name=planned.schedule_row,
		due_date=planned.due_date,
		outstanding=amounts[0],
		base_outstanding=amounts[1],
		currency=invoice.currency,
		payment_term=row.payment_term if row else None,
		description=row.description if row else None,
		payment_amount=row.payment_amount if row else amounts[0],
		invoice_portion=row.invoice_portion if row else 100,
	)


def invoice_pdf(invoice_name: str) -> dict:
	"""The invoice's print as a PDF attachment. The Email Queue renders it with `frappe.attach_print`
	when it sends the mail, as Frappe does for its own mails with a print, so a run queueing
	thousands of reminders does not render (and store) thousands of PDFs inside its transaction."""
	return {
		"print_format_attachment": 1,
		"doctype": "Sales Invoice",
		"name": invoice_name,
		"print_format": frappe.get_meta("Sales Invoice").default_print_format or "Standard",
		"file_name": invoice_name,
	}


def assign_task(kit: ActionKit, invoice: InvoiceState, planned: core.PlannedAction, priority: str):
	role = kit.role_for(planned)
	user = kit.pick_assignee(role, invoice)
	description = task_description(invoice, planned, kit.today)
	mine = {
		"reference_type": "Sales Invoice",
		"reference_name": invoice.name,
		"allocated_to": user,
		"status": "Open",
	}
	# the desk keeps one open ToDo per user and document: a later term's task joins it
	existing = frappe.db.get_value("ToDo", mine, ["name", "description"], as_dict=True)
	if existing:
		todo = frappe.get_doc("ToDo", existing.name)
		changed = description not in (todo.description or "") or (
			priority == "High" and todo.priority != priority
		)
		if changed:
			if description not in (todo.description or ""):
				todo.description = f"{todo.description or ''}<p>{description}</p>"
			if priority == "High":
				todo.priority = priority  # an escalation raises the task it joins
			todo.save(ignore_permissions=True)
		return ActionResult(core.OPEN, "ToDo", existing.name, user)
	assign_to.add(
		{
			"assign_to": [user],
			"doctype": "Sales Invoice",
			"name": invoice.name,
			"description": description,
			"date": kit.today,
			"priority": priority,
		},
		ignore_permissions=True,
	)
	# assign_to.add does not return the ToDo: the open one of this user on the invoice is ours
	todo = frappe.db.get_value("ToDo", mine, "name", order_by="creation desc")
	return ActionResult(core.OPEN, "ToDo", todo, user)


def task_description(invoice: InvoiceState, planned: core.PlannedAction, today: date) -> str:
	"""What the task is about: the payment term that fell due, its due date and what is unpaid of
	it (in the invoice's currency, and in company currency when that differs)."""
	term = term_context(invoice, planned)
	amount = fmt_money(term.outstanding, currency=invoice.currency)
	if invoice.currency != invoice.currencies.company:
		amount = f"{amount} ({fmt_money(term.base_outstanding, currency=invoice.currencies.company)})"
	overdue_days = core.days_overdue(planned.due_date, today)
	customer_name = escape_html(invoice.customer_name or invoice.customer)
	if not planned.rule_step:
		return _("Promise to pay by {0} broken: invoice {1} of {2}, {3} outstanding.").format(
			formatdate(planned.due_date), invoice.name, customer_name, amount
		)
	if planned.action == core.ESCALATE:
		return _(
			"Escalated: invoice {0} of {1}, the payment due {2} has {3} outstanding ({4} days overdue)."
		).format(invoice.name, customer_name, formatdate(planned.due_date), amount, overdue_days)
	return _(
		"Collect invoice {0} of {1}: the payment due {2} has {3} outstanding ({4} days overdue)."
	).format(invoice.name, customer_name, formatdate(planned.due_date), amount, overdue_days)


def create_dunning(kit: ActionKit, invoice: InvoiceState, planned: core.PlannedAction) -> ActionResult:
	"""ERPNext's own Dunning for the overdue row, made by ERPNext's mapper, with the step's Dunning Type.

	It is submitted: ERPNext counts only submitted Dunnings for the dunning level (and Credit
	Control's max dunning level reads that), and resolves only those when the invoice is paid.
	"""
	from erpnext.accounts.doctype.dunning.dunning import get_dunning_letter_text
	from erpnext.accounts.doctype.sales_invoice.sales_invoice import create_dunning as map_dunning

	dunning_type = kit.dunning_type(kit.setting(planned, "dunning_type"))
	dunning = map_dunning(invoice.name, ignore_permissions=True)
	dunning.posting_date = kit.today
	dunning.dunning_type = dunning_type.name
	dunning.rate_of_interest = dunning_type.rate_of_interest
	dunning.dunning_fee = dunning_type.dunning_fee
	dunning.income_account = dunning_type.income_account
	dunning.cost_center = dunning_type.cost_center

	# this step is for one payment term: the Dunning speaks of it alone, with what is unpaid of
	# it in the invoice's currency (ERPNext's own row outstanding misses payments made without
	# naming the term)
	term = term_context(invoice, planned, frappe.get_doc("Sales Invoice", invoice.name))
	row = next(
		(row for row in dunning.overdue_payments if (row.payment_schedule or "") == planned.schedule_row),
		None,
	)
	fields = {
		"sales_invoice": invoice.name,
		"payment_schedule": planned.schedule_row or None,
		"payment_term": term.payment_term,
		"description": term.description,
		"due_date": planned.due_date,
		"invoice_portion": term.invoice_portion,
		"payment_amount": term.payment_amount,
		"outstanding": term.outstanding,
	}
	dunning.set("overdue_payments", [])
	if row is not None:
		row.update(fields)
		dunning.append("overdue_payments", row)
	else:
		dunning.append("overdue_payments", fields)
	for idx, row in enumerate(dunning.overdue_payments, start=1):
		row.idx = idx

	letter = get_dunning_letter_text(
		dunning_type=dunning_type.name, doc=dunning.as_dict(), language=dunning.language
	)
	if letter:
		dunning.body_text = letter.get("body_text")
		dunning.closing_text = letter.get("closing_text")
		dunning.language = letter.get("language")

	dunning.flags.ignore_permissions = True
	dunning.insert()
	dunning.submit()
	return ActionResult(core.OPEN, "Dunning", dunning.name)


def hold_customer(kit: ActionKit, invoice: InvoiceState) -> ActionResult:
	# the credit module owns holds; collections only asks for one
	from o2c_extension.credit_control.holds import block_customer_for_collections

	reason = _("Collections: invoice {0} is {1} days overdue.").format(
		invoice.name, core.days_overdue(invoice.earliest_open_due, kit.today)
	)
	hold = block_customer_for_collections(invoice.customer, invoice.company, invoice.name, reason)
	return ActionResult(core.COMPLETED, "Credit Hold", hold)
