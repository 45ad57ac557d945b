"""Composite indexes the exposure queries (exposure.py) filter on.

Created by `ensure_indexes`, which Credit Policy's `on_doctype_update` calls: Frappe runs that when the
DocType is installed or migrated, so new sites and upgrades both get them (a patch alone would be
marked done, unrun, on a fresh install). A change to the list also needs a patch that calls it, for
sites whose Credit Policy is already in step (patches/add_exposure_open_item_indexes.py): exposure.py
forces these indexes by name. `add_index` skips indexes that exist.

Each index starts with the columns a credit check compares for equality (customer, company,
docstatus), then the range column, so a check reads only the customer's open rows. The Payment
Ledger index goes on with the columns that tell the rows not against a Sales Invoice (or in a
foreign-currency account) and `amount`, and the Sales Invoice index with `due_date` and
`party_account_currency`: the exposure reads both from the index alone, never the table rows.

An index whose columns change gets a new name (`add_index` goes by name); the old one is listed in
OBSOLETE_INDEXES and dropped.
"""

from o2c_extension.order_to_cash.indexes import add_indexes, drop_index

INDEXES = (
	(
		"Payment Ledger Entry",
		["party", "party_type", "company", "delinked", "against_voucher_type", "account_currency", "amount"],
		"o2c_party_unapplied_index",
	),
	("Sales Order", ["customer", "company", "docstatus", "per_billed"], "o2c_customer_open_index"),
	("Delivery Note", ["customer", "company", "docstatus", "per_billed"], "o2c_customer_unbilled_index"),
	(
		"Sales Invoice",
		["customer", "company", "docstatus", "outstanding_amount", "due_date", "party_account_currency"],
		"o2c_customer_open_invoice_index",
	),
	("Dunning", ["customer", "company", "docstatus"], "o2c_customer_dunning_index"),
	# the open invoices' payment terms, read from the index alone (exposure.EARLIEST_OVERDUE)
	(
		"Payment Schedule",
		["parent", "parenttype", "due_date", "idx", "payment_amount", "base_payment_amount"],
		"o2c_schedule_terms_index",
	),
	# the advances paid against the open orders (exposure.unallocated_advances)
	(
		"Advance Payment Ledger Entry",
		["against_voucher_type", "against_voucher_no", "event", "delinked"],
		"o2c_advance_against_index",
	),
)

# replaced by the indexes above: (doctype, index name)
OBSOLETE_INDEXES = (
	("Payment Ledger Entry", "o2c_party_exposure_index"),
	("Sales Invoice", "o2c_customer_outstanding_index"),
)


def ensure_indexes():
	add_indexes(INDEXES)
	for doctype, name in OBSOLETE_INDEXES:
		drop_index(doctype, name)
