"""Test data for the Scheduling module: agreements, quotations, releases, and reading cumulatives
back from the database."""

import frappe
from frappe.utils import add_days, flt, getdate, nowdate

from o2c_extension.scheduling.schedule import schedule_rows
from tests.integration import factories


def today():
	return getdate(nowdate())


def in_days(days: int):
	return getdate(add_days(nowdate(), days))


def setup_masters(item_count: int = 2, rates=(100, 50)) -> tuple[str, list[str]]:
	"""A fresh customer and items with stock, in the test company."""
	factories.company()
	factories.ensure_fiscal_year(nowdate())
	customer = factories.customer()
	items = [factories.item(rate=rates[index % len(rates)]) for index in range(item_count)]
	return customer, items


def agreement(
	customer: str,
	items: list[tuple[str, float, float]],
	lines: list[tuple[str, int, float, str]] | None = None,
	valid_from=None,
	valid_to=None,
	tolerance_percent: float = 0,
	release_horizon_days: int = 7,
	submit: bool = True,
	**fields,
):
	"""`items` are (item_code, agreed_qty, rate); `lines` are (item_code, days from today, qty, type)."""
	doc = frappe.get_doc(
		{
			"doctype": "Scheduling Agreement",
			"customer": customer,
			"company": factories.company(),
			"currency": factories.CURRENCY,
			"selling_price_list": factories.price_list(),
			"valid_from": valid_from or today(),
			"valid_to": valid_to or in_days(180),
			"tolerance_percent": tolerance_percent,
			"release_horizon_days": release_horizon_days,
			"items": [
				{"item_code": code, "agreed_qty": qty, "rate": rate, "warehouse": factories.warehouse()}
				for code, qty, rate in items
			],
			"schedule": [
				{"item_code": code, "schedule_date": in_days(offset), "qty": qty, "line_type": line_type}
				for code, offset, qty, line_type in (lines or [])
			],
			**fields,
		}
	)
	doc.insert()
	if submit:
		doc.submit()
	return doc


def release_lines(*lines: tuple[str, int, float, str]) -> list[dict]:
	"""(item_code, days from today, qty, type) -> the REST shape of release lines."""
	return [
		{"item_code": code, "schedule_date": str(in_days(offset)), "qty": qty, "line_type": line_type}
		for code, offset, qty, line_type in lines
	]


def item_cumulatives(agreement_name: str) -> dict[str, tuple[float, float, float]]:
	"""item_code -> (released, delivered, billed), as stored."""
	return {
		row.item_code: (flt(row.released_qty), flt(row.delivered_qty), flt(row.billed_qty))
		for row in frappe.get_all(
			"Scheduling Agreement Item",
			filters={"parent": agreement_name},
			fields=["item_code", "released_qty", "delivered_qty", "billed_qty"],
		)
	}


def schedule(agreement_name: str) -> list[frappe._dict]:
	"""The agreement's schedule lines as stored, read as the app reads them."""
	return schedule_rows(agreement_name)


def line_states(agreement_name: str) -> dict[tuple[str, object], tuple]:
	"""(item_code, schedule_date) -> (status, released, delivered, billed) of each line."""
	return {
		(row.item_code, getdate(row.schedule_date)): (
			row.status,
			flt(row.released_qty),
			flt(row.delivered_qty),
			flt(row.billed_qty),
		)
		for row in schedule(agreement_name)
	}


def agreement_status(agreement_name: str) -> str:
	return frappe.db.get_value("Scheduling Agreement", agreement_name, "status")


def orders_of(agreement_name: str, docstatus: int = 1) -> list[str]:
	return frappe.get_all(
		"Sales Order",
		filters={"scheduling_agreement": agreement_name, "docstatus": docstatus},
		pluck="name",
		order_by="delivery_date asc, name asc",
	)


def count_rows(doctype: str, **filters) -> int:
	return frappe.db.count(doctype, filters)
