"""Promises to pay and disputes on a Sales Invoice: both pause the collections run for the invoice.

A promise pauses it until the promised date has passed; a promise broken (date passed, still
unpaid) is escalated by the next run. A dispute pauses it until it is resolved; then the run
resumes where the invoice stands. Each change leaves a line in the invoice's timeline.
"""

import datetime
import html

import frappe
from frappe import _
from frappe.model.document import Document
from frappe.utils import escape_html, flt, formatdate, getdate, nowdate

from o2c_extension.collections import core, settlement

# a dispute reason is kept in a text column (64 KB)
MAX_REASON_LENGTH = 10_000


def plain_text(value: str) -> str:
	"""User text made safe to store and show: any markup is kept as the characters typed (`<`, `>`
	and `&` escaped), never as live HTML, wherever it is shown (form, timeline, reports). Escaping
	what is already escaped changes nothing, so text saved again stays as it is."""
	return html.escape(html.unescape(value.strip()), quote=False)


def record_promise(sales_invoice: str | Document, promise_date, note: str | None = None) -> str:
	invoice = _submitted_invoice(sales_invoice)
	if flt(invoice.outstanding_amount) <= 0:
		frappe.throw(
			_("Sales Invoice {0} is already paid: there is nothing to promise.").format(invoice.name),
			title=_("Invoice Paid"),
		)
	promise_date = parse_promise_date(promise_date)
	if promise_date < getdate(nowdate()):
		frappe.throw(
			_("The promise date {0} is in the past: a promise to pay must be for today or later.").format(
				formatdate(promise_date)
			),
			title=_("Invalid Promise Date"),
		)
	if invoice.disputed:
		frappe.throw(
			_("Sales Invoice {0} is disputed: resolve the dispute before recording a promise to pay.").format(
				invoice.name
			),
			title=_("Invoice Disputed"),
		)
	invoice.db_set(
		{"promise_to_pay_date": promise_date, "collection_status": core.PROMISE_TO_PAY}, notify=True
	)
	comment = _("Promise to pay by {0}.").format(formatdate(promise_date))
	if isinstance(note, str) and note.strip():
		comment += " " + plain_text(note)
	invoice.add_comment("Info", comment)
	return core.PROMISE_TO_PAY


def judge_due_promises(company: str, today) -> None:
	"""Judge every Open promise of `company` whose promise date plus O2C Settings
	`promise_tolerance_days` has passed: Kept, Partially Kept or Broken. A promise is judged once."""
	# filled in by the Promise to Pay work (issue 12); A's run calls it
	return None


def parse_promise_date(value) -> datetime.date:
	"""The promise date as a date: a date, or text in YYYY-MM-DD (a time after it is ignored)."""
	if isinstance(value, datetime.datetime):
		return value.date()
	if isinstance(value, datetime.date):
		return value
	text = value.strip() if isinstance(value, str) else ""
	if not text:
		frappe.throw(_("Enter the date the customer promised to pay by."), title=_("Missing Promise Date"))
	try:
		# reads every form date.fromisoformat reads, and the same with a time
		return datetime.datetime.fromisoformat(text).date()
	except ValueError:
		frappe.throw(
			_("{0} is not a valid promise date (use YYYY-MM-DD).").format(
				frappe.bold(escape_html(text[:40]))
			),
			title=_("Invalid Promise Date"),
		)


def record_dispute(sales_invoice: str | Document, reason: str) -> str:
	reason = reason.strip() if isinstance(reason, str) else ""
	if not reason:
		frappe.throw(_("Enter the reason the customer disputes the invoice."), title=_("Missing Reason"))
	if len(reason) > MAX_REASON_LENGTH:
		frappe.throw(
			_("The dispute reason is too long: at most {0} characters.").format(MAX_REASON_LENGTH),
			title=_("Reason Too Long"),
		)
	invoice = _submitted_invoice(sales_invoice)
	if flt(invoice.outstanding_amount) <= 0:
		frappe.throw(
			_("Sales Invoice {0} is already paid and cannot be disputed.").format(invoice.name),
			title=_("Invoice Paid"),
		)
	if invoice.disputed:
		frappe.throw(
			_("Sales Invoice {0} is already disputed.").format(invoice.name), title=_("Already Disputed")
		)
	reason = plain_text(reason)
	invoice.db_set({"disputed": 1, "dispute_reason": reason, "collection_status": core.DISPUTED}, notify=True)
	invoice.add_comment("Info", _("Disputed: {0}").format(reason))
	return core.DISPUTED


def resolve_dispute(sales_invoice: str | Document) -> str:
	invoice = _submitted_invoice(sales_invoice)
	if not invoice.disputed:
		frappe.throw(_("Sales Invoice {0} is not disputed.").format(invoice.name), title=_("Not Disputed"))
	invoice.db_set({"disputed": 0, "dispute_reason": None}, notify=True)
	status = settlement.refresh_statuses([invoice.name]).get(invoice.name)
	invoice.add_comment("Info", _("Dispute resolved; collections resume."))
	return status


def _submitted_invoice(sales_invoice: str | Document) -> Document:
	"""The invoice (by name, or as the caller already loaded it), refused unless submitted."""
	invoice = (
		sales_invoice
		if isinstance(sales_invoice, Document)
		else frappe.get_doc("Sales Invoice", sales_invoice)
	)
	if invoice.docstatus != 1 or invoice.is_return:
		frappe.throw(
			_("Sales Invoice {0} is not a submitted invoice: promises and disputes are for those.").format(
				invoice.name
			),
			title=_("Invalid Invoice"),
		)
	return invoice
