"""Composite indexes the exposure queries (exposure.py) filter on.

Created by `ensure_indexes`, which Credit Policy's `on_doctype_update` calls: Frappe runs that when the
DocType is installed or migrated, so new sites and upgrades both get them (a patch alone would be
marked done, unrun, on a fresh install). `add_index` skips indexes that exist.

Each index starts with the columns a credit check compares for equality (customer, company,
docstatus), then the range column, so a check reads only the customer's open rows; the Payment
Ledger index also carries `amount`, so summing receivables never touches the table rows.
"""

import frappe

INDEXES = (
	(
		"Payment Ledger Entry",
		["party", "party_type", "company", "delinked", "amount"],
		"o2c_party_exposure_index",
	),
	("Sales Order", ["customer", "company", "docstatus", "per_billed"], "o2c_customer_open_index"),
	("Delivery Note", ["customer", "company", "docstatus", "per_billed"], "o2c_customer_unbilled_index"),
	(
		"Sales Invoice",
		["customer", "company", "docstatus", "outstanding_amount", "due_date"],
		"o2c_customer_outstanding_index",
	),
	("Dunning", ["customer", "company", "docstatus"], "o2c_customer_dunning_index"),
)


def ensure_indexes():
	for doctype, columns, name in INDEXES:
		frappe.db.add_index(doctype, columns, name)
