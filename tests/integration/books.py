"""A test world shaped like real books, shared by every test file that needs more than one currency.

On top of `factories` (the USD test company, items with stock, a price list), it adds what ERPNext
books have in practice:

- a second currency (EUR, at `EUR_RATE` USD) and customers billed in it whose receivable account
  is in EUR (`eur_customer`), next to customers billed in EUR through the company-currency
  receivable account (`eur_customer(eur_receivable=False)`);
- a sales taxes template (`TAX_RATE` % on the net total), additional discounts, a payment terms
  template with three instalments (40 % now, 30 % after 30 days, 30 % after 60 days);
- a POS profile and paid-on-the-spot POS invoices, partial and full returns (credit notes and
  delivery returns), advance payments against a Sales Order;
- a second company, and a user restricted to the first one by a User Permission.

Every document goes through ERPNext's own controllers and mappers. Masters are get-or-create; the
conftest restores the database after the run.
"""

from __future__ import annotations

import frappe
from frappe.utils import add_days, flt, nowdate, nowtime

from tests.integration import factories

FOREIGN_CURRENCY = "EUR"
EUR_RATE = 1.1  # 1 EUR = 1.1 USD, from 2000 on (no exchange-rate service is reached)
TAX_RATE = 10.0
TERMS_TEMPLATE = "_O2C 40-30-30"
INSTALMENTS = ((40.0, 0), (30.0, 30), (30.0, 60))  # (invoice portion %, credit days)
SECOND_COMPANY = "_O2C Second Company"
SECOND_ABBR = "_OT2"
POS_PROFILE = "_O2C POS"
RESTRICTED_USER = "_o2c.books.first-company@example.com"


def abbr(company: str) -> str:
	return frappe.get_cached_value("Company", company, "abbr")


def world() -> frappe._dict:
	"""Every master of the world, made once; returns their names."""
	company = factories.company()
	factories.ensure_fiscal_year(nowdate())
	exchange_rates()
	second = factories.company(SECOND_COMPANY, SECOND_ABBR)
	return frappe._dict(
		company=company,
		second_company=second,
		eur_receivable=eur_receivable_account(company),
		tax_template=tax_template(company),
		second_tax_template=tax_template(second),
		terms_template=terms_template(),
		pos_profile=pos_profile(company),
		restricted_user=restricted_user(company),
	)


def exchange_rates() -> None:
	for from_currency, to_currency, rate in (("EUR", "USD", EUR_RATE), ("USD", "EUR", 1 / EUR_RATE)):
		filters = {"from_currency": from_currency, "to_currency": to_currency, "date": "2000-01-01"}
		if not frappe.db.exists("Currency Exchange", filters):
			frappe.get_doc(
				{
					"doctype": "Currency Exchange",
					**filters,
					"exchange_rate": rate,
					"for_selling": 1,
					"for_buying": 1,
				}
			).insert()
	if not frappe.db.get_value("Currency", FOREIGN_CURRENCY, "enabled"):
		frappe.db.set_value("Currency", FOREIGN_CURRENCY, "enabled", 1)


def eur_receivable_account(company: str) -> str:
	"""A receivable account in EUR under the company's Accounts Receivable group."""
	parent = frappe.db.get_value(
		"Account", {"company": company, "account_type": "Receivable", "is_group": 0}, "parent_account"
	)
	return _account(
		company, "_O2C Debtors EUR", parent, account_type="Receivable", account_currency=FOREIGN_CURRENCY
	)


def _account(company: str, account_name: str, parent: str, **fields) -> str:
	"""A ledger account of the company under `parent`, made once."""
	name = f"{account_name} - {abbr(company)}"
	if not frappe.db.exists("Account", name):
		frappe.get_doc(
			{
				"doctype": "Account",
				"account_name": account_name,
				"company": company,
				"parent_account": parent,
				**fields,
			}
		).insert()
	return name


def tax_template(company: str) -> str:
	"""`TAX_RATE` % VAT on the net total, into a Duties and Taxes account of the company."""
	parent = frappe.db.get_value(
		"Account", {"company": company, "account_name": "Duties and Taxes", "is_group": 1}, "name"
	)
	account = _account(company, "_O2C VAT", parent, account_type="Tax", tax_rate=TAX_RATE)
	name = f"_O2C VAT {int(TAX_RATE)}% - {abbr(company)}"
	if not frappe.db.exists("Sales Taxes and Charges Template", name):
		frappe.get_doc(
			{
				"doctype": "Sales Taxes and Charges Template",
				"title": f"_O2C VAT {int(TAX_RATE)}%",
				"company": company,
				"taxes": [
					{
						"charge_type": "On Net Total",
						"account_head": account,
						"description": "VAT",
						"rate": TAX_RATE,
						"cost_center": frappe.get_cached_value("Company", company, "cost_center"),
					}
				],
			}
		).insert()
	return name


def terms_template() -> str:
	"""Three instalments: 40 % on the invoice date, 30 % after 30 days, 30 % after 60 days."""
	if frappe.db.exists("Payment Terms Template", TERMS_TEMPLATE):
		return TERMS_TEMPLATE
	rows = []
	for portion, days in INSTALMENTS:
		term = f"_O2C {int(portion)}% {days}d"
		if not frappe.db.exists("Payment Term", term):
			frappe.get_doc(
				{
					"doctype": "Payment Term",
					"payment_term_name": term,
					"invoice_portion": portion,
					"due_date_based_on": "Day(s) after invoice date",
					"credit_days": days,
				}
			).insert()
		rows.append(
			{
				"payment_term": term,
				"invoice_portion": portion,
				"due_date_based_on": "Day(s) after invoice date",
				"credit_days": days,
			}
		)
	frappe.get_doc(
		{"doctype": "Payment Terms Template", "template_name": TERMS_TEMPLATE, "terms": rows}
	).insert()
	return TERMS_TEMPLATE


def pos_profile(company: str) -> str:
	"""A POS profile paying in Cash into the company's cash account."""
	cash = frappe.get_cached_value("Company", company, "default_cash_account")
	mode = frappe.get_doc("Mode of Payment", "Cash")
	if not any(row.company == company for row in mode.accounts):
		mode.append("accounts", {"company": company, "default_account": cash})
		mode.save()
	if not frappe.db.exists("POS Profile", POS_PROFILE):
		frappe.get_doc(
			{
				"doctype": "POS Profile",
				"name": POS_PROFILE,
				"company": company,
				"currency": factories.CURRENCY,
				"warehouse": factories.warehouse(),
				"selling_price_list": factories.price_list(),
				"cost_center": frappe.get_cached_value("Company", company, "cost_center"),
				"write_off_account": frappe.get_cached_value("Company", company, "write_off_account") or cash,
				"write_off_cost_center": frappe.get_cached_value("Company", company, "cost_center"),
				"payments": [{"mode_of_payment": "Cash", "default": 1}],
			}
		).insert()
	return POS_PROFILE


def restricted_user(company: str, email: str = RESTRICTED_USER, roles=None) -> str:
	"""A sales and accounts user allowed for `company` only (a User Permission on Company)."""
	factories.user(
		email, roles or ["Sales User", "Sales Manager", "Accounts User", "Stock User", "Collections Agent"]
	)
	restrict_to_company(email, company)
	return email


def restrict_to_company(user: str, company: str) -> None:
	if not frappe.db.exists("User Permission", {"user": user, "allow": "Company", "for_value": company}):
		frappe.get_doc(
			{
				"doctype": "User Permission",
				"user": user,
				"allow": "Company",
				"for_value": company,
				"apply_to_all_doctypes": 1,
			}
		).insert(ignore_permissions=True)


# --- customers --------------------------------------------------------------------------------


def eur_customer(name: str | None = None, eur_receivable: bool = True, **fields) -> str:
	"""A customer billed in EUR; with `eur_receivable` its receivable account is in EUR too (else
	ERPNext books its invoices on the company-currency debtors account)."""
	world()
	name = name or f"_O2C EUR Customer {frappe.generate_hash(length=6)}"
	accounts = []
	if eur_receivable:
		accounts = [{"company": factories.company(), "account": eur_receivable_account(factories.company())}]
	else:
		# ERPNext's Accounts Settings switch for billing in any currency on one debtors account
		frappe.db.set_single_value(
			"Accounts Settings", "allow_multi_currency_invoices_against_single_party_account", 1
		)
	return factories.customer(name, default_currency=FOREIGN_CURRENCY, accounts=accounts, **fields)


# --- documents --------------------------------------------------------------------------------


def _commercial_fields(
	customer: str,
	company: str | None,
	currency: str | None,
	taxes: bool,
	discount_percent: float | None,
	terms: bool,
) -> dict:
	"""Header fields every sales document of the world shares: currency and rates, the tax
	template with its rows, an additional discount on the net total, the three instalments."""
	world()
	company = company or factories.company()
	currency = currency or frappe.db.get_value("Customer", customer, "default_currency") or factories.CURRENCY
	company_currency = frappe.get_cached_value("Company", company, "default_currency")
	rate = 1.0 if currency == company_currency else (EUR_RATE if currency == "EUR" else 1 / EUR_RATE)
	fields = {
		"company": company,
		"currency": currency,
		"conversion_rate": rate,
		"selling_price_list": factories.price_list(),
		"plc_conversion_rate": 1.0,
	}
	if taxes:
		template = tax_template(company)
		fields["taxes_and_charges"] = template
		fields["taxes"] = [
			{
				"charge_type": row.charge_type,
				"account_head": row.account_head,
				"description": row.description,
				"rate": row.rate,
				"cost_center": row.cost_center,
			}
			for row in frappe.get_doc("Sales Taxes and Charges Template", template).taxes
		]
	if discount_percent:
		fields["apply_discount_on"] = "Net Total"
		fields["additional_discount_percentage"] = discount_percent
	if terms:
		fields["payment_terms_template"] = terms_template()
	return fields


def _warehouse(company: str) -> str:
	return f"Stores - {abbr(company)}"


def sales_order(
	customer: str,
	items: list[tuple[str, float, float]],
	*,
	company: str | None = None,
	currency: str | None = None,
	taxes: bool = True,
	discount_percent: float | None = 5.0,
	terms: bool = True,
	transaction_date=None,
	submit: bool = True,
	**fields,
):
	"""A Sales Order with taxes, an additional discount and three instalments unless told otherwise;
	`items` is a list of (item_code, qty, rate) in the order's currency."""
	header = _commercial_fields(customer, company, currency, taxes, discount_percent, terms)
	transaction_date = transaction_date or nowdate()
	delivery_date = add_days(transaction_date, 7)
	warehouse = _warehouse(header["company"])
	doc = frappe.get_doc(
		{
			"doctype": "Sales Order",
			"customer": customer,
			**header,
			"transaction_date": transaction_date,
			"delivery_date": delivery_date,
			"set_warehouse": warehouse,
			"items": [
				{
					"item_code": code,
					"qty": qty,
					"rate": rate,
					"warehouse": warehouse,
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


def sales_invoice(
	customer: str,
	items: list[tuple[str, float, float]],
	*,
	company: str | None = None,
	currency: str | None = None,
	taxes: bool = True,
	discount_percent: float | None = 5.0,
	terms: bool = True,
	posting_date=None,
	update_stock: bool = False,
	submit: bool = True,
	**fields,
):
	"""A direct Sales Invoice with taxes, an additional discount and three instalments (due on
	`posting_date`, +30 and +60 days) unless told otherwise."""
	header = _commercial_fields(customer, company, currency, taxes, discount_percent, terms)
	posting_date = posting_date or nowdate()
	factories.ensure_fiscal_year(posting_date)
	warehouse = _warehouse(header["company"])
	doc = frappe.get_doc(
		{
			"doctype": "Sales Invoice",
			"customer": customer,
			**header,
			"posting_date": posting_date,
			"set_posting_time": 1,
			"update_stock": 1 if update_stock else 0,
			"set_warehouse": warehouse,
			"items": [
				{"item_code": code, "qty": qty, "rate": rate, "warehouse": warehouse}
				for code, qty, rate in items
			],
			**fields,
		}
	)
	if not terms:
		doc.due_date = fields.get("due_date") or posting_date
	doc.insert()
	if submit:
		doc.submit()
	return doc


def pos_invoice(customer: str, items: list[tuple[str, float, float]], posting_date=None, submit=True):
	"""A Sales Invoice paid on the spot through the POS profile (is_pos, paid in Cash in full)."""
	doc = sales_invoice(
		customer,
		items,
		terms=False,
		currency=factories.CURRENCY,
		posting_date=posting_date,
		update_stock=True,
		submit=False,
		is_pos=1,
		pos_profile=pos_profile(factories.company()),
	)
	doc.set("payments", [{"mode_of_payment": "Cash", "amount": doc.rounded_total or doc.grand_total}])
	doc.save()
	if submit:
		doc.submit()
	return doc


def advance_for_order(order_name: str, amount: float | None = None, submit: bool = True):
	"""An advance Payment Entry received against a Sales Order (ERPNext's Create › Payment)."""
	from erpnext.accounts.doctype.payment_entry.payment_entry import get_payment_entry

	entry = get_payment_entry("Sales Order", order_name, party_amount=amount)
	entry.reference_no = f"O2C-ADV-{frappe.generate_hash(length=8)}"
	entry.reference_date = entry.posting_date
	entry.insert()
	if submit:
		entry.submit()
	return entry


def partial_return(invoice_name: str, qty_factor: float = 0.5, submit: bool = True):
	"""A credit note returning `qty_factor` of each line of a submitted Sales Invoice."""
	from erpnext.accounts.doctype.sales_invoice.sales_invoice import make_sales_return

	return _return(make_sales_return(invoice_name), qty_factor, submit)


def delivery_return(delivery_note: str, qty_factor: float = 1.0, submit: bool = True):
	"""A return of `qty_factor` of each line of a submitted Delivery Note."""
	from erpnext.stock.doctype.delivery_note.delivery_note import make_sales_return

	return _return(make_sales_return(delivery_note), qty_factor, submit)


def _return(doc, qty_factor: float, submit: bool):
	"""A return made by ERPNext's mapper, each line's quantity scaled by `qty_factor`."""
	for row in doc.items:
		row.qty = flt(row.qty * qty_factor, row.precision("qty"))
	# posted now (the test's clock, frozen or not): ERPNext's mapper copies the source's date
	doc.set_posting_time = 1
	doc.posting_date, doc.posting_time = nowdate(), nowtime()
	doc.insert()
	if submit:
		doc.submit()
	return doc


def standalone_delivery(customer: str, items: list[tuple[str, float, float]], submit=True, **fields):
	"""A Delivery Note not made from an order, with taxes and an additional discount."""
	header = _commercial_fields(customer, None, None, True, 5.0, False)
	doc = frappe.get_doc(
		{
			"doctype": "Delivery Note",
			"customer": customer,
			**header,
			"set_warehouse": factories.warehouse(),
			"items": [
				{"item_code": code, "qty": qty, "rate": rate, "warehouse": factories.warehouse()}
				for code, qty, rate in items
			],
			**fields,
		}
	)
	doc.insert()
	if submit:
		doc.submit()
	return doc


# --- ERPNext's own figures ----------------------------------------------------------------------


def erpnext_figures(customer: str, company: str | None = None) -> frappe._dict:
	"""What ERPNext itself says a customer owes, in company currency: the General Ledger balance
	(the receivables `get_customer_outstanding` and the Accounts Receivable report add up), the
	unbilled share of open Sales Orders and of Delivery Notes not made from an order, as
	`get_customer_outstanding` computes them."""
	from erpnext.selling.doctype.customer.customer import get_customer_outstanding

	company = company or factories.company()
	ledger = flt(
		frappe.db.sql(
			"""select sum(debit) - sum(credit) from `tabGL Entry`
			where party_type = 'Customer' and party = %s and company = %s and is_cancelled = 0""",
			(customer, company),
		)[0][0]
	)
	with_orders = flt(get_customer_outstanding(customer, company))
	without_orders = flt(get_customer_outstanding(customer, company, ignore_outstanding_sales_order=True))
	return frappe._dict(
		receivables=flt(ledger, 2),
		open_orders=flt(with_orders - without_orders, 2),
		unbilled_deliveries=flt(without_orders - ledger, 2),
		total=flt(with_orders, 2),
	)


def accounts_receivable(customer: str, company: str | None = None) -> list[frappe._dict]:
	"""ERPNext's Accounts Receivable report for one customer, based on payment terms."""
	from erpnext.accounts.report.accounts_receivable.accounts_receivable import execute

	company = company or factories.company()
	_columns, rows, *_ = execute(
		frappe._dict(
			company=company,
			report_date=nowdate(),
			party_type="Customer",
			party=[customer],
			ageing_based_on="Due Date",
			range="30, 60, 90, 120",
			based_on_payment_terms=1,
		)
	)
	return [frappe._dict(row) for row in rows if isinstance(row, dict) and row.get("voucher_no")]
