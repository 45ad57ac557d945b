"""Document event handlers of this capability, wired in hooks.py."""

from frappe.utils import getdate, nowdate

from o2c_extension.collections import context, disputes, settlement


def sales_invoice_on_submit(doc, method=None):
	if doc.is_return:
		# a credit note pays the invoice it returns against
		if doc.return_against:
			settlement.sync_payment_state([doc.return_against])
			disputes.credit_note_submitted(doc)
		return
	doc.db_set("collection_status", settlement.initial_status(doc), update_modified=False)


def sales_invoice_on_cancel(doc, method=None):
	if doc.is_return:
		if doc.return_against:
			settlement.sync_payment_state([doc.return_against])
			disputes.credit_note_cancelled(doc)
		return
	settlement.cancel_work([doc.name])


def payment_on_submit(doc, method=None):
	"""Payment Entry and Journal Entry: invoices they clear get their collection ToDos closed, and
	their open disputes end as Customer Paid."""
	invoices = settlement.invoices_settled_by(doc)
	settlement.sync_payment_state(invoices)
	disputes.close_paid(invoices)


def customer_on_update(doc, method=None):
	"""A saved Customer: its open invoices are looked at by the next collections run."""
	context.customer_changed(doc.name, getdate(nowdate()))


def payment_on_cancel(doc, method=None):
	settlement.sync_payment_state(settlement.invoices_settled_by(doc))
