"""Document event handlers of this capability, wired in hooks.py.

Sales Orders against an agreement are checked on validate (agreement open, items and lines on it,
tolerance); submit and cancel of Sales Orders, Delivery Notes and Sales Invoices recompute the
cumulatives of the agreements they refer to. Documents without an agreement cost nothing.
"""

from o2c_extension.order_to_cash.doctype.o2c_settings.o2c_settings import is_enabled
from o2c_extension.scheduling.cumulatives import agreements_of, refresh_agreements
from o2c_extension.scheduling.orders import link_rows_to_agreement, validate_sales_order


def _tracked(doc) -> set[str]:
	agreements = agreements_of(doc)
	return agreements if agreements and is_enabled("scheduling") else set()


def sales_order_validate(doc, method=None):
	if _tracked(doc):
		link_rows_to_agreement(doc)
		validate_sales_order(doc)


def sales_order_on_submit(doc, method=None):
	refresh_agreements(_tracked(doc))


def sales_order_on_cancel(doc, method=None):
	if agreements_of(doc):
		# the agreement's schedule line points at the order it made; that is history, not a
		# reason to refuse the cancel (Frappe checks back links right after on_cancel)
		doc.ignore_linked_doctypes = (*(doc.get("ignore_linked_doctypes") or ()), "Scheduling Agreement")
	refresh_agreements(_tracked(doc))


def sales_order_on_update_after_submit(doc, method=None):
	# "Update Items" changes quantities of a submitted order: the tolerance applies again
	if _tracked(doc):
		validate_sales_order(doc)
		refresh_agreements(agreements_of(doc))


def delivery_note_on_submit(doc, method=None):
	refresh_agreements(_tracked(doc))


def delivery_note_on_cancel(doc, method=None):
	refresh_agreements(_tracked(doc))


def sales_invoice_on_submit(doc, method=None):
	refresh_agreements(_tracked(doc))


def sales_invoice_on_cancel(doc, method=None):
	refresh_agreements(_tracked(doc))
