"""Where each item of an agreement stands since its cumulative reset date: what our Sales Orders
called off and what our Delivery Notes (and stock-updating invoices) delivered, and what was
delivered after a given delivery note. Set-based: a fixed number of queries per agreement,
whatever the number of items or documents.

The figures are read from the submitted documents, not from the agreement's running totals,
because they count from the reset date (the running totals count the whole agreement)."""

from collections import defaultdict

import frappe
from frappe.utils import getdate

from o2c_extension.scheduling.db import AGREEMENT, CREDIT_REJECTED, live_order

RESET_FISCAL_YEAR = "Fiscal Year Start"
RESET_VALIDITY = "Validity Start"


def default_reset_date(company: str, valid_from) -> object:
	"""O2C Settings › Cumulative Reset: the start of the fiscal year `valid_from` falls in (the
	default), or `valid_from` itself."""
	valid_from = getdate(valid_from)
	rule = frappe.db.get_single_value("O2C Settings", "cumulative_reset") or RESET_FISCAL_YEAR
	if rule == RESET_FISCAL_YEAR:
		from erpnext.accounts.utils import get_fiscal_year

		try:
			return getdate(get_fiscal_year(valid_from, company=company)[1])
		except Exception:
			# no fiscal year covers the date (erpnext raises FiscalYearError): count from validity
			frappe.clear_last_message()
	return valid_from


def reset_date_of(agreement: str):
	reset, valid_from = frappe.db.get_value(AGREEMENT, agreement, ["cumulative_reset_date", "valid_from"])
	return getdate(reset or valid_from)


def item_positions(agreement: str, since) -> dict[str, tuple[float, float]]:
	"""item_code -> (called off, delivered) in the agreement's unit (stock units ÷ its conversion
	factor), from `since` on: live Sales Orders by delivery date (a Closed or credit-rejected order
	counts what it delivered), Delivery Notes and stock-updating Sales Invoices by posting date,
	returns included. Three queries."""
	values = {"agreement": agreement, "since": getdate(since), "credit_rejected": CREDIT_REJECTED}
	factor = {
		row.item_code: float(row.conversion_factor or 1) or 1.0
		for row in frappe.get_all(
			"Scheduling Agreement Item",
			filters={"parent": agreement},
			fields=["item_code", "conversion_factor"],
		)
	}
	called_off: dict[str, float] = defaultdict(float)
	delivered: dict[str, float] = defaultdict(float)
	for item_code, qty in frappe.db.sql(
		f"""select soi.item_code, sum(case when so.status = 'Closed' or not {live_order()}
				then soi.delivered_qty * soi.conversion_factor else soi.stock_qty end)
		from `tabSales Order Item` soi join `tabSales Order` so on so.name = soi.parent
		where soi.scheduling_agreement = %(agreement)s and so.docstatus = 1
			and soi.delivery_date >= %(since)s
		group by soi.item_code""",
		values,
	):
		called_off[item_code] += float(qty or 0)
	for item_code, qty in frappe.db.sql(
		"""select dni.item_code, sum(dni.stock_qty)
		from `tabDelivery Note Item` dni join `tabDelivery Note` dn on dn.name = dni.parent
		where dni.scheduling_agreement = %(agreement)s and dn.docstatus = 1 and dn.posting_date >= %(since)s
		group by dni.item_code
		union all
		select sii.item_code, sum(sii.stock_qty)
		from `tabSales Invoice Item` sii join `tabSales Invoice` si on si.name = sii.parent
		where sii.scheduling_agreement = %(agreement)s and si.docstatus = 1 and si.update_stock = 1
			and si.posting_date >= %(since)s
		group by sii.item_code""",
		values,
	):
		delivered[item_code] += float(qty or 0)
	return {
		item: (called_off[item] / factor.get(item, 1.0), delivered[item] / factor.get(item, 1.0))
		for item in set(called_off) | set(delivered)
	}


def delivered_after_notes(agreement: str, notes: dict[str, str], since) -> dict[str, float | None]:
	"""item_code -> what we delivered of it (agreement unit) after the delivery note the customer
	booked last (posted later, or at the same moment and named later), or None when that note is
	not a submitted Delivery Note of this agreement and item. Two queries."""
	if not notes:
		return {}
	known = {
		(row.name, row.item_code): row
		for row in frappe.db.sql(
			"""select dn.name, dni.item_code, dn.posting_date, dn.posting_time
			from `tabDelivery Note` dn join `tabDelivery Note Item` dni on dni.parent = dn.name
			where dn.name in %(notes)s and dn.docstatus = 1 and dni.scheduling_agreement = %(agreement)s
			group by dn.name, dni.item_code, dn.posting_date, dn.posting_time""",
			{"notes": tuple(set(notes.values())), "agreement": agreement},
			as_dict=True,
		)
	}
	rows = frappe.db.sql(
		"""select dn.name, dni.item_code, dn.posting_date, dn.posting_time, sum(dni.stock_qty) as qty,
			max(dni.conversion_factor) as conversion_factor
		from `tabDelivery Note` dn join `tabDelivery Note Item` dni on dni.parent = dn.name
		where dni.scheduling_agreement = %(agreement)s and dn.docstatus = 1 and dn.posting_date >= %(since)s
			and dni.item_code in %(items)s
		group by dn.name, dni.item_code, dn.posting_date, dn.posting_time""",
		{"agreement": agreement, "since": getdate(since), "items": tuple(notes)},
		as_dict=True,
	)
	factor = dict(
		frappe.get_all(
			"Scheduling Agreement Item",
			filters={"parent": agreement},
			fields=["item_code", "conversion_factor"],
			as_list=True,
		)
	)
	result: dict[str, float | None] = {}
	for item_code, note in notes.items():
		booked = known.get((note, item_code))
		if not booked:
			result[item_code] = None
			continue
		mark = (getdate(booked.posting_date), str(booked.posting_time), booked.name)
		after = sum(
			float(row.qty or 0)
			for row in rows
			if row.item_code == item_code
			and (getdate(row.posting_date), str(row.posting_time), row.name) > mark
		)
		result[item_code] = after / (float(factor.get(item_code) or 1) or 1.0)
	return result


def latest_jit_release(agreement: str, exclude: str | None = None):
	"""The latest applied JIT release of the agreement, with its lines: (name, [(item, date, qty)])."""
	name = frappe.db.get_value(
		"Schedule Release",
		{
			"scheduling_agreement": agreement,
			"docstatus": 1,
			"release_type": "JIT",
			"name": ("!=", exclude or ""),
		},
		"name",
		order_by="applied_on desc",
	)
	if not name:
		return None, []
	return name, [
		(row.item_code, getdate(row.schedule_date), float(row.qty))
		for row in frappe.get_all(
			"Schedule Release Line",
			filters={"parent": name, "parenttype": "Schedule Release"},
			fields=["item_code", "schedule_date", "qty"],
		)
	]
