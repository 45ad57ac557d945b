"""State fields the app keeps on ERPNext documents, written by the app alone.

Credit status and hold of quotations and orders, the collection state of invoices and the agreement
links of delivery and invoice rows are the app's record of what it decided. A desk form, a REST
`PUT`/`POST` on `/api/resource`, `frappe.client.set_value` or a Data Import all save through the
document, so one handler, wired in hooks.py on the first events of every save (`before_validate`,
`before_update_after_submit`, `before_cancel`), puts every sealed field back before anything else
reads it:

- a sealed field keeps its stored value; a new document (a duplicate, an amendment, an import)
  starts it empty, and the app's own handlers set it later in the same save where they decide it
  (the credit check on validate / before_submit);
- the agreement links of a Delivery Note or Sales Invoice row are those of the row it was made
  from (`so_detail`, `dn_detail`, `sales_invoice_item`), and none for a row made from nothing; the
  header's link follows its rows.

The app's own writes are `db_set` and set-based updates (no save, no handler), or saves inside
`app_writes()`, which this handler leaves alone.
"""

from __future__ import annotations

from contextlib import contextmanager

import frappe

# DocType -> fields only the app writes
SEALED = {
	"Quotation": ("credit_status",),
	"Sales Order": ("credit_status", "credit_hold"),
	"Sales Invoice": (
		"collection_status",
		"promise_to_pay_date",
		"disputed",
		"dispute_reason",
		"collections_evaluation_key",
		"collections_evaluated_modified",
		"collections_next_evaluation",
	),
}
# child DocType -> fields of its rows only the app writes (the call-off names the schedule line)
SEALED_ROWS = {"Sales Order Item": ("schedule_line",)}

# agreement links a row takes from the row it was made from, and the header from its rows
AGREEMENT_LINKS = ("scheduling_agreement", "schedule_line")
AGREEMENT = "scheduling_agreement"
# child DocType -> (field naming the source row, source row DocType), the nearest source first
MADE_FROM = {
	"Delivery Note Item": (
		("so_detail", "Sales Order Item"),
		("dn_detail", "Delivery Note Item"),
		("si_detail", "Sales Invoice Item"),
	),
	"Sales Invoice Item": (
		("dn_detail", "Delivery Note Item"),
		("so_detail", "Sales Order Item"),
		("sales_invoice_item", "Sales Invoice Item"),
	),
}
DERIVED_HEADERS = ("Delivery Note", "Sales Invoice")

# fields the app adds to ERPNext documents that users do set, and why
NOT_SEALED = {
	("Customer", "exclude_from_collections"): "a setting of the customer, kept by its users",
	("Customer", "edi_party_id"): "the customer's party id in its EDIFACT messages, kept by its users",
	("Sales Order", AGREEMENT): "an order made against an agreement by hand, checked on validate",
	("Sales Order Item", AGREEMENT): "an order made against an agreement by hand, checked on validate",
}

_APP_WRITES = "o2c_app_writes"


@contextmanager
def app_writes():
	"""Saves made inside are the app's own: their sealed fields are written as they are."""
	frappe.flags[_APP_WRITES] = (frappe.flags.get(_APP_WRITES) or 0) + 1
	try:
		yield
	finally:
		frappe.flags[_APP_WRITES] -= 1


def app_is_writing() -> bool:
	return bool(frappe.flags.get(_APP_WRITES))


def seal(doc, method=None):
	"""Doc event on every save, submit, update after submit and cancel of the sealed DocTypes."""
	if app_is_writing():
		return
	before = doc.get_doc_before_save()
	for fieldname in SEALED.get(doc.doctype, ()):
		doc.set(fieldname, _stored(doc, before, fieldname))
	for table in doc.meta.get_table_fields():
		rows = doc.get(table.fieldname) or []
		if not rows:
			continue
		stored_rows = {row.name: row for row in (before.get(table.fieldname) or [])} if before else {}
		for fieldname in SEALED_ROWS.get(table.options, ()):
			for row in rows:
				row.set(fieldname, _stored(row, stored_rows.get(row.name), fieldname))
		if table.options in MADE_FROM:
			if method == "before_validate":
				_links_from_sources(rows, MADE_FROM[table.options])
			else:  # a submitted or cancelled document keeps what it was submitted with
				for fieldname in AGREEMENT_LINKS:
					for row in rows:
						row.set(fieldname, _stored(row, stored_rows.get(row.name), fieldname))
	if doc.doctype in DERIVED_HEADERS:
		if method == "before_validate":
			rows = doc.get("items") or []
			doc.set(AGREEMENT, next((row.get(AGREEMENT) for row in rows if row.get(AGREEMENT)), None))
		else:
			doc.set(AGREEMENT, _stored(doc, before, AGREEMENT))


def _stored(doc, before, fieldname):
	"""The field's value in the database, or its empty value when there is none."""
	if before is not None:
		return before.get(fieldname)
	field = doc.meta.get_field(fieldname)
	return 0 if field and field.fieldtype in ("Check", "Int", "Float", "Currency") else None


def _links_from_sources(rows, sources: tuple[tuple[str, str], ...]) -> None:
	"""Each row's agreement links := those of its nearest source row (one query per source DocType)."""
	found = {}
	for source_field, source_doctype in sources:
		names = sorted({row.get(source_field) for row in rows if row.get(source_field)})
		found[source_field] = (
			{
				source.name: source
				for source in frappe.get_all(
					source_doctype, filters={"name": ("in", names)}, fields=["name", *AGREEMENT_LINKS]
				)
			}
			if names
			else {}
		)
	for row in rows:
		source = next(
			(found[field][row.get(field)] for field, _doctype in sources if row.get(field) in found[field]),
			None,
		)
		for fieldname in AGREEMENT_LINKS:
			row.set(fieldname, source.get(fieldname) if source else None)
