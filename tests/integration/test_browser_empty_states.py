"""The app's empty lists in the real desk (issue 15): Frappe's empty state says what the document
is for (its DocType's description) and offers "Create your first ..." to whoever may create one;
the app adds the Order to Cash onboarding step the document starts from, linked to the
workspace where the onboarding is. A list the user filtered keeps Frappe's message alone.

The user's lists are empty because their User Permissions allow one new customer only, who has
nothing yet. Skipped (with the reason) when Chromium or Playwright is missing (browser.py)."""

import frappe
import pytest
from frappe.utils.password import update_password

from tests.integration import browser, factories
from tests.integration.browser import chromium, desk_path, login, screenshots_on_failure
from tests.integration.web import running_server

USER = "_o2c.desk.empty-lists@example.com"
PASSWORD = "O2C-Desk-2026!"

pytestmark = [browser.requires_browser, pytest.mark.browser]


def empty_state(page, base_url: str, route: str):
	page.goto(f"{base_url}{desk_path(route)}")
	state = page.locator(".no-result:visible").first
	state.wait_for()
	page.wait_for_load_state("networkidle")
	return state


def test_empty_lists_say_what_the_document_is_for_and_point_at_the_onboarding():
	frappe.set_user("Administrator")
	customer = factories.customer()
	factories.user(USER, ["Sales Manager", "Collections Agent"])
	frappe.db.delete("User Permission", {"user": USER})
	frappe.get_doc(
		{"doctype": "User Permission", "user": USER, "allow": "Customer", "for_value": customer}
	).insert(ignore_permissions=True)
	update_password(USER, PASSWORD)
	frappe.db.commit()  # the web server only sees committed data
	agreement_text = frappe.get_meta("Scheduling Agreement").description
	try:
		walk_the_empty_lists(agreement_text)
	finally:
		factories.retire_users(USER)


def walk_the_empty_lists(agreement_text: str) -> None:
	with running_server() as base_url, chromium() as chrome, screenshots_on_failure(chrome, "o2c-empty"):
		page = login(chrome, base_url, USER, PASSWORD)

		# a document the user makes: what it is for, where to start, and Frappe's create button
		state = empty_state(page, base_url, "scheduling-agreement")
		assert agreement_text in state.inner_text()
		onboarding = state.locator(".o2c-empty-state-onboarding")
		assert "Create Your First Scheduling Agreement" in onboarding.inner_text()
		assert onboarding.locator("a").get_attribute("href") == desk_path("order-to-cash")
		state.locator(".btn-new-doc:visible").click()
		page.wait_for_url(f"**{desk_path('scheduling-agreement/new-scheduling-agreement-*')}")

		# a document the app makes (open cases by default): no create button, its starting step
		state = empty_state(page, base_url, "collection-case")
		assert state.locator(".btn-new-doc:visible").count() == 0
		assert (
			"Create Your First Collections Rule" in state.locator(".o2c-empty-state-onboarding").inner_text()
		)

		# the link opens the workspace with its onboarding
		state = empty_state(page, base_url, "scheduling-agreement")
		state.locator(".o2c-empty-state-onboarding a").click()
		page.wait_for_selector(".onboarding-widget-box", state="visible")

		# the user's own filter: Frappe's message alone
		page.goto(f"{base_url}{desk_path('scheduling-agreement?customer_reference=nothing-like-this')}")
		page.locator(".no-result:visible").first.wait_for()
		page.wait_for_load_state("networkidle")
		state = page.locator(".no-result:visible").first
		assert "matching filters" in state.inner_text()
		assert state.locator(".o2c-empty-state-onboarding").count() == 0
