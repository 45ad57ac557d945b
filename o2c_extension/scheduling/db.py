"""Set-based reads and writes shared by the Scheduling module's document layer."""

from collections.abc import Iterable

import frappe
from frappe.model.naming import set_new_name
from frappe.query_builder import Case
from frappe.utils import cint

from o2c_extension.credit_control.holds import ORDER_CREDIT_STATUS, REJECTED

AGREEMENT = "Scheduling Agreement"
AGREEMENT_ITEM = "Scheduling Agreement Item"
SCHEDULE_LINE = "Scheduling Agreement Schedule Line"

_CHUNK = 500

# A Sales Order whose Credit Hold was rejected stays submitted and On Hold for good: like a closed
# order it releases only what it delivered, and it holds no schedule line (the line is Open again
# for the next call-off). `live_order` is the one test of "a submitted order that counts".
CREDIT_REJECTED = ORDER_CREDIT_STATUS[REJECTED]


def live_order(alias: str = "so") -> str:
	"""SQL condition on a Sales Order `alias`: submitted, and not refused by credit control. Its
	parameter is `%(credit_rejected)s` (`CREDIT_REJECTED`)."""
	return f"({alias}.docstatus = 1 and ifnull({alias}.credit_status, '') != %(credit_rejected)s)"


def qty_precision() -> int:
	return cint(frappe.get_precision(AGREEMENT_ITEM, "agreed_qty")) or 3


def chunks(values: list, size: int = _CHUNK) -> Iterable[list]:
	for start in range(0, len(values), size):
		yield values[start : start + size]


def bulk_update(doctype: str, updates: dict[str, dict], modified: str | None = None) -> None:
	"""Write many rows in one statement per chunk: `SET field = CASE name WHEN .. THEN .. END`.

	`updates` maps a row name to the values to set on it; rows may set different fields.
	"""
	names = list(updates)
	table = frappe.qb.DocType(doctype)
	for batch in chunks(names):
		fields = sorted({fieldname for name in batch for fieldname in updates[name]})
		query = frappe.qb.update(table)
		for fieldname in fields:
			case = Case()
			for name in batch:
				if fieldname in updates[name]:
					case = case.when(table.name == name, updates[name][fieldname])
			query = query.set(table[fieldname], case.else_(table[fieldname]))
		if modified:
			query = query.set(table.modified, modified)
		query.where(table.name.isin(batch)).run()


def insert_child_rows_in_bulk(doc) -> None:
	"""Insert every child row of a document being inserted with one statement per table (and
	10,000 rows), instead of Frappe's one INSERT per row: a release of 5,000 EDIFACT lines has
	10,000 rows or more (its lines and what it changed), which one by one cost most of its import.
	Call from the parent's `db_insert`, after Frappe's own: the rows are then marked inserted, so
	Frappe's loop over them writes nothing again. The rows are the validated Document rows, with the
	names, timestamps and values Frappe gave them."""
	for table_field in doc.meta.get_table_fields():
		rows = doc.get(table_field.fieldname) or []
		if not rows:
			continue
		for row in rows:
			# rows added after Frappe named the document's rows (by before_submit): as db_insert would
			if not row.name:
				set_new_name(row)
			for fieldname in ("creation", "modified", "owner", "modified_by"):
				row.set(fieldname, row.get(fieldname) or doc.get(fieldname))
			row.docstatus = doc.docstatus
		columns = list(rows[0].get_valid_dict(convert_dates_to_str=True))
		values = []
		for row in rows:
			valid = row.get_valid_dict(convert_dates_to_str=True)
			values.append(tuple(valid.get(column) for column in columns))
			row.db_insert = _already_inserted
		insert_rows(table_field.options, columns, values)


def insert_rows(doctype: str, columns: list[str], values: list[tuple], chunk: int = 1000) -> None:
	"""A parameterised multi-row INSERT per `chunk` rows. frappe.db.bulk_insert builds the same
	statement through the query builder, which takes seconds for a few thousand rows."""
	if not values:
		return
	names = ", ".join(f"`{column}`" for column in columns)
	row = "(" + ", ".join(["%s"] * len(columns)) + ")"
	for start in range(0, len(values), chunk):
		batch = values[start : start + chunk]
		frappe.db.sql(
			f"insert into `tab{doctype}` ({names}) values {', '.join([row] * len(batch))}",
			[value for values_of_row in batch for value in values_of_row],
		)


def _already_inserted(*args, **kwargs) -> None:
	"""A row `insert_child_rows_in_bulk` wrote."""
