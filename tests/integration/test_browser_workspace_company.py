"""The Order to Cash workspace in the real desk names the company its figures are for, and the
company the user picks there is the one its cards and charts then show (issue 15).

Skipped (with the reason) when Chromium or Playwright is missing; see tests/integration/browser.py.
"""

from urllib.parse import unquote_plus

import frappe
import pytest
from frappe.utils.password import update_password

from tests.integration import books, browser, factories
from tests.integration.browser import chromium, login, screenshots_on_failure
from tests.integration.web import running_server

USER = "_o2c.desk.workspace-company@example.com"
PASSWORD = "O2C-Desk-2026!"

pytestmark = [browser.requires_browser, pytest.mark.browser]


def test_the_workspace_names_its_company_and_follows_the_one_picked():
	frappe.set_user("Administrator")
	world = books.world()
	factories.user(USER, ["Credit Controller", "Collections Manager"])
	frappe.db.delete("User Permission", {"user": USER})
	frappe.defaults.set_user_default("company", world.company, USER)
	update_password(USER, PASSWORD)
	frappe.db.commit()  # the web server only sees committed data

	try:
		picked_company(world)
	finally:
		factories.retire_users(USER)


def picked_company(world) -> None:
	with running_server() as base_url, chromium() as chrome, screenshots_on_failure(chrome, "o2c-company"):
		page = login(chrome, base_url, USER, PASSWORD)
		page.goto(f"{base_url}/app/order-to-cash")
		heading = page.locator(".o2c-company-heading")  # inside the block's shadow root
		heading.wait_for()
		page.locator(".o2c-company-heading", has_text=world.company).wait_for()
		assert heading.inner_text().strip() == f"Figures for {world.company}"

		def card_for_second_company(request) -> bool:
			return "/api/method/o2c_extension.order_to_cash.kpi." in request.url and (
				world.second_company in unquote_plus(request.post_data or "")
			)

		with page.expect_request(card_for_second_company):
			page.locator(".o2c-company-select").select_option(world.second_company)
		page.locator(".o2c-company-heading", has_text=world.second_company).wait_for()
		page.wait_for_function(
			"(company) => frappe.defaults.get_user_default('Company') === company",
			arg=world.second_company,
		)
		page.locator(".widget.number-widget-box .number").first.wait_for()
		page.wait_for_load_state("networkidle")

	frappe.db.rollback()
	frappe.clear_cache(user=USER)
	assert frappe.defaults.get_user_default("Company", USER) == world.second_company
