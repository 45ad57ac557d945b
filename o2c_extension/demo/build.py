"""Build, fingerprint and remove the demo company."""

from __future__ import annotations

import frappe

from o2c_extension.demo import collections, credit, masters, receivables, registry, scheduling
from o2c_extension.demo.masters import COMPANY
from o2c_extension.order_to_cash import versions

# what `fingerprint` reads of the demo's documents (all carry `company`)
FINGERPRINT = {
	"Scheduling Agreement": ["customer", "customer_reference", "status", "per_released", "per_delivered"],
	"Schedule Release": ["scheduling_agreement", "release_no", "status", "lines_added", "lines_changed"],
	"Sales Order": ["customer", "po_no", "status", "base_grand_total", "credit_hold"],
	"Delivery Note": ["customer", "status", "base_grand_total"],
	"Sales Invoice": [
		"customer",
		"po_no",
		"posting_date",
		"base_grand_total",
		"outstanding_amount",
		"collection_status",
	],
	"Payment Entry": ["party", "reference_no", "paid_amount"],
	"Credit Policy": ["title", "customer", "credit_limit"],
	"Credit Hold": ["reference_name", "status", "amount", "decision_comment"],
	"Collections Rule": ["rule_name", "enabled"],
	"Collection Action": ["sales_invoice", "action", "status", "day_offset"],
	"Collection Case": ["customer", "status", "overdue_amount"],
	"Dunning": ["customer", "docstatus", "dunning_type"],
	"Stock Entry": ["stock_entry_type", "docstatus"],
}


def build() -> frappe._dict:
	"""The demo; a second run finds every document and makes nothing new."""
	world = masters.build()
	receivables.build(world)
	credit.policies(world)
	agreements = scheduling.build(world)
	orders = credit.orders(world)
	run = collections.build(world)
	return frappe._dict(company=COMPANY, agreements=agreements, orders=orders, run=run.run)


def fingerprint() -> dict:
	"""What the demo holds: its documents' key fields, and the masters it made outside its company."""
	if not frappe.db.exists("Company", COMPANY):
		return {"masters": sorted(registry.created())}
	documents = {}
	for doctype, fields in FINGERPRINT.items():
		meta = frappe.get_meta(doctype)
		present = [field for field in fields if meta.has_field(field) or field == "docstatus"]
		rows = frappe.get_all(
			doctype, filters={"company": COMPANY}, fields=["name", *present], order_by="name"
		)
		documents[doctype] = [tuple(str(row.get(field)) for field in ["name", *present]) for row in rows]
	return {"masters": sorted(registry.created()), "documents": documents}


def remove() -> None:
	"""Delete the demo: its company's transactions through ERPNext's own Transaction Deletion
	Record, the company (accounts, warehouses, cost centres with it), then the masters it made,
	newest first. ERPNext's record deletes every document with a company field without cancelling
	it (ledger entries included), which is how ERPNext itself empties a company; cancelling each
	of several hundred documents one by one would re-run every ledger and hook for nothing."""
	if frappe.db.exists("Company", COMPANY):
		_remove_company()
	for doctype, name in reversed(registry.created()):
		if doctype == "User":
			# Frappe gives every new user a Contact of their own (after the commit): it goes too
			for contact in frappe.get_all("Contact", filters={"user": name}, pluck="name"):
				frappe.delete_doc("Contact", contact, ignore_permissions=True, force=True)
			frappe.defaults.clear_default(parent=name)
		if frappe.db.exists(doctype, name):
			frappe.delete_doc(doctype, name, ignore_permissions=True, force=True)
	registry.forget_all()


def _remove_company() -> None:
	_remove_references()
	record = frappe.get_doc(
		{"doctype": "Transaction Deletion Record", "company": COMPANY, "process_in_single_transaction": 1}
	)
	record.insert(ignore_permissions=True)
	if versions.TRANSACTION_DELETION_BY_LIST:
		record.generate_to_delete_list()  # v16 deletes only the DocTypes its list names (saves it)
	record.submit()  # v16 starts the deletion tasks itself
	if not versions.TRANSACTION_DELETION_BY_LIST:
		record.start_deletion_tasks()  # as ERPNext's own "Delete Transactions" starts it
	record.reload()
	if record.status != "Completed":
		frappe.throw(
			frappe._("Deleting the demo's transactions failed: {0}").format(record.error_log or record.status)
		)
	# the masters ERPNext's record keeps (templates, departments, …) go with the demo company;
	# accounts, cost centres and warehouses go with the Company itself (its on_trash)
	for doctype in company_masters():
		for name in frappe.get_all(
			doctype, filters={"company": COMPANY}, pluck="name", order_by="creation desc"
		):
			frappe.delete_doc(doctype, name, ignore_permissions=True, force=True)
	frappe.db.delete("Transaction Deletion Record", {"company": COMPANY})
	frappe.delete_doc("Company", COMPANY, ignore_permissions=True, force=True)


def company_masters() -> list[str]:
	"""Parent DocTypes with a `company` link that ERPNext's deletion record leaves alone, but for
	those the Company deletes itself (or that are not the demo's to delete)."""
	from erpnext.setup.doctype.transaction_deletion_record.transaction_deletion_record import (
		get_doctypes_to_be_ignored,
	)

	kept_by_company = {"Company", "Account", "Cost Center", "Warehouse", "Party Account", "Item Default"}
	kept_by_company |= {"Mode of Payment Account", "Mode of Payment", "Customer", "Supplier", "Employee"}
	return [
		doctype
		for doctype in get_doctypes_to_be_ignored()
		if doctype not in kept_by_company
		and frappe.db.exists("DocType", {"name": doctype, "istable": 0})
		and frappe.get_meta(doctype).has_field("company")
	]


def _remove_references() -> None:
	"""What refers to the company's documents without a company field of its own: ToDos,
	Notification Logs and e-mails on them (ERPNext's deletion record clears comments and
	communications itself)."""
	doctypes = [doctype for doctype in FINGERPRINT if frappe.get_meta(doctype).has_field("company")]
	for doctype in doctypes:
		names = frappe.get_all(doctype, filters={"company": COMPANY}, pluck="name")
		if not names:
			continue
		frappe.db.delete("ToDo", {"reference_type": doctype, "reference_name": ("in", names)})
		frappe.db.delete("Notification Log", {"document_type": doctype, "document_name": ("in", names)})
		frappe.db.delete("Email Queue", {"reference_doctype": doctype, "reference_name": ("in", names)})
