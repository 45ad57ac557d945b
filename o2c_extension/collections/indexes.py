"""Composite indexes the collections run filters on.

Created by `ensure_indexes`, which the app's install and migrate hooks call after the custom fields
exist (one of them is on `collection_status`, a custom field, which a DocType's `on_doctype_update`
would run before). `add_index` skips indexes that exist.

- `o2c_collections_select_index`: a run's selection of a company's open invoices to evaluate
  (`context.open_invoice_names`: changed since last evaluated, or due again) reads only that
  company's unpaid invoices, not every invoice ever made, and only from the index: it carries
  every column of the invoice the selection compares (the next evaluation date among them), so
  the run, which reads every open invoice's entry to find the few due, never reads the invoices
  themselves. It replaces `o2c_collections_run_index` and `o2c_collections_due_index` (earlier
  column lists), which `ensure_indexes` drops.
- `o2c_collections_settled_index`: the run's sweep for invoices paid without a payment event
  (`settlement.close_settled_work`) finds the few paid invoices still showing a collection status
  without reading the open ones.
"""

from o2c_extension.order_to_cash.indexes import add_indexes, drop_index

# earlier versions of the selection index (`add_index` goes by name: a changed column list needs a
# new name)
REPLACED = (
	("Sales Invoice", "o2c_collections_run_index"),
	("Sales Invoice", "o2c_collections_due_index"),
)

INDEXES = (
	(
		"Sales Invoice",
		[
			"company",
			"docstatus",
			"is_return",
			"outstanding_amount",
			"disputed",
			"promise_to_pay_date",
			"customer",
			"modified",
			"collections_evaluation_key",
			"collections_evaluated_modified",
			"collections_next_evaluation",
		],
		"o2c_collections_select_index",
	),
	("Sales Invoice", ["collection_status", "outstanding_amount"], "o2c_collections_settled_index"),
)


def ensure_indexes():
	add_indexes(INDEXES, only_with_columns=True)
	for doctype, name in REPLACED:
		drop_index(doctype, name)
