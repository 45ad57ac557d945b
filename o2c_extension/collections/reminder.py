"""The one collections e-mail a customer gets in a run: every payment term whose reminder fell
due, each with its own due date and outstanding, the rest of what is overdue, a payment link per
invoice where ERPNext Payment Requests can make one, the statement of the account attached, all
in the customer's language.

The statement is the Collection Case's print format "Collection Statement" (a Jinja template of
our own), attached as a print-format attachment that the Email Queue renders when it sends the
mail, as Frappe does for its own prints. We do not use ERPNext's Process Statement of Accounts
(`get_report_pdf`): it renders the General Ledger / Accounts Receivable report per customer inside
the caller, which is slow for a run over thousands of customers, needs a Process Statement of
Accounts document per run, and prints the whole ledger rather than the overdue terms the mail is
about.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import frappe
from frappe import _
from frappe.utils import escape_html, flt, fmt_money, formatdate

from o2c_extension.collections import core
from o2c_extension.collections.context import InvoiceState
from o2c_extension.order_to_cash.language import in_language

CASE = "Collection Case"
STATEMENT_PRINT_FORMAT = "Collection Statement"
ITEMS_TEMPLATE = "o2c_extension/templates/collections/reminder_items.html"


@dataclass
class Line:
	"""One unpaid payment term as the customer reads it (amounts in the invoice's currency)."""

	sales_invoice: str
	posting_date: date | None
	due_date: date
	currency: str
	outstanding: float
	payment_term: str | None = None
	payment_link: str | None = None
	days_overdue: int = 0

	@property
	def amount(self) -> str:
		return fmt_money(self.outstanding, currency=self.currency)


@dataclass
class Letter:
	customer: str
	customer_name: str
	company: str
	language: str
	due: list[Line] = field(default_factory=list)  # the terms whose reminder fell due today
	overdue: list[Line] = field(default_factory=list)  # the rest of what is overdue

	def totals(self) -> list[str]:
		"""What is listed, per currency."""
		sums: dict[str, float] = {}
		for line in self.due + self.overdue:
			sums[line.currency] = sums.get(line.currency, 0.0) + line.outstanding
		return [fmt_money(amount, currency=currency) for currency, amount in sorted(sums.items())]


def term_line(invoice: InvoiceState, row: core.OpenRow, today: date, term_names: dict) -> Line:
	return Line(
		sales_invoice=invoice.name,
		posting_date=None,
		due_date=row.due_date,
		currency=invoice.currency,
		outstanding=flt(invoice.currencies.to_invoice(row.outstanding), invoice.precision),
		payment_term=term_names.get(row.key),
		days_overdue=core.days_overdue(row.due_date, today),
	)


def build_letter(
	customer: str,
	customer_name: str,
	company: str,
	language: str,
	invoices: list[InvoiceState],
	steps: list[tuple[InvoiceState, core.PlannedAction]],
	today: date,
) -> Letter:
	"""The terms the reminder steps are for, and the other overdue terms of the run's invoices."""
	term_names = payment_term_names([invoice.name for invoice in invoices])
	letter = Letter(customer, customer_name, company, language)
	reminded = set()
	for invoice, planned in steps:
		rows = {row.key: row for row in invoice.chased_rows()}
		row = rows.get(planned.schedule_row)
		if row is None:  # a step for no particular term: the invoice's whole chased rest
			row = core.OpenRow(
				planned.schedule_row, planned.due_date, sum(r.outstanding for r in rows.values())
			)
		if (invoice.name, row.key) in reminded:
			continue
		reminded.add((invoice.name, row.key))
		letter.due.append(term_line(invoice, row, today, term_names))
	for invoice in invoices:
		if not invoice.in_run or invoice.paused:
			continue
		for row in core.overdue_rows(invoice.chased_rows(), today):
			if (invoice.name, row.key) not in reminded:
				letter.overdue.append(term_line(invoice, row, today, term_names))
	for lines in (letter.due, letter.overdue):
		lines.sort(key=lambda line: (line.due_date, line.sales_invoice))
	posted = dict(
		frappe.get_all(
			"Sales Invoice",
			filters={"name": ("in", [line.sales_invoice for line in letter.due + letter.overdue] or [""])},
			fields=["name", "posting_date"],
			as_list=True,
		)
	)
	for line in letter.due + letter.overdue:
		line.posting_date = posted.get(line.sales_invoice)
	return letter


def payment_term_names(invoice_names: list[str]) -> dict[str, str]:
	if not invoice_names:
		return {}
	return dict(
		frappe.get_all(
			"Payment Schedule",
			filters={"parenttype": "Sales Invoice", "parent": ("in", invoice_names)},
			fields=["name", "payment_term"],
			as_list=True,
		)
	)


def add_payment_links(letter: Letter) -> None:
	"""A payment link per invoice, through ERPNext's Payment Request, where a Payment Gateway
	Account is set up for the company and the invoice's currency. Without the payments app (or a
	gateway) there is no Payment Gateway Account and the mail carries no link."""
	if not frappe.db.table_exists("Payment Gateway Account"):
		return
	invoices = sorted({line.sales_invoice for line in letter.due + letter.overdue})
	if not invoices:
		return
	gateways = {
		row.currency: row.name
		for row in frappe.get_all(
			"Payment Gateway Account",
			filters={"company": letter.company}
			if frappe.get_meta("Payment Gateway Account").has_field("company")
			else {},
			fields=["name", "currency", "is_default"],
			order_by="is_default asc",
		)
	}
	if not gateways:
		return
	links = existing_payment_links(invoices)
	for line in letter.due + letter.overdue:
		gateway = gateways.get(line.currency)
		if not gateway:
			continue
		if line.sales_invoice not in links:
			links[line.sales_invoice] = new_payment_link(line.sales_invoice, gateway)
		line.payment_link = links[line.sales_invoice]


def existing_payment_links(invoices: list[str]) -> dict[str, str]:
	return {
		row.reference_name: row.payment_url
		for row in frappe.get_all(
			"Payment Request",
			filters={
				"reference_doctype": "Sales Invoice",
				"reference_name": ("in", invoices),
				"docstatus": 1,
				"status": ("in", ("Requested", "Initiated", "Partially Paid")),
				"payment_url": ("is", "set"),
			},
			fields=["reference_name", "payment_url"],
		)
	}


def new_payment_link(sales_invoice: str, gateway_account: str) -> str | None:
	"""A submitted Payment Request for the invoice's outstanding, mailed by us (muted there)."""
	from erpnext.accounts.doctype.payment_request.payment_request import make_payment_request

	request = make_payment_request(
		dt="Sales Invoice",
		dn=sales_invoice,
		payment_gateway_account=gateway_account,
		submit_doc=1,
		mute_email=1,
		return_doc=1,
	)
	return request.payment_url if request else None


def render(letter: Letter, template, context: dict) -> tuple[str, str]:
	"""Subject and message of the mail, from the step's Email Template, in the customer's language.
	The template sees `customer`, `customer_name`, `company`, `due`, `overdue`, `totals`,
	`items_table` (the table of terms, our own template) and, for templates written for one
	invoice, `doc` and `term` (the first term that fell due)."""
	with in_language(letter.language):
		items_table = frappe.render_template(ITEMS_TEMPLATE, {"letter": letter, "_": _})
		context = {
			**context,
			"customer": letter.customer,
			"customer_name": escape_html(letter.customer_name),
			"company": letter.company,
			"due": letter.due,
			"overdue": letter.overdue,
			"totals": letter.totals(),
			"items_table": items_table,
			"formatdate": formatdate,
		}
		body = template.response_html if template.use_html else template.response
		message = frappe.render_template(body, context)
		if "items_table" not in (body or ""):
			message = f"{message}{items_table}"  # a template that does not place the table itself
		subject = frappe.render_template(template.subject, context)
	return subject, message


def statement_attachment(case: str, language: str) -> dict:
	"""The account statement, rendered by the Email Queue when the mail goes out."""
	return {
		"print_format_attachment": 1,
		"doctype": CASE,
		"name": case,
		"print_format": STATEMENT_PRINT_FORMAT,
		"file_name": _("Statement of Account {0}", lang=language).format(case),
		"lang": language,
	}


def statement_lines(customer: str, company: str, today: date) -> list[Line]:
	"""Every unpaid term of the customer's open invoices in the company, overdue first: what the
	statement shows (invoices due before the go-live date included: it is the account)."""
	from o2c_extension.collections.context import load_chunk, open_invoice_names

	invoices = load_chunk(open_invoice_names(today, company, customer, include_paused=True)).invoices
	term_names = payment_term_names([invoice.name for invoice in invoices])
	lines = [term_line(invoice, row, today, term_names) for invoice in invoices for row in invoice.rows]
	posted = dict(
		frappe.get_all(
			"Sales Invoice",
			filters={"name": ("in", [invoice.name for invoice in invoices] or [""])},
			fields=["name", "posting_date"],
			as_list=True,
		)
	)
	for line in lines:
		line.posting_date = posted.get(line.sales_invoice)
	return sorted(lines, key=lambda line: (line.due_date, line.sales_invoice))
