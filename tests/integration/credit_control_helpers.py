"""Test data for the Credit Control tests: policies, ERPNext credit limits, users."""

import frappe
from frappe.utils import add_days, nowdate

from tests.integration import factories

CONTROLLER = "_o2c.credit.controller@example.com"
SALES_USER = "_o2c.credit.sales@example.com"


def credit_policy(customer=None, customer_group=None, **fields):
	doc = frappe.get_doc(
		{
			"doctype": "Credit Policy",
			"company": factories.company(),
			"customer": customer,
			"customer_group": customer_group,
			**fields,
		}
	)
	doc.insert()
	return doc


def erpnext_credit_limit(customer: str, limit: float, bypass_at_sales_order: bool = False) -> None:
	"""The ERPNext Customer Credit Limit row for the test company."""
	doc = frappe.get_doc("Customer", customer)
	doc.set("credit_limits", [])
	doc.append(
		"credit_limits",
		{
			"company": factories.company(),
			"credit_limit": limit,
			"bypass_credit_limit_check": 1 if bypass_at_sales_order else 0,
		},
	)
	doc.save()


def controller() -> str:
	return factories.user(CONTROLLER, ["Credit Controller", "Sales User", "Accounts User"])


def sales_user() -> str:
	return factories.user(SALES_USER, ["Sales User", "Sales Manager", "Accounts User", "Stock User"])


def overdue_invoice(customer: str, item: str, amount: float, days_overdue: int):
	"""A submitted invoice whose due date passed `days_overdue` days ago."""
	posting = add_days(nowdate(), -days_overdue - 1)
	factories.ensure_fiscal_year(posting)
	return factories.sales_invoice(
		customer, [(item, 1, amount)], posting_date=posting, due_date=add_days(nowdate(), -days_overdue)
	)


def hold_of(order_name: str):
	name = frappe.db.get_value("Sales Order", order_name, "credit_hold")
	return frappe.get_doc("Credit Hold", name) if name else None
