"""Test data for the collections tests: collection users, a dunning type, customers with billing
contacts, rules scoped to one customer (so a run never acts on other tests' invoices) and quick
access to what a run logged."""

import frappe
from frappe.utils import add_days, flt, getdate, nowdate, nowtime

from o2c_extension.collections import core, setup
from tests.integration import factories, mail_sink

AGENTS = ("_o2c-coll-agent-1@example.com", "_o2c-coll-agent-2@example.com")
MANAGER = "_o2c-coll-manager@example.com"
DUNNING_TYPE = "_O2C Reminder Dunning"
BASE_DATE = getdate("2031-03-03")  # a Monday, far from the real calendar


OUTGOING_ACCOUNT = "_O2C Collections Outgoing"


def collection_users() -> None:
	for agent in AGENTS:
		factories.user(agent, ["Collections Agent"])
	factories.user(MANAGER, ["Collections Manager", "Accounts User"])


def outgoing_email_account() -> str:
	"""The default outgoing account, sending to the suite's local SMTP server (mail_sink.py)."""
	server = {"smtp_server": mail_sink.HOST, "smtp_port": str(mail_sink.sink().port)}
	if not frappe.db.exists("Email Account", OUTGOING_ACCOUNT):
		frappe.get_doc(
			{
				"doctype": "Email Account",
				"email_account_name": OUTGOING_ACCOUNT,
				"email_id": "_o2c-collections@example.com",
				"enable_outgoing": 1,
				"default_outgoing": 1,
				"no_smtp_authentication": 1,
				**server,
			}
		).insert(ignore_permissions=True)
	elif frappe.db.get_value("Email Account", OUTGOING_ACCOUNT, list(server), as_dict=True) != server:
		# made in an earlier session, whose sink listened on another port
		account = frappe.get_doc("Email Account", OUTGOING_ACCOUNT)
		account.update(server)
		account.save(ignore_permissions=True)
	return OUTGOING_ACCOUNT


def dunning_type() -> str:
	company = factories.company()
	name = f"{DUNNING_TYPE} - {factories.ABBR}"
	if not frappe.db.exists("Dunning Type", name):
		frappe.get_doc(
			{
				"doctype": "Dunning Type",
				"dunning_type": DUNNING_TYPE,
				"company": company,
				"dunning_fee": 5,
				"rate_of_interest": 0,
				"dunning_letter_text": [
					{
						"language": "en",
						"is_default_language": 1,
						"body_text": "<p>Invoice {{ sales_invoice }} is overdue.</p>",
						"closing_text": "<p>Regards</p>",
					}
				],
			}
		).insert()
	return name


def customer_with_contacts(billing_email: str | None = None, primary_email: str | None = None) -> str:
	"""A customer whose billing contact and primary contact have different e-mail addresses."""
	name = factories.customer()
	if primary_email:
		primary = contact(name, primary_email, billing=False)
		frappe.db.set_value("Customer", name, "customer_primary_contact", primary)
	if billing_email:
		contact(name, billing_email, billing=True)
	return name


def contact(customer: str, email: str, billing: bool) -> str:
	doc = frappe.get_doc(
		{
			"doctype": "Contact",
			"first_name": email.split("@")[0],
			"email_ids": [{"email_id": email, "is_primary": 1}],
			"is_billing_contact": 1 if billing else 0,
			"links": [{"link_doctype": "Customer", "link_name": customer}],
		}
	).insert(ignore_permissions=True)
	return doc.name


def standard_steps() -> list[dict]:
	setup.install_defaults()
	return [
		{"day_offset": -3, "action": core.EMAIL_REMINDER, "email_template": setup.BEFORE_DUE},
		{"day_offset": 0, "action": core.EMAIL_REMINDER, "email_template": setup.DUE_TODAY},
		{"day_offset": 3, "action": core.CREATE_TODO, "assign_to_role": "Collections Agent"},
		{"day_offset": 7, "action": core.EMAIL_REMINDER, "email_template": setup.OVERDUE},
		{"day_offset": 10, "action": core.CREATE_DUNNING, "dunning_type": dunning_type()},
		{"day_offset": 20, "action": core.ESCALATE},
	]


def rule(customer: str | None = None, steps: list[dict] | None = None, **fields):
	doc = frappe.get_doc(
		{
			"doctype": "Collections Rule",
			"rule_name": f"_O2C Rule {frappe.generate_hash(length=8)}",
			"company": factories.company(),
			"customer": customer,
			"steps": steps if steps is not None else standard_steps(),
			**fields,
		}
	)
	doc.insert()
	return doc


def item() -> str:
	# no stock needed: invoices do not update stock
	return factories.item("_O2C-COLL-ITEM", stock_qty=0, rate=100)


def invoice(customer: str, posting_date, due_in_days: int = 14, qty: float = 10, rate: float = 100, **fields):
	posting_date = getdate(posting_date)
	factories.ensure_fiscal_year(posting_date)
	return factories.sales_invoice(
		customer,
		[(item(), qty, rate)],
		posting_date=posting_date,
		due_date=add_days(posting_date, due_in_days),
		**fields,
	)


def actions_of(invoice_name: str) -> list:
	return frappe.get_all(
		"Collection Action",
		filters={"sales_invoice": invoice_name},
		fields=[
			"name",
			"action",
			"action_date",
			"status",
			"step",
			"day_offset",
			"payment_schedule",
			"reference_doctype",
			"reference_name",
			"assigned_to",
			"error",
		],
		order_by="action_date asc, day_offset asc, creation asc",
	)


def emails_for(invoice_name: str) -> list:
	"""The e-mails the run sent that speak of the invoice: a customer's one e-mail of a run covers
	all its invoices, each of whose reminder steps logs it."""
	queued = frappe.get_all(
		"Collection Action",
		filters={"sales_invoice": invoice_name, "reference_doctype": "Email Queue"},
		pluck="reference_name",
	)
	return frappe.get_all(
		"Email Queue",
		filters={"name": ("in", sorted(set(queued)) or [""])},
		fields=["name", "attachments", "message", "status", "reference_doctype", "reference_name"],
		order_by="creation asc",
	)


def case_of(customer: str, company: str | None = None, status: str | None = None):
	"""The customer's latest Collection Case (in the test company unless told)."""
	filters = {"customer": customer, "company": company or factories.company()}
	if status:
		filters["status"] = status
	name = frappe.db.get_value("Collection Case", filters, "name", order_by="creation desc")
	return frappe.get_doc("Collection Case", name) if name else None


def case_todos(case_name: str, status: str = "Open") -> list[str]:
	return frappe.get_all(
		"ToDo",
		filters={"reference_type": "Collection Case", "reference_name": case_name, "status": status},
		pluck="name",
	)


def recipients_of(email_queue: str) -> list[str]:
	return frappe.get_all("Email Queue Recipient", filters={"parent": email_queue}, pluck="recipient")


def status_of(invoice_name: str) -> str:
	return frappe.db.get_value("Sales Invoice", invoice_name, "collection_status")


def credit_note_against(invoice_name: str, qty_factor: float = 1.0):
	"""A credit note returning `qty_factor` of each line (all of it by default) and set against the
	invoice it returns against (ERPNext's "update outstanding for self" off: it lowers what the
	invoice owes)."""
	from erpnext.accounts.doctype.sales_invoice.sales_invoice import make_sales_return

	doc = make_sales_return(invoice_name)
	if qty_factor != 1.0:
		for row in doc.items:
			row.qty = flt(row.qty * qty_factor, row.precision("qty"))
	doc.update_outstanding_for_self = 0
	# posted now (the test's clock), as a user would date it: the mapper copies the invoice's date
	doc.set_posting_time = 1
	doc.posting_date, doc.posting_time = nowdate(), nowtime()
	doc.insert()
	doc.submit()
	return doc


def journal_entry_paying(invoice_name: str, amount: float | None = None):
	"""Cash received against the invoice through a Journal Entry."""
	invoice = frappe.get_doc("Sales Invoice", invoice_name)
	amount = amount if amount is not None else invoice.outstanding_amount
	cash = frappe.get_cached_value("Company", invoice.company, "default_cash_account")
	entry = frappe.get_doc(
		{
			"doctype": "Journal Entry",
			"voucher_type": "Cash Entry",
			"company": invoice.company,
			"posting_date": frappe.utils.nowdate(),
			"accounts": [
				{"account": cash, "debit_in_account_currency": amount},
				{
					"account": invoice.debit_to,
					"party_type": "Customer",
					"party": invoice.customer,
					"credit_in_account_currency": amount,
					"reference_type": "Sales Invoice",
					"reference_name": invoice.name,
				},
			],
		}
	)
	entry.insert()
	entry.submit()
	return entry


def open_todos(invoice_name: str) -> list[str]:
	"""The open tasks the invoice's steps gave (on its customer's Collection Case)."""
	todos = frappe.get_all(
		"Collection Action",
		filters={"sales_invoice": invoice_name, "reference_doctype": "ToDo"},
		pluck="reference_name",
	)
	return frappe.get_all(
		"ToDo", filters={"name": ("in", sorted(set(todos)) or [""]), "status": "Open"}, pluck="name"
	)
