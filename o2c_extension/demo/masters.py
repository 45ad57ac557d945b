"""The demo's masters: its company with fiscal years and accounts, customers in four countries
and languages billed in EUR or USD, items with stock, price lists, payment terms and users.
Every one is get-or-create; what lies outside the company is remembered in `registry`."""

from __future__ import annotations

import frappe
from frappe.utils import add_days, getdate, nowdate

from o2c_extension.demo.registry import get_or_create, remember

COMPANY = "O2C Demo"
ABBR = "O2CD"
CURRENCY = "EUR"
USD_RATE = 0.92  # 1 USD in EUR, from RATE_DATE on (no exchange-rate service is asked)
RATE_DATE = "2020-01-01"
PRICE_LISTS = {"EUR": "O2C Demo Selling EUR", "USD": "O2C Demo Selling USD"}
CUSTOMER_GROUP = "O2C Demo Key Accounts"
NET_30 = "O2C Demo Net 30"
SPLIT_TERMS = "O2C Demo 50-50"
VAT = 19.0
HISTORY_DAYS = 170  # the oldest invoice of the demo is this many days old

# (customer_name, country, language, currency, terms)
CUSTOMERS = (
	("Rheinwerk Fahrzeugtechnik GmbH", "Germany", "de", "EUR", NET_30),
	("Sever Avto OOO", "Russian Federation", "ru", "USD", NET_30),
	("Balkan Auto Parts EOOD", "Bulgaria", "bg", "EUR", SPLIT_TERMS),
	("Baltic Drive UAB", "Lithuania", "lt", "EUR", NET_30),
)
# (item_code, item_name, EUR rate)
ITEMS = (
	("O2CD-BRK-100", "Brake disc 320 mm", 48.0),
	("O2CD-PAD-200", "Brake pad set, front axle", 22.5),
	("O2CD-HUB-300", "Wheel hub bearing unit", 76.0),
	("O2CD-SNS-400", "ABS wheel speed sensor", 18.9),
)
# The demo's own collections team: the demo's rule gives its tasks and escalations to this role,
# which only the demo's users hold, so its run never assigns a demo case to another user of the site.
TEAM_ROLE = "O2C Demo Collections Team"
# (email, first name, last name, language, roles)
USERS = (
	(
		"ivan.petrov@o2c-demo.example.com",
		"Ivan",
		"Petrov",
		"ru",
		["Collections Agent", "Collections Manager", "Credit Controller", "Accounts User", "Sales User"],
	),
	(
		"anna.schmidt@o2c-demo.example.com",
		"Anna",
		"Schmidt",
		"de",
		["Credit Controller", "Credit Manager", "Collections Manager", "Accounts Manager", "Sales Manager"],
	),
)


def build() -> frappe._dict:
	company()
	fiscal_years()
	exchange_rate()
	price_lists()
	terms_templates()
	customer_group()
	return frappe._dict(
		company=COMPANY,
		usd_receivable=usd_receivable(),
		vat=vat_template(),
		customers={language: customer(*row) for row in CUSTOMERS for language in [row[2]]},
		item_codes=items(),
		users=users(),
	)


def company() -> str:
	if not frappe.db.exists("Company", COMPANY):
		frappe.get_doc(
			{
				"doctype": "Company",
				"company_name": COMPANY,
				"abbr": ABBR,
				"default_currency": CURRENCY,
				"country": "Germany",
				"create_chart_of_accounts_based_on": "Standard Template",
				"chart_of_accounts": "Standard",
			}
		).insert(ignore_permissions=True)
	return COMPANY


def fiscal_years() -> None:
	"""Fiscal years from the oldest demo invoice to a year ahead (ERPNext's are shared)."""
	first, last = getdate(add_days(nowdate(), -HISTORY_DAYS)).year, getdate(add_days(nowdate(), 365)).year
	for year in range(first, last + 1):
		start, end = f"{year}-01-01", f"{year}-12-31"
		if frappe.db.exists("Fiscal Year", {"year_start_date": ("<=", start), "year_end_date": (">=", end)}):
			continue
		name = str(year) if not frappe.db.exists("Fiscal Year", str(year)) else f"{year} O2C Demo"
		get_or_create("Fiscal Year", name, {"year": name, "year_start_date": start, "year_end_date": end})


def exchange_rate() -> None:
	frappe.db.set_value("Currency", "USD", "enabled", 1)
	frappe.db.set_value("Currency", "EUR", "enabled", 1)
	for source, target, rate in (("USD", "EUR", USD_RATE), ("EUR", "USD", round(1 / USD_RATE, 6))):
		filters = {"from_currency": source, "to_currency": target, "date": RATE_DATE}
		get_or_create(
			"Currency Exchange",
			filters,
			{**filters, "exchange_rate": rate, "for_selling": 1, "for_buying": 1},
		)


def price_lists() -> None:
	for currency, name in PRICE_LISTS.items():
		get_or_create(
			"Price List", name, {"price_list_name": name, "currency": currency, "selling": 1, "enabled": 1}
		)


def terms_templates() -> None:
	for term, days, portion in (
		("O2C Demo 30 days", 30, 100),
		("O2C Demo 50% 30 days", 30, 50),
		("O2C Demo 50% 60 days", 60, 50),
	):
		get_or_create(
			"Payment Term",
			term,
			{
				"payment_term_name": term,
				"invoice_portion": portion,
				"due_date_based_on": "Day(s) after invoice date",
				"credit_days": days,
			},
		)
	for template, terms in (
		(NET_30, [("O2C Demo 30 days", 30, 100)]),
		(SPLIT_TERMS, [("O2C Demo 50% 30 days", 30, 50), ("O2C Demo 50% 60 days", 60, 50)]),
	):
		get_or_create(
			"Payment Terms Template",
			template,
			{
				"template_name": template,
				"terms": [
					{
						"payment_term": term,
						"invoice_portion": portion,
						"due_date_based_on": "Day(s) after invoice date",
						"credit_days": days,
					}
					for term, days, portion in terms
				],
			},
		)


def customer_group() -> None:
	get_or_create(
		"Customer Group",
		CUSTOMER_GROUP,
		{"customer_group_name": CUSTOMER_GROUP, "parent_customer_group": "All Customer Groups"},
	)


def _account(account_name: str, parent: str, **fields) -> str:
	name = f"{account_name} - {ABBR}"
	if not frappe.db.exists("Account", name):
		frappe.get_doc(
			{
				"doctype": "Account",
				"account_name": account_name,
				"company": COMPANY,
				"parent_account": parent,
				**fields,
			}
		).insert(ignore_permissions=True)
	return name


def usd_receivable() -> str:
	parent = frappe.db.get_value(
		"Account", {"company": COMPANY, "account_type": "Receivable", "is_group": 0}, "parent_account"
	)
	return _account("Debtors USD", parent, account_type="Receivable", account_currency="USD")


def vat_template() -> str:
	parent = frappe.db.get_value(
		"Account", {"company": COMPANY, "account_name": "Duties and Taxes", "is_group": 1}, "name"
	)
	account = _account("O2C Demo VAT 19%", parent, account_type="Tax", tax_rate=VAT)
	name = f"O2C Demo VAT 19% - {ABBR}"
	if not frappe.db.exists("Sales Taxes and Charges Template", name):
		frappe.get_doc(
			{
				"doctype": "Sales Taxes and Charges Template",
				"title": "O2C Demo VAT 19%",
				"company": COMPANY,
				"taxes": [
					{
						"charge_type": "On Net Total",
						"account_head": account,
						"description": "VAT 19%",
						"rate": VAT,
						"cost_center": frappe.get_cached_value("Company", COMPANY, "cost_center"),
					}
				],
			}
		).insert(ignore_permissions=True)
	return name


def customer(customer_name: str, country: str, language: str, currency: str, terms: str) -> frappe._dict:
	existing = frappe.db.get_value("Customer", {"customer_name": customer_name}, "name")
	if not existing:
		doc = frappe.get_doc(
			{
				"doctype": "Customer",
				"customer_name": customer_name,
				"customer_type": "Company",
				"customer_group": CUSTOMER_GROUP,
				"territory": _territory(country),
				"language": language,
				"default_currency": currency,
				"default_price_list": PRICE_LISTS[currency],
				"payment_terms": terms,
				"accounts": [{"company": COMPANY, "account": usd_receivable()}] if currency == "USD" else [],
			}
		).insert(ignore_permissions=True)
		remember("Customer", doc.name)
		existing = doc.name
		_address_and_contact(doc.name, customer_name, country, language)
	return frappe._dict(name=existing, currency=currency, language=language, country=country)


def _territory(country: str) -> str:
	if frappe.db.exists("Territory", country):
		return country
	root = frappe.db.get_value("Territory", {"is_group": 1, "parent_territory": ("in", ("", None))}, "name")
	return get_or_create(
		"Territory", country, {"territory_name": country, "parent_territory": root or "All Territories"}
	)


def _address_and_contact(customer_name: str, title: str, country: str, language: str) -> None:
	slug = language
	address = frappe.get_doc(
		{
			"doctype": "Address",
			"address_title": title,
			"address_type": "Billing",
			"address_line1": {
				"de": "Industriestraße 12",
				"ru": "ул. Заводская, 5",
				"bg": "бул. Христо Ботев 48",
				"lt": "Savanorių pr. 178",
			}[language],
			"city": {"de": "Köln", "ru": "Nizhny Novgorod", "bg": "Plovdiv", "lt": "Kaunas"}[language],
			"country": country,
			"is_primary_address": 1,
			"links": [{"link_doctype": "Customer", "link_name": customer_name}],
		}
	).insert(ignore_permissions=True)
	remember("Address", address.name)
	contact = frappe.get_doc(
		{
			"doctype": "Contact",
			"first_name": "Accounts Payable",
			"last_name": title,
			"is_billing_contact": 1,
			"email_ids": [{"email_id": f"ap-{slug}@o2c-demo.example.com", "is_primary": 1}],
			"links": [{"link_doctype": "Customer", "link_name": customer_name}],
		}
	).insert(ignore_permissions=True)
	remember("Contact", contact.name)


def items() -> list[str]:
	codes = []
	warehouse = f"Stores - {ABBR}"
	for code, item_name, rate in ITEMS:
		if not frappe.db.exists("Item", code):
			frappe.get_doc(
				{
					"doctype": "Item",
					"item_code": code,
					"item_name": item_name,
					"item_group": "Products"
					if frappe.db.exists("Item Group", "Products")
					else "All Item Groups",
					"stock_uom": "Nos",
					"is_stock_item": 1,
					"valuation_rate": rate / 2,
					"item_defaults": [{"company": COMPANY, "default_warehouse": warehouse}],
				}
			).insert(ignore_permissions=True)
			remember("Item", code)
			for currency, price_list in PRICE_LISTS.items():
				price = frappe.get_doc(
					{
						"doctype": "Item Price",
						"item_code": code,
						"price_list": price_list,
						"price_list_rate": rate if currency == "EUR" else round(rate / USD_RATE, 2),
					}
				).insert(ignore_permissions=True)
				remember("Item Price", price.name)
		codes.append(code)
	_opening_stock(codes, warehouse)
	return codes


def _opening_stock(codes: list[str], warehouse: str) -> None:
	if frappe.db.exists(
		"Stock Entry", {"company": COMPANY, "docstatus": 1, "stock_entry_type": "Material Receipt"}
	):
		return
	rates = {code: rate for code, _name, rate in ITEMS}
	entry = frappe.get_doc(
		{
			"doctype": "Stock Entry",
			"stock_entry_type": "Material Receipt",
			"company": COMPANY,
			"posting_date": add_days(nowdate(), -HISTORY_DAYS - 5),
			"set_posting_time": 1,
			"remarks": "O2C demo: opening stock",
			"items": [
				{"item_code": code, "qty": 5000, "basic_rate": rates[code] / 2, "t_warehouse": warehouse}
				for code in codes
			],
		}
	)
	entry.insert(ignore_permissions=True)
	entry.submit()


def users() -> list[str]:
	"""The demo's users, in its collections team and restricted to the demo company (a User
	Permission, their default): they see the demo's figures and documents, not the site's."""
	get_or_create("Role", TEAM_ROLE, {"role_name": TEAM_ROLE, "desk_access": 1})
	emails = []
	for email, first_name, last_name, language, roles in USERS:
		if not frappe.db.exists("User", email):
			doc = frappe.get_doc(
				{
					"doctype": "User",
					"email": email,
					"first_name": first_name,
					"last_name": last_name,
					"language": language,
					"send_welcome_email": 0,
					"user_type": "System User",
				}
			)
			doc.flags.no_welcome_mail = True
			doc.insert(ignore_permissions=True)
			doc.add_roles(*roles)
			remember("User", email)
		if TEAM_ROLE not in frappe.get_roles(email):
			frappe.get_doc("User", email).add_roles(TEAM_ROLE)
		permission = {"user": email, "allow": "Company", "for_value": COMPANY}
		get_or_create(
			"User Permission", permission, {**permission, "apply_to_all_doctypes": 1, "is_default": 1}
		)
		# their desk opens on the demo company (workspace cards and charts read the user's default)
		if frappe.defaults.get_user_default("company", email) != COMPANY:
			frappe.defaults.set_user_default("company", COMPANY, email)
		emails.append(email)
	return emails
