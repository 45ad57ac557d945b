"""The demo's credit control: a company-wide policy for the key accounts, a tighter one for the
Russian customer, and the orders it decided: one over its limit held and released by the Credit
Manager, one held for an invoice overdue too long, still Pending, and one that passed."""

from __future__ import annotations

import frappe
from frappe.utils import add_days, nowdate

from o2c_extension.demo import selling
from o2c_extension.demo.masters import COMPANY

POLICIES = (
	# (customer language, or None for all customers; limit; max overdue days)
	(None, 250000, 90),
	("ru", 15000, 60),
)
# (language, [(item index, qty)], decision)
ORDERS = (
	("ru", [(2, 400)], "release"),
	("bg", [(1, 100)], None),
	("de", [(0, 20)], None),
)
RELEASE_COMMENT = "Advance payment of 10,000 USD confirmed by the bank; released for this order only."


def policies(world) -> list[str]:
	names = []
	for language, limit, overdue_days in POLICIES:
		customer = world.customers[language].name if language else None
		scope = (
			{"applies_to": "Customer", "customer": customer}
			if customer
			else {"applies_to": ("is", "not set")}
		)
		name = frappe.db.get_value("Credit Policy", {"company": COMPANY, **scope}, "name")
		if not name:
			doc = frappe.get_doc(
				{
					"doctype": "Credit Policy",
					"company": COMPANY,
					"applies_to": "Customer" if language else "",
					"customer": customer,
					"credit_limit": limit,
					"tolerance_percent": 5,
					"max_overdue_days": overdue_days,
					"check_on_quotation": 1,
					"check_on_sales_order": 1,
				}
			).insert(ignore_permissions=True)
			name = doc.name
		names.append(name)
	return names


def orders(world) -> list[str]:
	names = []
	for language, lines, decision in ORDERS:
		customer = world.customers[language]
		po_no = f"O2CD-SO-{language.upper()}"
		name = frappe.db.get_value(
			"Sales Order", {"company": COMPANY, "po_no": po_no, "docstatus": 1}, "name"
		)
		if not name:
			name = _order(customer, world, po_no, lines)
			hold = frappe.db.get_value("Sales Order", name, "credit_hold")
			if hold and decision == "release":
				_release(hold, world.users[1])
		names.append(name)
	return names


def _order(customer, world, po_no, lines) -> str:
	rates = selling.rates(customer.currency, world.item_codes)
	delivery_date = add_days(nowdate(), 14)
	doc = frappe.get_doc(
		{
			"doctype": "Sales Order",
			**selling.header(customer),
			"transaction_date": nowdate(),
			"delivery_date": delivery_date,
			"po_no": po_no,
			"items": [
				{
					"item_code": world.item_codes[index],
					"qty": qty,
					"rate": rates[world.item_codes[index]],
					"delivery_date": delivery_date,
					"warehouse": selling.WAREHOUSE,
				}
				for index, qty in lines
			],
		}
	)
	doc.insert(ignore_permissions=True)
	doc.submit()
	return doc.name


def _release(hold: str, manager: str) -> None:
	from o2c_extension.credit_control import holds

	user = frappe.session.user
	frappe.set_user(manager)
	try:
		holds.release(hold, RELEASE_COMMENT)
	finally:
		frappe.set_user(user)
