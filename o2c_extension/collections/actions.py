"""What each collections action does in ERPNext: an e-mail through the Email Queue, a ToDo assigned
the desk's way, ERPNext's own Dunning, a credit hold through the credit module, an escalation.

The customer's account is the unit (CONTRACT §3 v2): `perform_account` applies all the steps of
one action that fell due today for one customer at once: one e-mail listing every term whose
reminder fell due, one task on the Collection Case (Create ToDo and Escalate), one ERPNext
Dunning per currency (a Dunning has one currency) covering every term that reached the step.
A credit hold stays per invoice: the credit module releases it when that invoice is paid.
Each raises a translated error when it cannot be done (the run then logs the steps as Failed and
tries again next day).
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
from frappe.utils import escape_html, flt, fmt_money, formatdate

from o2c_extension.collections import core
from o2c_extension.collections.context import InvoiceState, RuleBook
from o2c_extension.order_to_cash.language import customer_languages, in_language, system_language

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
		self._languages: dict[str, str] = {}

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
		self._languages = customer_languages(invoice.customer for invoice, _step in planned)
		roles.discard(None)
		if roles:
			self._holders = role_holders(sorted(roles))
			users = sorted({user for users in self._holders.values() for user in users})
			self._load = open_todo_counts(users)
			self._restrictions = user_restrictions(users)

	def recipients(self, customer: str) -> list[str]:
		return self._recipients.get(customer, [])

	def language(self, customer: str) -> str:
		"""The customer's language (Customer.language), else the system language
		(order_to_cash/language.py, fetched for the whole chunk in `prefetch`)."""
		if customer not in self._languages:
			self._languages.update(customer_languages([customer]))
		return self._languages.get(customer) or system_language()

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
		return min(holders, key=lambda holder: (self._load.get(holder, 0), holder))

	def note_assignment(self, user: str | None) -> None:
		"""The load follows our own assignments (a task added to an open one counts too)."""
		if user:
			self._load[user] = self._load.get(user, 0) + 1

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


def hold_customer(kit: ActionKit, invoice: InvoiceState) -> ActionResult:
	# the credit module owns holds; collections only asks for one
	from o2c_extension.credit_control.holds import block_customer_for_collections

	reason = _("Collections: invoice {0} is {1} days overdue.").format(
		invoice.name, core.days_overdue(invoice.earliest_open_due, kit.today)
	)
	hold = block_customer_for_collections(invoice.customer, invoice.company, invoice.name, reason)
	return ActionResult(core.COMPLETED, "Credit Hold", hold)


# --- per customer account -----------------------------------------------------------------------


@dataclass
class Account:
	"""One customer's open invoices in one company, and its Collection Case (None while nothing is
	overdue, e.g. for reminders before the due date)."""

	customer: str
	customer_name: str
	company: str
	invoices: list
	case: str | None = None


Steps = list  # of (InvoiceState, core.PlannedAction)


def latest(kit: ActionKit, steps: Steps, fieldname: str):
	"""The setting of the latest-reached step among `steps` (the strongest wording, type or role)."""
	_invoice, planned = max(steps, key=lambda pair: (pair[1].day_offset, pair[1].action_on))
	return kit.setting(planned, fieldname)


def send_account_reminder(kit: ActionKit, account: Account, steps: Steps) -> ActionResult:
	"""One e-mail to the customer for every term whose reminder fell due, in its language."""
	from o2c_extension.collections import reminder

	recipients = kit.recipients(account.customer)
	if not recipients:
		frappe.throw(
			_("Customer {0} has no billing contact and no primary contact with an e-mail address.").format(
				account.customer
			)
		)
	language = kit.language(account.customer)
	letter = reminder.build_letter(
		account.customer,
		account.customer_name,
		account.company,
		language,
		account.invoices,
		steps,
		kit.today,
	)
	reminder.add_payment_links(letter)
	template = kit.template(latest(kit, steps, "email_template"))
	first_invoice, first_step = min(steps, key=lambda pair: (pair[1].due_date, pair[0].name))
	doc = frappe.get_doc("Sales Invoice", first_invoice.name)
	# templates written for one invoice still see it as `doc`, with its first due term as `term`
	context = {**doc.as_dict(), "doc": doc, "term": term_context(first_invoice, first_step, doc)}
	subject, message = reminder.render(letter, template, context)
	if account.case:
		reference = ("Collection Case", account.case)
		attachments = [reminder.statement_attachment(account.case, language)]
	else:  # before anything is overdue there is no case (and no statement): the invoices' prints
		reference = ("Customer", account.customer)
		attachments = [invoice_pdf(name) for name in sorted({invoice.name for invoice, _step in steps})]
	communication = frappe.get_doc(
		{
			"doctype": "Communication",
			"communication_type": "Communication",
			"communication_medium": "Email",
			"sent_or_received": "Sent",
			"subject": subject,
			"content": message,
			"recipients": ", ".join(recipients),
			"reference_doctype": reference[0],
			"reference_name": reference[1],
			"language": language,
			"timeline_links": [
				{"link_doctype": "Customer", "link_name": account.customer},
			],
		}
	).insert(ignore_permissions=True)
	queued = frappe.sendmail(
		recipients=recipients,
		subject=subject,
		message=message,
		reference_doctype=reference[0],
		reference_name=reference[1],
		communication=communication.name,
		attachments=attachments,
		delayed=True,
	)
	if not queued:
		frappe.throw(
			_("No e-mail was queued for customer {0}: every recipient has unsubscribed.").format(
				account.customer
			)
		)
	return ActionResult(core.COMPLETED, "Email Queue", queued.name)


def account_task(kit: ActionKit, account: Account, steps: Steps, escalation: bool = False) -> ActionResult:
	"""The one open task of the customer's case: Create ToDo gives it to the least-loaded holder
	of the step's role (or adds to the task already open), Escalate hands it to the least-loaded
	holder of the escalation role with High priority."""
	from o2c_extension.collections import cases

	first_invoice = steps[0][0]
	role = kit.role_for(max(steps, key=lambda pair: pair[1].day_offset)[1])
	total = fmt_money(
		sum(invoice.overdue_company(kit.today) for invoice in account.invoices),
		currency=first_invoice.currencies.company,
	)
	customer_name = escape_html(account.customer_name or account.customer)

	def description(lang: str) -> str:
		# written in the language of the collector who holds the task (cases.assign_case)
		with in_language(lang):
			lines = [task_description(invoice, planned, kit.today) for invoice, planned in steps]
			if escalation:
				header = _("Escalated: the account of {0} has {1} overdue.").format(customer_name, total)
			else:
				header = _("Collect the account of {0}: {1} overdue.").format(customer_name, total)
			return "".join(f"<p>{line}</p>" for line in [header, *lines])

	doctype, name = ("Collection Case", account.case) if account.case else ("Customer", account.customer)
	todo, created = cases.assign_case(
		name,
		description,
		"High" if escalation else "Medium",
		lambda: kit.pick_assignee(role, first_invoice),
		escalation=escalation,
		doctype=doctype,
	)
	user = frappe.db.get_value("ToDo", todo, "allocated_to")
	if created:
		kit.note_assignment(user)
	return ActionResult(core.OPEN, "ToDo", todo, user)


def account_dunnings(kit: ActionKit, account: Account, steps: Steps) -> dict[str, ActionResult]:
	"""One ERPNext Dunning per currency of the customer's invoices (a Dunning has one currency),
	covering every term that reached the Create Dunning step; keyed by currency."""
	by_currency: dict[str, Steps] = {}
	for invoice, planned in steps:
		by_currency.setdefault(invoice.currency, []).append((invoice, planned))
	return {
		currency: create_account_dunning(kit, account, group)
		for currency, group in sorted(by_currency.items())
	}


def create_account_dunning(kit: ActionKit, account: Account, steps: Steps) -> ActionResult:
	"""ERPNext's own Dunning, made by ERPNext's mapper from the first invoice, with a row per term
	(what is unpaid of it in the invoice's currency: ERPNext's own row outstanding misses payments
	made without naming the term), in the customer's language, submitted: ERPNext counts only
	submitted Dunnings for the dunning level and resolves only those when the invoices are paid."""
	from erpnext.accounts.doctype.dunning.dunning import get_dunning_letter_text
	from erpnext.accounts.doctype.sales_invoice.sales_invoice import create_dunning as map_dunning

	steps = sorted(steps, key=lambda pair: (pair[1].due_date, pair[0].name, pair[1].schedule_row))
	dunning_type = kit.dunning_type(latest(kit, steps, "dunning_type"))
	dunning = map_dunning(steps[0][0].name, ignore_permissions=True)
	dunning.posting_date = kit.today
	dunning.dunning_type = dunning_type.name
	dunning.rate_of_interest = dunning_type.rate_of_interest
	dunning.dunning_fee = dunning_type.dunning_fee
	dunning.income_account = dunning_type.income_account
	dunning.cost_center = dunning_type.cost_center
	dunning.language = kit.language(account.customer)
	docs = {name: frappe.get_doc("Sales Invoice", name) for name in dict.fromkeys(i.name for i, _s in steps)}
	dunning.set("overdue_payments", [])
	for invoice, planned in steps:
		term = term_context(invoice, planned, docs[invoice.name])
		dunning.append(
			"overdue_payments",
			{
				"sales_invoice": invoice.name,
				"payment_schedule": planned.schedule_row or None,
				"payment_term": term.payment_term,
				"description": term.description,
				"due_date": planned.due_date,
				"invoice_portion": term.invoice_portion,
				"payment_amount": term.payment_amount,
				"outstanding": term.outstanding,
			},
		)
	# the letter text is a Jinja template: its _() and formatting speak the customer's language
	with in_language(dunning.language):
		letter = get_dunning_letter_text(
			dunning_type=dunning_type.name, doc=dunning.as_dict(), language=dunning.language
		)
	if letter:
		dunning.body_text = letter.get("body_text")
		dunning.closing_text = letter.get("closing_text")
		# the letter may be in the Dunning Type's default language when it has none in the
		# customer's; the Dunning keeps the customer's language (its print and mail follow it)
	dunning.flags.ignore_permissions = True
	dunning.insert()
	dunning.submit()
	return ActionResult(core.OPEN, "Dunning", dunning.name)
