"""Document event handlers of this capability, wired in hooks.py.

Sales Orders against an agreement are checked on validate (agreement open, items and lines on it;
a draft's tolerance); what an order releases is held to the tolerance under the agreement's lock
when it is submitted, its items are updated or it is re-opened. Submit and cancel of Sales Orders,
Delivery Notes and Sales Invoices, and closing or re-opening a Sales Order, recompute the
cumulatives of the agreements they refer to, and so does a rejected credit hold of an order.
Documents without an agreement cost nothing.
"""

import frappe

from o2c_extension.order_to_cash.doctype.o2c_settings.o2c_settings import is_enabled
from o2c_extension.scheduling.cumulatives import agreements_of, refresh_in_step
from o2c_extension.scheduling.db import AGREEMENT, CREDIT_REJECTED
from o2c_extension.scheduling.orders import (
	CLOSED,
	check_tolerance_locked,
	link_rows_to_agreement,
	take_over_amended_lines,
	validate_sales_order,
)


def _tracked(doc) -> set[str]:
	agreements = agreements_of(doc)
	return agreements if agreements and is_enabled("scheduling") else set()


def sales_order_before_validate(doc, method=None):
	"""Every call-off of a scheduling agreement quotes the customer's one reference of it as its PO
	number (`po_no`), as SAP's scheduling agreement number is the customer's order number for all its
	releases. ERPNext's own check allows one Sales Order per customer PO number (unless Selling
	Settings allows more, a switch for all orders): for orders against an agreement that quote its
	reference, the number is set aside while ERPNext validates and put back by
	`sales_order_validate`, so the check still applies to every other order."""
	if not doc.get("po_no") or not is_enabled("scheduling"):
		return
	agreement = next(iter(agreements_of(doc)), None)
	if not agreement and doc.get("amended_from"):
		agreement = frappe.db.get_value("Sales Order", doc.amended_from, "scheduling_agreement")
	if agreement and doc.po_no == frappe.db.get_value(AGREEMENT, agreement, "customer_reference"):
		doc.flags.o2c_agreement_po_no = doc.po_no
		doc.po_no = None


def sales_order_validate(doc, method=None):
	if doc.flags.o2c_agreement_po_no:
		doc.po_no, doc.flags.o2c_agreement_po_no = doc.flags.o2c_agreement_po_no, None
	if _tracked(doc):
		link_rows_to_agreement(doc)
		take_over_amended_lines(doc)
		# a draft is told early; an order being submitted is checked once, in on_submit, locked
		validate_sales_order(doc, tolerance=doc.docstatus == 0)


def sales_order_on_submit(doc, method=None):
	agreements = _tracked(doc)
	if agreements:
		# after ERPNext's own on_submit, which has locked the stock rows a Delivery Note also locks
		# before the agreement: taking the agreement's lock earlier could deadlock with one
		check_tolerance_locked(doc)
		refresh_in_step(agreements)


def sales_order_on_cancel(doc, method=None):
	if agreements_of(doc):
		# the agreement's schedule line points at the order it made; that is history, not a
		# reason to refuse the cancel (Frappe checks back links right after on_cancel)
		doc.ignore_linked_doctypes = (*(doc.get("ignore_linked_doctypes") or ()), "Scheduling Agreement")
	refresh_in_step(_tracked(doc))


def sales_order_on_update_after_submit(doc, method=None):
	# "Update Items" changes quantities of a submitted order: the tolerance applies again
	agreements = _tracked(doc)
	if agreements:
		validate_sales_order(doc, tolerance=False)
		check_tolerance_locked(doc)
		refresh_in_step(agreements)


def sales_order_on_change(doc, method=None):
	"""Closing an order (ERPNext's `update_status`, which is no save: its `db_set` runs on_change)
	releases only what it delivered; re-opening it releases all of it again, within the tolerance.
	Either way the agreement's cumulatives, line statuses and status follow at once.

	A Credit Controller rejecting the order's Credit Hold (holds.py writes `credit_status` with
	`db_set`) frees what it released: its schedule lines are Open again (cumulatives.read_flows).

	on_change also runs after every save and every `db_set` (ERPNext sets an order's status on each
	delivery and invoice): only a change between Closed and not Closed, or to credit Rejected, does
	anything."""
	if _credit_rejected_now(doc):
		refresh_in_step(_tracked(doc))
	closed = doc.status == CLOSED
	was_closed = doc.flags.o2c_was_closed
	if was_closed is None:
		# `update_status` writes the status twice (the one asked for, then the one it works out);
		# the first write loads the order as it was before: remember what we compared with since
		before = doc.get_doc_before_save()
		was_closed = bool(before) and before.status == CLOSED
	doc.flags.o2c_was_closed = closed
	if doc.docstatus != 1 or closed == was_closed:
		return
	agreements = _tracked(doc)
	if agreements:
		if not closed:
			check_tolerance_locked(doc)
		refresh_in_step(agreements)


def _credit_rejected_now(doc) -> bool:
	if doc.docstatus != 1 or doc.get("credit_status") != CREDIT_REJECTED:
		return False
	before = doc.get_doc_before_save()
	return before is None or before.get("credit_status") != CREDIT_REJECTED


def delivery_note_on_submit(doc, method=None):
	refresh_in_step(_tracked(doc))


def delivery_note_on_cancel(doc, method=None):
	refresh_in_step(_tracked(doc))


def sales_invoice_on_submit(doc, method=None):
	refresh_in_step(_tracked(doc))


def sales_invoice_on_cancel(doc, method=None):
	refresh_in_step(_tracked(doc))
