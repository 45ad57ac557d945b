"""Every screenshot of the README, taken from the demo company (issue 15) in the real desk as its
users see it. As the Credit Manager (German demo user, desk in English here): the Order to Cash
workspace, naming its company; a scheduling agreement with its schedule; the released credit hold;
the Sales Order on credit hold; a Credit Policy and the Collections Rule; an overdue Sales Invoice;
the Collections Worklist and a Collection Case. As the Russian collector, desk in Russian: the
workspace and the same case, its Last Action in Russian. Then what they do: the pending hold
released and a Credit Limit Request approved (each decision's dialog), a call logged and a promise
recorded on a case, the worklist for that customer and Preview Next Run.

Skipped (with the reason) when Chromium or Playwright is missing; see tests/integration/browser.py.
"""

import frappe
import pytest
from frappe.utils import add_days, nowdate
from frappe.utils.password import update_password

from o2c_extension.demo import build, masters
from o2c_extension.demo import collections as demo_collections
from tests.integration import browser
from tests.integration.browser import (
	chromium,
	login,
	open_form,
	screenshot,
	screenshots_on_failure,
	set_field,
)
from tests.integration.web import running_server

PASSWORD = "O2C-Demo-Desk-2026!"
MANAGER, COLLECTOR = masters.USERS[1][0], masters.USERS[0][0]

pytestmark = [browser.requires_browser, pytest.mark.browser]


def slug(doctype: str) -> str:
	return doctype.lower().replace(" ", "-")


def charts_drawn(page) -> None:
	"""Wait until every chart of the workspace has drawn: its chart, or its "No Data" (not the
	"Loading..." it starts with)."""
	page.wait_for_selector(".dashboard-widget-box .widget-title", state="visible")
	page.wait_for_load_state("networkidle")
	page.wait_for_function(
		"""() => {
			const boxes = [...document.querySelectorAll('.dashboard-widget-box')];
			const settled = (box) => box.querySelector('.frappe-chart svg, .chart-container svg') || [...box.querySelectorAll('.chart-loading-state')]
				.some((state) => state.offsetParent !== null && !state.textContent.trim().endsWith('...'));
			return boxes.length > 0 && boxes.every(settled);
		}"""
	)


def test_demo_company_in_the_desk():
	frappe.set_user("Administrator")
	build.build()
	try:
		_demo_in_the_desk()
	finally:
		# the demo's users and rates are the site's once built: taken back, so the test files
		# after this one see the site as it was
		frappe.set_user("Administrator")
		frappe.db.rollback()
		build.remove()
		frappe.db.commit()


def decide(page, base_url: str, route: str, action: str, comment: str, shot: str, decided: str) -> None:
	"""On the pending hold or limit request at `route`: Decide › Release / Approve, the comment typed
	in its dialog, the dialog's screenshot `shot`, then confirmed until the form shows `decided`."""
	open_form(page, base_url, route)
	page.wait_for_selector(".indicator-pill:has-text('Pending')")
	page.click('.inner-group-button[data-label="Decide"] button')
	page.click(f'.inner-group-button[data-label="Decide"] [data-label="{action}"]')
	page.wait_for_function("window.cur_dialog && cur_dialog.fields_dict.comment")
	set_field(page, "comment", comment, within=page.locator(".modal.show"))
	screenshot(page, shot)
	page.click(".modal.show .btn-primary")
	page.wait_for_selector(f".indicator-pill:has-text('{decided}')")


def first(doctype: str, filters: dict, order_by: str = "name asc") -> str:
	return frappe.get_all(
		doctype, filters={"company": masters.COMPANY, **filters}, pluck="name", order_by=order_by
	)[0]


def _demo_in_the_desk():
	for user in (MANAGER, COLLECTOR):
		update_password(user, PASSWORD)
	frappe.db.set_value("User", MANAGER, "language", "en")  # the English screenshots
	company = masters.COMPANY
	agreement = first("Scheduling Agreement", {"docstatus": 1})
	released = first("Credit Hold", {"status": "Released"})
	pending = frappe.get_doc("Credit Hold", first("Credit Hold", {"status": "Pending"}))
	cases = frappe.get_all(
		"Collection Case",
		filters={"company": company, "status": ("!=", "Closed")},
		fields=["name", "customer"],
		order_by="overdue_amount desc",
	)
	case, worked_case = cases[0], cases[-1]
	policy = first("Credit Policy", {"applies_to": "Customer"})
	invoice = first(
		"Sales Invoice",
		{"docstatus": 1, "outstanding_amount": (">", 0), "collection_status": ("!=", "Not Due")},
		order_by="outstanding_amount desc",
	)
	policy_doc = frappe.get_doc("Credit Policy", policy)
	request = frappe.get_doc(
		{
			"doctype": "Credit Limit Request",
			"customer": policy_doc.customer,
			"company": company,
			"requested_limit": policy_doc.credit_limit * 2,
			"reason": "Second plant ordering from next quarter; two years paid on time.",
		}
	).insert()
	frappe.db.commit()

	with running_server() as base_url, chromium() as chrome, screenshots_on_failure(chrome, "o2c-demo"):
		page = login(chrome, base_url, MANAGER, PASSWORD)
		page.goto(f"{base_url}/app/order-to-cash")
		page.wait_for_selector(".onboarding-widget-box", state="visible")
		# the block above the cards names the company they are for (the demo user's only one)
		page.locator(".o2c-company-heading", has_text=company).wait_for()
		charts_drawn(page)
		screenshot(page, "demo-workspace")

		open_form(page, base_url, f"{slug('Scheduling Agreement')}/{agreement}")
		assert page.locator(".page-head .indicator-pill").first.inner_text().strip() == "Active"
		screenshot(page, "demo-scheduling-agreement")

		open_form(page, base_url, f"{slug('Credit Hold')}/{released}")
		assert "Released" in page.locator(".page-head .indicator-pill").first.inner_text()
		screenshot(page, "demo-credit-hold")

		open_form(page, base_url, f"sales-order/{pending.reference_name}")
		page.wait_for_selector(".form-message:visible:has-text('Credit: On Credit Hold')")
		page.click('.inner-group-button[data-label="View"] button')
		page.wait_for_selector('.inner-group-button[data-label="View"] [data-label="Credit%20Hold"]:visible')
		screenshot(page, "sales-order-on-credit-hold")
		page.keyboard.press("Escape")

		open_form(page, base_url, f"{slug('Credit Policy')}/{policy}")
		screenshot(page, "credit-policy-form")

		open_form(page, base_url, f"{slug('Collections Rule')}/{demo_collections.RULE}")
		screenshot(page, "collections-rule-form")

		open_form(page, base_url, f"sales-invoice/{invoice}")
		page.wait_for_selector(".form-message:visible:has-text('Collections:')")
		screenshot(page, "collections-sales-invoice")

		page.goto(f"{base_url}/app/query-report/Collections Worklist?company={company}")
		page.wait_for_selector(".dt-scrollable .dt-row", state="visible")
		page.wait_for_load_state("networkidle")
		screenshot(page, "demo-collections-worklist")

		open_form(page, base_url, f"{slug('Collection Case')}/{case.name}")
		screenshot(page, "demo-collection-case")
		page.context.close()

		russian = login(chrome, base_url, COLLECTOR, PASSWORD)
		russian.goto(f"{base_url}/app/order-to-cash")
		charts_drawn(russian)
		assert frappe.db.get_value("User", COLLECTOR, "language") == "ru"
		screenshot(russian, "demo-workspace-ru")
		open_form(russian, base_url, f"{slug('Collection Case')}/{case.name}")
		# Last Action in the reader's language (a Select: Frappe translates its value)
		last_action = frappe.db.get_value("Collection Case", case.name, "last_action")
		assert last_action and frappe._(last_action, lang="ru") != last_action
		shown = russian.locator('.frappe-control[data-fieldname="last_action"] .control-value').first
		assert shown.inner_text().strip() == frappe._(last_action, lang="ru")
		screenshot(russian, "demo-collection-case-ru")
		russian.context.close()

		# what the Credit Manager decides and the collector does in the demo, after the views above
		page = login(chrome, base_url, MANAGER, PASSWORD)
		decide(
			page,
			base_url,
			f"{slug('Credit Hold')}/{pending.name}",
			"Release",
			"Customer paid the overdue invoice; released for this order.",
			shot="credit-hold-release",
			decided="Released",
		)
		decide(
			page,
			base_url,
			f"{slug('Credit Limit Request')}/{request.name}",
			"Approve",
			"Two years with us, always paid on time.",
			shot="credit-limit-request-approve",
			decided="Approved",
		)

		open_form(page, base_url, f"{slug('Collection Case')}/{worked_case.name}")
		page.click("button:has-text('Log Call / Note')")
		page.wait_for_function("window.cur_dialog && cur_dialog.fields_dict.note")
		page.evaluate("cur_dialog.set_value('note', 'Called the buyer: pays the oldest invoice next week.')")
		page.click(".modal.show .btn-primary")
		page.wait_for_selector(".timeline-content:has-text('pays the oldest invoice')")
		page.click("button:has-text('Record Promise')")
		page.wait_for_function("window.cur_dialog && cur_dialog.fields_dict.promise_date")
		page.evaluate(f"cur_dialog.set_value('promise_date', '{add_days(nowdate(), 7)}')")
		page.click(".modal.show .btn-primary")
		page.wait_for_selector(".indicator-pill:has-text('Promise to Pay')", timeout=60_000)
		screenshot(page, "collection-case")

		page.goto(
			f"{base_url}/app/query-report/Collections Worklist?company={company}&customer={worked_case.customer}"
		)
		page.wait_for_selector(f".dt-scrollable :text('{worked_case.name}')", timeout=60_000)
		page.wait_for_load_state("networkidle")
		screenshot(page, "collections-worklist-accounts")
		page.click("button:has-text('Preview Next Run')")
		page.wait_for_selector(".modal.show:has-text('Next Collections Run')", timeout=60_000)
		screenshot(page, "collections-preview-next-run")
