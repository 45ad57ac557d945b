"""A Credit Manager's day in the real desk, in headless Chromium: a Credit Limit Request approved
with its form's Decide › Approve, and a hold above the Credit Controllers' authority released with
Decide › Release. The README's screenshots come from the demo company (test_browser_demo.py).

Skipped (with the reason) when Chromium or Playwright is missing; see tests/integration/browser.py.
"""

import frappe
import pytest
from frappe.utils import nowdate
from frappe.utils.password import update_password

from tests.integration import browser, factories
from tests.integration import credit_control_helpers as credit
from tests.integration.browser import (
	chromium,
	login,
	open_form,
	screenshots_on_failure,
	set_field,
)
from tests.integration.web import running_server

MANAGER = "_o2c.desk.credit-manager@example.com"
PASSWORD = "O2C-Desk-2026!"

pytestmark = [browser.requires_browser, pytest.mark.browser]


def decide(page, action: str, comment: str) -> None:
	page.click('.inner-group-button[data-label="Decide"] button')
	page.click(f'.inner-group-button[data-label="Decide"] [data-label="{action}"]')
	page.wait_for_function("window.cur_dialog && cur_dialog.fields_dict.comment")
	set_field(page, "comment", comment, within=page.locator(".modal.show"))


def test_credit_manager_approves_a_limit_request_and_releases_a_large_hold():
	frappe.set_user("Administrator")
	factories.company()
	factories.ensure_fiscal_year(nowdate())
	item = factories.item(stock_qty=1000, rate=300)
	settings = frappe.get_single("O2C Settings")
	settings.set(
		"credit_approval_limits",
		[{"role": "Credit Controller", "max_amount": 1000}, {"role": "Credit Manager", "max_amount": 10000}],
	)
	settings.save()
	requested = factories.customer()
	policy = credit.credit_policy(customer=requested, credit_limit=1000)
	request = frappe.get_doc(
		{
			"doctype": "Credit Limit Request",
			"customer": requested,
			"company": factories.COMPANY,
			"requested_limit": 5000,
			"reason": "Seasonal orders from the new branch.",
		}
	).insert()
	held_customer = factories.customer()
	credit.credit_policy(customer=held_customer, credit_limit=1000)
	order = factories.sales_order(held_customer, [(item, 5, 300)])  # 1,500: above a controller's 1,000
	hold = credit.hold_of(order.name)
	assert hold is not None and hold.status == "Pending"
	factories.user(MANAGER, ["Credit Manager", "Credit Controller"])
	update_password(MANAGER, PASSWORD)
	frappe.db.commit()  # the web server only sees committed data

	try:
		_approve_and_release(request, policy, hold)
	finally:
		# committed settings outlive the test: later tests start from an empty authority table
		settings.reload()
		settings.set("credit_approval_limits", [])
		settings.save()
		frappe.db.commit()


def _approve_and_release(request, policy, hold):
	with running_server() as base_url, chromium() as chrome, screenshots_on_failure(chrome, "o2c-clr"):
		page = login(chrome, base_url, MANAGER, PASSWORD)

		open_form(page, base_url, f"credit-limit-request/{request.name}")
		page.wait_for_selector(".indicator-pill:has-text('Pending')")
		decide(page, "Approve", "Two years with us, always paid on time.")
		page.click(".modal.show .btn-primary")
		page.wait_for_selector(".indicator-pill:has-text('Approved')")
		frappe.db.rollback()  # read what the web server committed
		request.reload()
		assert (request.status, request.approved_by) == ("Approved", MANAGER)
		assert frappe.db.get_value("Credit Policy", policy.name, "credit_limit") == 5000

		open_form(page, base_url, f"credit-hold/{hold.name}")
		page.wait_for_selector(".indicator-pill:has-text('Pending')")
		decide(page, "Release", "Above the controllers' authority; released by the Credit Manager.")
		page.click(".modal.show .btn-primary")
		page.wait_for_selector(".indicator-pill:has-text('Released')")
		frappe.db.rollback()
		hold.reload()
		assert (hold.status, hold.decided_by) == ("Released", MANAGER)
		page.context.close()
