"""The consultant's and the credit controller's day in the real desk, in headless Chromium:
a Credit Policy and a Collections Rule (with steps) made through their forms; a Sales Order over
that policy's limit shown On Hold with its credit indicator; the Credit Hold released with the
form's Decide › Release button; and Release Now on a Scheduling Agreement making its Sales Order.
The README's screenshots come from the demo company (test_browser_demo.py).

Skipped (with the reason) when Chromium or Playwright is missing; see tests/integration/browser.py.
"""

import frappe
import pytest
from frappe.utils import nowdate
from frappe.utils.password import update_password

from tests.integration import browser, factories
from tests.integration import credit_control_helpers as credit
from tests.integration import scheduling_helpers as scheduling
from tests.integration.browser import (
	chromium,
	grid_row,
	login,
	open_form,
	save_form,
	screenshots_on_failure,
	set_field,
)
from tests.integration.web import running_server

CONSULTANT = "_o2c.desk.consultant@example.com"
CONTROLLER = "_o2c.desk.controller@example.com"
PASSWORD = "O2C-Desk-2026!"

pytestmark = [browser.requires_browser, pytest.mark.browser]


def new_from_list(page, base_url: str, doctype: str) -> None:
	"""Open the DocType's list and press its "+ Add" button, as a user starts a new document."""
	page.goto(f"{base_url}/app/{doctype.lower().replace(' ', '-')}")
	page.click(".page-head .primary-action:visible")
	page.wait_for_function(
		"(doctype) => window.cur_frm && cur_frm.doctype === doctype && cur_frm.is_new()", arg=doctype
	)


def field_text(page, fieldname: str) -> str:
	"""What a read-only field of the open form shows."""
	control = page.locator(f'.frappe-control[data-fieldname="{fieldname}"]:visible .control-value').first
	return control.inner_text().strip()


def see_server_commits() -> None:
	frappe.db.rollback()  # end this process's snapshot: read what the web server committed


def test_consultant_and_credit_controller_in_the_desk():
	frappe.set_user("Administrator")
	factories.company()
	factories.ensure_fiscal_year(nowdate())
	item = factories.item(stock_qty=1000, rate=300)
	customer = factories.customer()
	rule_customer = factories.customer()
	sched_customer = factories.customer()
	agreement = scheduling.agreement(
		sched_customer,
		[(item, 200, 280)],
		lines=[(item, 2, 20, "Firm"), (item, 40, 50, "Forecast")],
		release_horizon_days=7,
		customer_reference="PO-DESK-1",
	)
	# its call-off orders pass a credit check, so their form has two headline lines
	credit.credit_policy(customer=sched_customer, credit_limit=1_000_000)
	factories.user(CONSULTANT, ["System Manager", "Sales Manager", "Sales User", "Accounts Manager"])
	factories.user(CONTROLLER, ["Credit Controller", "Sales User", "Accounts User"])
	for user in (CONSULTANT, CONTROLLER):
		update_password(user, PASSWORD)
	frappe.db.commit()  # the web server only sees committed data
	rule_name = f"_O2C Desk Rule {frappe.generate_hash(length=6)}"

	with running_server() as base_url, chromium() as chrome, screenshots_on_failure(chrome, "o2c-desk"):
		page = login(chrome, base_url, CONSULTANT, PASSWORD)

		# 1. a Credit Policy for the customer, typed into its form
		new_from_list(page, base_url, "Credit Policy")
		set_field(page, "company", factories.COMPANY)
		set_field(page, "applies_to", "Customer")  # shows the Customer field, hides the group
		set_field(page, "customer", customer)
		set_field(page, "credit_limit", 1000)
		set_field(page, "tolerance_percent", 10)
		set_field(page, "max_overdue_days", 30)
		set_field(page, "check_on_sales_invoice", False)
		save_form(page)
		page.wait_for_selector('button[data-label="Credit%20Exposure"]')  # the form's own button
		see_server_commits()
		policy = frappe.get_all(
			"Credit Policy",
			filters={"customer": customer},
			fields=[
				"name",
				"company",
				"applies_to",
				"customer_group",
				"credit_limit",
				"tolerance_percent",
				"max_overdue_days",
				"check_on_sales_order",
				"check_on_sales_invoice",
				"enabled",
			],
		)
		assert len(policy) == 1, policy
		assert policy[0].company == factories.COMPANY
		assert (policy[0].applies_to, policy[0].customer_group) == ("Customer", None)
		assert (policy[0].credit_limit, policy[0].tolerance_percent, policy[0].max_overdue_days) == (
			1000,
			10,
			30,
		)
		assert (policy[0].check_on_sales_order, policy[0].check_on_sales_invoice, policy[0].enabled) == (
			1,
			0,
			1,
		)

		# 2. a Collections Rule with three steps, entered as grid rows (kept in day order on save)
		new_from_list(page, base_url, "Collections Rule")
		set_field(page, "rule_name", rule_name)
		set_field(page, "company", factories.COMPANY)
		set_field(page, "scope", "Customer")
		set_field(page, "customer", rule_customer)
		set_field(page, "min_outstanding", 50)
		for idx, (day_offset, action, setting, value) in enumerate(
			(
				(10, "Create ToDo", "assign_to_role", "Collections Agent"),
				(-3, "Email Reminder", "email_template", "Collections - Before Due"),
				(30, "Escalate", None, None),
			),
			start=1,
		):
			row = grid_row(page, "steps", idx)
			row.locator('.grid-static-col[data-fieldname="day_offset"]').click()
			set_field(page, "day_offset", day_offset, within=row)
			set_field(page, "action", action, within=row)
			if setting:
				row.locator(f'.grid-static-col[data-fieldname="{setting}"]').click()
				set_field(page, setting, value, within=row)
		save_form(page)
		page.wait_for_function("cur_frm.doc.steps.length === 3 && cur_frm.doc.steps[0].day_offset === -3")
		page.mouse.click(5, 300)  # leave the grid, so the screenshot shows its rows at rest
		see_server_commits()
		rule = frappe.get_doc("Collections Rule", rule_name)
		assert (rule.company, rule.scope, rule.customer, rule.min_outstanding) == (
			factories.COMPANY,
			"Customer",
			rule_customer,
			50,
		)
		assert [(s.day_offset, s.action, s.email_template, s.assign_to_role) for s in rule.steps] == [
			(-3, "Email Reminder", "Collections - Before Due", None),
			(10, "Create ToDo", None, "Collections Agent"),
			(30, "Escalate", None, None),
		]

		# 3. an order over the policy just made goes On Hold; the consultant sees why on the form
		order = factories.sales_order(customer, [(item, 5, 300)])  # 1500 > 1000 + 10 %
		frappe.db.commit()
		hold = credit.hold_of(order.name)
		assert hold is not None and hold.credit_policy == policy[0].name
		open_form(page, base_url, f"sales-order/{order.name}")
		page.wait_for_selector(".indicator-pill:has-text('On Hold')")
		page.wait_for_selector(f".form-message:has-text('until Credit Hold {hold.name} is released')")
		assert field_text(page, "credit_status") == "On Credit Hold"
		assert field_text(page, "credit_hold") == hold.name
		# the credit status heads the form, above the tabs (visible on whichever tab is open), and
		# is also an indicator in the form dashboard (under the Connections tab)
		page.wait_for_selector(".form-message:visible:has-text('Credit: On Credit Hold')")
		page.wait_for_selector(
			".form-dashboard .indicator:has-text('Credit: On Credit Hold')", state="attached"
		)
		page.click('.inner-group-button[data-label="View"] button')
		page.wait_for_selector('.inner-group-button[data-label="View"] [data-label="Credit%20Hold"]:visible')
		page.keyboard.press("Escape")

		# 4. Release Now on a Scheduling Agreement makes the Sales Order of the line due in 2 days
		open_form(page, base_url, f"scheduling-agreement/{agreement.name}")
		page.wait_for_selector(".indicator-pill:has-text('Active')")
		page.wait_for_selector('button[data-label="Release%20Now"]')
		page.click('button[data-label="Release%20Now"]')
		page.click(".modal.show .btn-primary")  # "Make the Sales Orders ... now?"
		page.wait_for_selector(".modal.show .msgprint:has-text('Sales Orders made')")
		see_server_commits()
		orders = scheduling.orders_of(agreement.name)
		assert len(orders) == 1, orders
		assert frappe.db.get_value("Sales Order", orders[0], "delivery_date") == scheduling.in_days(2)
		assert scheduling.line_states(agreement.name)[(item, scheduling.in_days(2))][:2] == ("Released", 20)
		# the called-off order's headline shows where it came from and its credit status together
		open_form(page, base_url, f"sales-order/{orders[0]}")
		headline = page.locator(".form-message:visible")
		headline.filter(has_text=f"Against Scheduling Agreement {agreement.name}").first.wait_for()
		headline.filter(has_text="Credit: Within Limit").first.wait_for()
		page.context.close()

		# 5. the Credit Controller releases the hold from its form, with a comment
		page = login(chrome, base_url, CONTROLLER, PASSWORD)
		open_form(page, base_url, f"credit-hold/{hold.name}")
		page.wait_for_selector(".indicator-pill:has-text('Pending')")
		page.wait_for_selector(".form-message:has-text('exceeds the credit limit')")
		page.click('.inner-group-button[data-label="Decide"] button')
		page.wait_for_selector('.inner-group-button[data-label="Decide"] [data-label="Reject"]:visible')
		page.click('.inner-group-button[data-label="Decide"] [data-label="Release"]')
		page.wait_for_function("window.cur_dialog && cur_dialog.fields_dict.comment")
		set_field(
			page,
			"comment",
			"Customer paid the overdue invoice; approved to 1,500.",
			within=page.locator(".modal.show"),
		)
		page.click(".modal.show .btn-primary")
		page.wait_for_selector(".indicator-pill:has-text('Released')")
		see_server_commits()
		hold.reload()
		assert (hold.status, hold.decided_by) == ("Released", CONTROLLER)
		assert hold.decision_comment == "Customer paid the overdue invoice; approved to 1,500."
		assert frappe.db.get_value("Sales Order", order.name, ["status", "credit_status"]) == (
			"To Deliver and Bill",
			"Released",
		)

		# and the order has resumed, showing the release
		open_form(page, base_url, f"sales-order/{order.name}")
		page.wait_for_selector(".indicator-pill:has-text('To Deliver and Bill')")
		assert field_text(page, "credit_status") == "Released"
		page.wait_for_selector(f".form-message:visible:has-text('Credit Hold {hold.name} was released')")
		page.wait_for_selector(".form-dashboard .indicator:has-text('Credit: Released')", state="attached")
		assert page.locator(".form-message:visible:has-text('is On Hold until')").count() == 0
		page.context.close()
