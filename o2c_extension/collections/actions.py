"""What each collections action does in ERPNext: an e-mail through the Email Queue, a ToDo assigned
the desk's way, ERPNext's own Dunning, a credit hold through the credit module, an escalation.

`perform` applies one planned step to one invoice and returns what it made; it raises a translated
error when the step cannot be done (the run then logs the step as Failed and tries again next day).
`ActionKit` holds what a chunk's actions share, fetched once per chunk: templates, recipients,
role holders and how many open ToDos each has.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import frappe
from frappe import _
from frappe.desk.form import assign_to
from frappe.utils import fmt_money, formatdate

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
			self._load = open_todo_counts(
				sorted({user for users in self._holders.values() for user in users})
			)

	def recipients(self, customer: str) -> list[str]:
		return self._recipients.get(customer, [])

	def pick_assignee(self, role: str) -> str:
		"""The holder of `role` with the fewest open ToDos (ties by name); the count follows our own assignments."""
		holders = self._holders.get(role)
		if not holders:
			frappe.throw(
				_("No enabled user holds the role {0} to assign the collection task to.").format(role)
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
	# Email Templates in ERPNext see the document's fields; ours also see it as `doc`
	context = {**doc.as_dict(), "doc": doc}
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
	user = kit.pick_assignee(role)
	assign_to.add(
		{
			"assign_to": [user],
			"doctype": "Sales Invoice",
			"name": invoice.name,
			"description": task_description(invoice, planned, kit.today),
			"date": kit.today,
			"priority": priority,
		},
		ignore_permissions=True,
	)
	# assign_to.add does not return the ToDo; an open one of this user on the invoice is ours
	# (it keeps an existing open ToDo rather than adding a second one for the same user)
	todo = frappe.db.get_value(
		"ToDo",
		{
			"reference_type": "Sales Invoice",
			"reference_name": invoice.name,
			"allocated_to": user,
			"status": "Open",
		},
		"name",
		order_by="creation desc",
	)
	return ActionResult(core.OPEN, "ToDo", todo, user)


def task_description(invoice: InvoiceState, planned: core.PlannedAction, today: date) -> str:
	amount = fmt_money(
		invoice.outstanding, currency=frappe.get_cached_value("Company", invoice.company, "default_currency")
	)
	overdue_days = core.days_overdue(planned.due_date, today)
	if not planned.rule_step:
		return _("Promise to pay by {0} broken: invoice {1} of {2}, {3} outstanding.").format(
			formatdate(planned.due_date), invoice.name, invoice.customer_name, amount
		)
	if planned.action == core.ESCALATE:
		return _("Escalated: invoice {0} of {1}, {2} outstanding, due {3} ({4} days overdue).").format(
			invoice.name, invoice.customer_name, amount, formatdate(planned.due_date), overdue_days
		)
	return _("Collect invoice {0} of {1}: {2} outstanding, due {3} ({4} days overdue).").format(
		invoice.name, invoice.customer_name, amount, formatdate(planned.due_date), overdue_days
	)


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

	# this step is for one payment-schedule row
	rows = [row for row in dunning.overdue_payments if (row.payment_schedule or "") == planned.schedule_row]
	if not rows:
		rows = [
			dunning.append(
				"overdue_payments",
				{
					"sales_invoice": invoice.name,
					"payment_schedule": planned.schedule_row or None,
					"due_date": planned.due_date,
					"invoice_portion": 100,
					"payment_amount": invoice.outstanding,
					"outstanding": invoice.outstanding,
				},
			)
		]
	dunning.set("overdue_payments", rows)
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
