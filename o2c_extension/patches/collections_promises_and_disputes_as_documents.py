"""Issue 12: promises to pay and disputes are documents (Promise to Pay, Dispute). An invoice
disputed or promised before keeps its state: each gets the Dispute (its whole outstanding, the
reason it was recorded with) or the Open Promise to Pay (its outstanding, by its promise date) it
stands for, so `resolve_dispute` ends it and the run judges the promise. Running it again adds
nothing (an invoice with an open Dispute, or covered by a Promise to Pay, is left alone)."""

import frappe
from frappe.utils import flt, now

from o2c_extension.collections import promises


def execute():
	invoice_fields = ", ".join(f"si.{field}" for field in promises.INVOICE_FIELDS)
	disputed = frappe.db.sql(
		f"""
		SELECT {invoice_fields}, si.dispute_reason, si.modified
		FROM `tabSales Invoice` si
		WHERE si.docstatus = 1 AND si.disputed = 1 AND NOT EXISTS (
			SELECT 1 FROM `tabDispute` d WHERE d.sales_invoice = si.name AND d.status = 'Open')
		""",
		as_dict=True,
	)
	for invoice in disputed:
		dispute = frappe.new_doc("Dispute")
		dispute.update(
			{
				"sales_invoice": invoice.name,
				"customer": invoice.customer,
				"company": invoice.company,
				"currency": invoice.currency,
				"status": "Open",
				"disputed_amount": flt(
					promises.currencies_of(invoice).to_invoice(flt(invoice.outstanding_amount)), 2
				),
				"description": invoice.dispute_reason or "-",
			}
		)
		dispute.set_new_name()
		dispute.creation = dispute.modified = invoice.modified or now()
		dispute.db_insert()

	promised = frappe.db.sql(
		f"""
		SELECT {invoice_fields}, si.promise_to_pay_date, si.modified
		FROM `tabSales Invoice` si
		WHERE si.docstatus = 1 AND si.promise_to_pay_date IS NOT NULL AND si.outstanding_amount > 0
			AND NOT EXISTS (SELECT 1 FROM `tabPromise to Pay Invoice` row WHERE row.sales_invoice = si.name)
		""",
		as_dict=True,
	)
	for invoice in promised:
		amount = flt(promises.currencies_of(invoice).to_invoice(flt(invoice.outstanding_amount)), 2)
		promise = frappe.new_doc("Promise to Pay")
		promise.update(
			{
				"customer": invoice.customer,
				"company": invoice.company,
				"sales_invoice": invoice.name,
				"currency": invoice.currency,
				"status": "Open",
				"promise_date": invoice.promise_to_pay_date,
				"promised_amount": amount,
				"paid_amount": 0,
			}
		)
		promise.append(
			"invoices",
			{
				"sales_invoice": invoice.name,
				"due_date": invoice.due_date,
				"currency": invoice.currency,
				"outstanding_amount": amount,
			},
		)
		promise.set_new_name()
		promise.set_parent_in_children()
		# made when the invoice was promised (its last change): payments since then count
		promise.creation = promise.modified = invoice.modified or now()
		promise.db_insert()
		for row in promise.invoices:
			row.set_new_name()
			row.creation = row.modified = promise.creation
			row.db_insert()
