"""Document event handlers of this capability, wired in hooks.py."""

import frappe
from frappe import _

from o2c_extension.credit_control import checks, holds


def quotation_validate(doc, method=None):
	checks.warn_on_quotation(doc)


def sales_order_before_submit(doc, method=None):
	"""Check the order; on failure it is submitted anyway, but On Hold (ERPNext's own hold status,
	so no Delivery Note or Sales Invoice can be made from it) and a Credit Hold is made on submit."""
	if not checks.credit_control_enabled():
		return
	blocking_invoices = holds.collection_blocks(doc.customer, doc.company)
	if not blocking_invoices and not checks.policy_for(doc):
		return  # no policy, no collections block: ERPNext's own credit-limit check decides
	doc.flags.o2c_credit_handled = True
	failed = checks.check_sales_order_on_submit(doc, blocking_invoices)
	if failed:
		doc.status = "On Hold"
		doc.credit_status = "On Credit Hold"
		doc.flags.o2c_failed_credit_check = failed
	elif doc.flags.o2c_credit_policy and doc.flags.o2c_credit_policy.check_on_sales_order:
		doc.credit_status = "Within Limit"


def sales_order_on_submit(doc, method=None):
	failed = doc.flags.o2c_failed_credit_check
	if failed:
		holds.hold_sales_order(doc, failed)
		frappe.msgprint(
			_("Sales Order {0} is On Hold until its credit check is released: {1}").format(
				doc.name, checks.reasons_text(failed)
			),
			title=_("On Credit Hold"),
			indicator="orange",
		)


def sales_order_on_cancel(doc, method=None):
	holds.close_for_cancelled_order(doc)


def delivery_note_before_submit(doc, method=None):
	checks.check_delivery_or_invoice(doc)


def sales_invoice_before_submit(doc, method=None):
	checks.check_delivery_or_invoice(doc)


def payment_on_submit(doc, method=None):
	"""Payment Entry / Journal Entry / credit note: lift holds that pass now."""
	if checks.credit_control_enabled():
		holds.recheck_after_payment(doc)


def payment_on_cancel(doc, method=None):
	"""Payment Entry / Journal Entry / credit note cancelled: the orders whose holds it released go
	back under review (holds.review_after_cancelled_payment)."""
	if checks.credit_control_enabled() and (doc.doctype != "Sales Invoice" or doc.is_return):
		holds.review_after_cancelled_payment(doc)
