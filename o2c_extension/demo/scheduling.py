"""The demo's scheduling agreements: two customers' yearly agreements with Firm and Forecast
lines, a customer release that moved and changed lines, and the call-off of what is due (one
order delivered and billed)."""

from __future__ import annotations

import frappe
from frappe.utils import add_days, nowdate

from o2c_extension.demo import selling
from o2c_extension.demo.masters import COMPANY, PRICE_LISTS

# (customer language, customer_reference, [(item index, agreed qty, customer item code)])
AGREEMENTS = (
	("de", "RW-LA-2027-001", [(0, 2400, "RW-4711-BS"), (1, 3600, "RW-4712-BB")]),
	("lt", "BD-FA-2027-07", [(2, 900, "BD-HUB-09"), (3, 1800, "BD-ABS-11")]),
)
# (days from today, item index in the agreement, qty, line type)
SCHEDULE = (
	(1, 0, 120, "Firm"),
	(3, 1, 80, "Firm"),
	(10, 0, 150, "Firm"),
	(35, 0, 200, "Forecast"),
	(35, 1, 220, "Forecast"),
	(70, 1, 260, "Forecast"),
)
# the customer's release: line 10 days out moved to 12 and raised, one forecast more
RELEASE = (
	(1, 0, 120, "Firm"),
	(3, 1, 80, "Firm"),
	(12, 0, 180, "Firm"),
	(35, 0, 200, "Forecast"),
	(42, 1, 240, "Forecast"),
	(70, 1, 260, "Forecast"),
	(98, 0, 300, "Forecast"),
)


def build(world) -> list[str]:
	names = []
	for language, reference, lines in AGREEMENTS:
		customer = world.customers[language]
		name = frappe.db.get_value(
			"Scheduling Agreement",
			{"company": COMPANY, "customer_reference": reference, "docstatus": 1},
			"name",
		)
		if not name:
			name = _agreement(customer, reference, lines, world.item_codes)
			_release(name, reference, lines, world.item_codes)
			_call_off(name)
		names.append(name)
	_deliver_first_call_off(names[0])
	return names


def _item(items, lines, index) -> str:
	return items[lines[index][0]]


def _rows(lines, items, schedule) -> list[dict]:
	return [
		{
			"item_code": _item(items, lines, index),
			"schedule_date": add_days(nowdate(), days),
			"qty": qty,
			"line_type": line_type,
		}
		for days, index, qty, line_type in schedule
	]


def _agreement(customer, reference, lines, items) -> str:
	rates = selling.rates(customer.currency, items)
	doc = frappe.get_doc(
		{
			"doctype": "Scheduling Agreement",
			"customer": customer.name,
			"company": COMPANY,
			"currency": customer.currency,
			"selling_price_list": PRICE_LISTS[customer.currency],
			"customer_reference": reference,
			"valid_from": add_days(nowdate(), -30),
			"valid_to": add_days(nowdate(), 335),
			"release_horizon_days": 14,
			"tolerance_percent": 5,
			"items": [
				{
					"item_code": items[index],
					"customer_item_code": customer_code,
					"agreed_qty": qty,
					"rate": rates[items[index]],
					"warehouse": selling.WAREHOUSE,
				}
				for index, qty, customer_code in lines
			],
			"schedule": _rows(lines, items, SCHEDULE),
		}
	)
	if not frappe.get_meta("Scheduling Agreement Item").has_field("customer_item_code"):
		for row in doc.items:
			row.customer_item_code = None
	doc.insert(ignore_permissions=True)
	doc.submit()
	return doc.name


def _release(agreement: str, reference: str, lines, items) -> None:
	from o2c_extension.scheduling import release

	release_no = f"{reference}/R1"
	if frappe.db.exists("Schedule Release", {"scheduling_agreement": agreement, "release_no": release_no}):
		return
	release.import_release(
		agreement,
		release_no,
		nowdate(),
		lines=[{**row, "schedule_date": str(row["schedule_date"])} for row in _rows(lines, items, RELEASE)],
	)


def _call_off(agreement: str) -> None:
	from o2c_extension.scheduling.call_off import call_off

	call_off([agreement])


def _deliver_first_call_off(agreement: str) -> None:
	"""The earliest call-off order of the agreement is delivered and billed (once)."""
	from erpnext.selling.doctype.sales_order.sales_order import make_delivery_note
	from erpnext.stock.doctype.delivery_note.delivery_note import make_sales_invoice

	order = frappe.db.get_value(
		"Sales Order Item",
		{"scheduling_agreement": agreement, "docstatus": 1},
		"parent",
		order_by="delivery_date asc",
	)
	if not order or frappe.db.exists("Delivery Note Item", {"against_sales_order": order, "docstatus": 1}):
		return
	if frappe.db.get_value("Sales Order", order, "status") == "On Hold":
		return
	note = make_delivery_note(order)
	note.insert(ignore_permissions=True)
	note.submit()
	invoice = make_sales_invoice(note.name)
	invoice.insert(ignore_permissions=True)
	invoice.submit()
