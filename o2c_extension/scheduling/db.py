"""Set-based reads and writes shared by the Scheduling module's document layer."""

from collections.abc import Iterable

import frappe
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
