"""What the demo's selling documents (Sales Orders, Sales Invoices, Scheduling Agreements) share:
the price of each item in the customer's price list and the commercial header of a document made
for a demo customer in the demo company."""

from __future__ import annotations

import frappe

from o2c_extension.demo.masters import ABBR, COMPANY, PRICE_LISTS, USD_RATE

WAREHOUSE = f"Stores - {ABBR}"


def rates(currency: str, item_codes: list[str]) -> dict[str, float]:
	"""Each item's rate in the demo price list of `currency` (one query)."""
	return dict(
		frappe.get_all(
			"Item Price",
			filters={"price_list": PRICE_LISTS[currency], "item_code": ("in", item_codes)},
			fields=["item_code", "price_list_rate"],
			as_list=True,
		)
	)


def header(customer) -> dict:
	"""The customer, company, currency and its rates, price list, payment terms and warehouse of a
	Sales Order or Sales Invoice for a demo customer."""
	return {
		"customer": customer.name,
		"company": COMPANY,
		"currency": customer.currency,
		"conversion_rate": USD_RATE if customer.currency == "USD" else 1.0,
		"selling_price_list": PRICE_LISTS[customer.currency],
		"plc_conversion_rate": 1.0,
		"payment_terms_template": frappe.db.get_value("Customer", customer.name, "payment_terms"),
		"set_warehouse": WAREHOUSE,
	}
