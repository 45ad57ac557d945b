"""Test data the suite makes for itself: a company, customers, items with stock, a price list,
users, and the ERPNext documents of the order-to-cash cycle.

Everything is created through ERPNext's own documents and mappers, never by writing tables, so
the app's hooks fire exactly as they do for a user. Masters are get-or-create so a test can ask
for them freely; the conftest restores the database after the run.
"""

import frappe
from frappe.utils import add_days, flt, getdate, nowdate

COMPANY = "_O2C Test Company"
ABBR = "_OTC"
CURRENCY = "USD"
PRICE_LIST = "_O2C Selling"


def company(name: str = COMPANY, abbr: str = ABBR) -> str:
	"""The test company (bench/datagen.py makes its benchmark companies with this too)."""
	if not frappe.db.exists("Company", name):
		frappe.get_doc(
			{
				"doctype": "Company",
				"company_name": name,
				"abbr": abbr,
				"default_currency": CURRENCY,
				"country": "United States",
				"create_chart_of_accounts_based_on": "Standard Template",
				"chart_of_accounts": "Standard",
			}
		).insert()
	return name


def warehouse() -> str:
	return f"Stores - {ABBR}"


def ensure_fiscal_year(date) -> None:
	"""Frozen-date tests may walk outside the current fiscal year."""
	year = getdate(date).year
	name = str(year)
	if frappe.db.exists("Fiscal Year", {"year_start_date": ("<=", date), "year_end_date": (">=", date)}):
		return
	frappe.get_doc(
		{
			"doctype": "Fiscal Year",
			"year": name if not frappe.db.exists("Fiscal Year", name) else f"{name}-O2C",
			"year_start_date": f"{year}-01-01",
			"year_end_date": f"{year}-12-31",
		}
	).insert()


def price_list(name: str = PRICE_LIST) -> str:
	if not frappe.db.exists("Price List", name):
		frappe.get_doc(
			{
				"doctype": "Price List",
				"price_list_name": name,
				"currency": CURRENCY,
				"selling": 1,
				"enabled": 1,
			}
		).insert()
	return name


def customer(name: str | None = None, **fields) -> str:
	name = name or f"_O2C Customer {frappe.generate_hash(length=6)}"
	if not frappe.db.exists("Customer", name):
		frappe.get_doc(
			{
				"doctype": "Customer",
				"customer_name": name,
				"customer_type": "Company",
				"customer_group": frappe.db.get_single_value("Selling Settings", "customer_group")
				or "All Customer Groups",
				"territory": frappe.db.get_single_value("Selling Settings", "territory") or "All Territories",
				"default_currency": CURRENCY,
				**fields,
				"default_price_list": fields.get("default_price_list") or price_list(),
			}
		).insert()
	return name


def item(code: str | None = None, stock_qty: float = 1000, rate: float = 100, **fields) -> str:
	"""A stock item with `stock_qty` received into the test warehouse and a selling price."""
	code = code or f"_O2C-ITEM-{frappe.generate_hash(length=6).upper()}"
	if frappe.db.exists("Item", code):
		return code
	company()
	priced_item(
		code,
		rate,
		price_list(),
		item_defaults=[{"company": COMPANY, "default_warehouse": warehouse()}],
		**fields,
	)
	if stock_qty:
		receive_stock(code, stock_qty, flt(rate) / 2)
	return code


def priced_item(code: str, rate: float, selling_price_list: str, **fields) -> str:
	"""A new stock item (unless `fields` say otherwise) valued at half its selling `rate`, with that
	rate in `selling_price_list` (bench/datagen.py makes its items with this too)."""
	frappe.get_doc(
		{
			"doctype": "Item",
			"item_code": code,
			"item_name": code,
			"item_group": "Products" if frappe.db.exists("Item Group", "Products") else "All Item Groups",
			"stock_uom": "Nos",
			"is_stock_item": 1,
			"valuation_rate": flt(rate) / 2,
			**fields,
		}
	).insert()
	frappe.get_doc(
		{
			"doctype": "Item Price",
			"item_code": code,
			"price_list": selling_price_list,
			"price_list_rate": rate,
		}
	).insert()
	return code


def receive_stock(item_code: str, qty: float, rate: float, posting_date=None) -> None:
	entry = frappe.get_doc(
		{
			"doctype": "Stock Entry",
			"stock_entry_type": "Material Receipt",
			"company": company(),
			"posting_date": posting_date or nowdate(),
			"set_posting_time": 1,
			"items": [{"item_code": item_code, "qty": qty, "basic_rate": rate, "t_warehouse": warehouse()}],
		}
	)
	entry.insert()
	entry.submit()


# The role of a desk user who holds no role that matters here ("no role"): one the test world makes
# and no DocType grants anything, since Frappe's own roles come and go (v16 has no Blogger).
OUTSIDER_ROLE = "_O2C Test Outsider"


def user(email: str, roles: list[str]) -> str:
	"""A desk user holding exactly `roles` (plus what every desk user has)."""
	if OUTSIDER_ROLE in roles and not frappe.db.exists("Role", OUTSIDER_ROLE):
		frappe.get_doc({"doctype": "Role", "role_name": OUTSIDER_ROLE, "desk_access": 1}).insert(
			ignore_permissions=True
		)
	if not frappe.db.exists("User", email):
		doc = frappe.get_doc(
			{
				"doctype": "User",
				"email": email,
				"first_name": email.split("@")[0],
				"send_welcome_email": 0,
				"user_type": "System User",
			}
		)
		doc.flags.no_welcome_mail = True
		doc.insert(ignore_permissions=True)
	doc = frappe.get_doc("User", email)
	doc.enabled = 1  # a test file that ran before may have retired it (retire_users)
	doc.set("roles", [])
	doc.add_roles(*roles)
	return email


def retire_users(*emails: str) -> None:
	"""Disable users a test committed for a web server: disabled, they stop holding their roles for
	the role-based assignment (ToDos, escalations) of the test files that run after it."""
	for email in emails:
		frappe.db.set_value("User", email, "enabled", 0, update_modified=False)
	frappe.db.commit()


def sales_order(
	customer_name: str,
	items: list[tuple[str, float, float]],
	delivery_date=None,
	submit: bool = True,
	transaction_date=None,
	**fields,
):
	"""`items` is a list of (item_code, qty, rate)."""
	transaction_date = transaction_date or nowdate()
	delivery_date = delivery_date or add_days(transaction_date, 7)
	doc = frappe.get_doc(
		{
			"doctype": "Sales Order",
			"customer": customer_name,
			"company": company(),
			"currency": CURRENCY,
			"selling_price_list": price_list(),
			"transaction_date": transaction_date,
			"delivery_date": delivery_date,
			"set_warehouse": warehouse(),
			"items": [
				{
					"item_code": code,
					"qty": qty,
					"rate": rate,
					"warehouse": warehouse(),
					"delivery_date": delivery_date,
				}
				for code, qty, rate in items
			],
			**fields,
		}
	)
	doc.insert()
	if submit:
		doc.submit()
	return doc


def delivery_note_from_order(order_name: str, submit: bool = True, qty_factor: float = 1.0):
	from erpnext.selling.doctype.sales_order.sales_order import make_delivery_note

	doc = make_delivery_note(order_name)
	for row in doc.items:
		row.qty = flt(row.qty * qty_factor, row.precision("qty"))
	doc.insert()
	if submit:
		doc.submit()
	return doc


def sales_invoice_from_delivery_note(delivery_note: str, submit: bool = True):
	from erpnext.stock.doctype.delivery_note.delivery_note import make_sales_invoice

	doc = make_sales_invoice(delivery_note)
	doc.insert()
	if submit:
		doc.submit()
	return doc


def sales_invoice(
	customer_name: str,
	items: list[tuple[str, float, float]],
	posting_date=None,
	due_date=None,
	submit: bool = True,
	update_stock: bool = False,
	**fields,
):
	"""A direct Sales Invoice; `items` is a list of (item_code, qty, rate)."""
	posting_date = posting_date or nowdate()
	doc = frappe.get_doc(
		{
			"doctype": "Sales Invoice",
			"customer": customer_name,
			"company": company(),
			"currency": CURRENCY,
			"selling_price_list": price_list(),
			"posting_date": posting_date,
			"set_posting_time": 1,
			"due_date": due_date or posting_date,
			"update_stock": 1 if update_stock else 0,
			"set_warehouse": warehouse(),
			"items": [
				{"item_code": code, "qty": qty, "rate": rate, "warehouse": warehouse()}
				for code, qty, rate in items
			],
			**fields,
		}
	)
	doc.insert()
	if submit:
		doc.submit()
	return doc


def payment_for_invoice(invoice_name: str, amount: float | None = None, posting_date=None, submit=True):
	"""A Payment Entry receiving `amount` (default: the whole outstanding) against an invoice."""
	from erpnext.accounts.doctype.payment_entry.payment_entry import get_payment_entry

	entry = get_payment_entry("Sales Invoice", invoice_name, party_amount=amount)
	entry.posting_date = posting_date or nowdate()
	entry.reference_no = f"O2C-{frappe.generate_hash(length=8)}"
	entry.reference_date = entry.posting_date
	entry.insert()
	if submit:
		entry.submit()
	return entry


def credit_note_for_invoice(invoice_name: str, submit: bool = True):
	"""A full return (credit note) against a submitted Sales Invoice."""
	from erpnext.accounts.doctype.sales_invoice.sales_invoice import make_sales_return

	doc = make_sales_return(invoice_name)
	doc.insert()
	if submit:
		doc.submit()
	return doc


def company_ready_to_sell() -> str:
	"""As Administrator: the test company, a fiscal year for today and the app's default
	collections templates, which most hardening tests start from."""
	from o2c_extension.collections import setup

	frappe.set_user("Administrator")
	name = company()
	ensure_fiscal_year(nowdate())
	setup.install_defaults()
	return name


def quotation(customer: str, items: list[tuple[str, float, float]], submit: bool = True):
	"""A quotation for `items` as (item_code, qty, rate), valid 90 days."""
	doc = frappe.get_doc(
		{
			"doctype": "Quotation",
			"quotation_to": "Customer",
			"party_name": customer,
			"company": company(),
			"currency": CURRENCY,
			"selling_price_list": price_list(),
			"transaction_date": nowdate(),
			"valid_till": add_days(nowdate(), 90),
			"items": [{"item_code": code, "qty": qty, "rate": rate} for code, qty, rate in items],
		}
	)
	doc.insert()
	if submit:
		doc.submit()
	return doc
