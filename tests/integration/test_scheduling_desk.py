"""The Scheduling desk in a real browser: Quotation › Create › Scheduling Agreement, the agreement's
Release Now and Import Release actions, the list indicator and the Schedule vs Actual report.

Skipped (with the reason) when Chromium or Playwright is missing; see tests/integration/browser.py.
"""

import frappe
from frappe.tests.utils import FrappeTestCase
from frappe.utils.password import update_password

from tests.integration import factories
from tests.integration.browser import chromium, login, open_form, requires_browser
from tests.integration.factories import quotation
from tests.integration.scheduling_helpers import agreement, in_days, orders_of, setup_masters
from tests.integration.web import running_server

USER = "o2c-sched-desk@example.com"
PASSWORD = "Sched-Desk-2026!"


@requires_browser
class TestSchedulingDesk(FrappeTestCase):
	def test_desk_flow(self):
		customer, (item_a,) = setup_masters(item_count=1)
		quote = quotation(customer, [(item_a, 100, 90)])
		sa = agreement(customer, [(item_a, 100, 90)], lines=[(item_a, 1, 10, "Firm")], release_horizon_days=3)
		factories.user(USER, ["Sales Manager", "Sales User"])
		update_password(USER, PASSWORD)
		frappe.db.commit()  # the web server only sees committed data

		with running_server() as base_url, chromium() as browser:
			page = login(browser, base_url, USER, PASSWORD)

			# Quotation › Create › Scheduling Agreement opens a new agreement for the customer
			open_form(page, base_url, f"quotation/{quote.name}")
			page.click('.inner-group-button[data-label="Create"] button')
			page.click('.inner-group-button[data-label="Create"] [data-label="Scheduling%20Agreement"]')
			page.wait_for_url("**/scheduling-agreement/new**")
			page.wait_for_function(
				"cur_frm && cur_frm.doctype === 'Scheduling Agreement' && cur_frm.doc.customer"
			)
			self.assertEqual(page.evaluate("cur_frm.doc.customer"), customer)
			self.assertEqual(page.evaluate("cur_frm.doc.quotation"), quote.name)
			self.assertEqual(page.evaluate("cur_frm.doc.items[0].agreed_qty"), 100)

			# Release Now on the agreement
			open_form(page, base_url, f"scheduling-agreement/{sa.name}")
			page.click('button[data-label="Release%20Now"]')
			page.click(".modal.show .btn-primary")  # confirm
			page.wait_for_selector(".modal.show .msgprint:has-text('Sales Orders made')")
			frappe.db.rollback()  # see what the server committed
			self.assertEqual(len(orders_of(sa.name)), 1)

			# Create › Import Release with pasted CSV: the customer's remaining need of 17 by day 5,
			# of which the 10 called off are on their way: 7 more
			page.keyboard.press("Escape")
			page.reload()
			page.wait_for_selector(".inner-group-button[data-label='Create']")
			page.click('.inner-group-button[data-label="Create"] button')
			page.click('.inner-group-button[data-label="Create"] [data-label="Import%20Release"]')
			page.wait_for_function("window.cur_dialog && cur_dialog.fields_dict.csv_text")
			dialog = page.locator(".modal.show")
			dialog.locator('input[data-fieldname="release_no"]').fill("DESK-1")
			page.evaluate(
				"(text) => cur_dialog.set_value('csv_text', text)", f"{item_a},{in_days(5)},17,Firm\n"
			)
			dialog.locator(".btn-primary").click()
			page.wait_for_selector(".alert-message:has-text('DESK-1')", timeout=30_000)
			frappe.db.rollback()
			self.assertTrue(
				frappe.db.exists(
					"Schedule Release", {"scheduling_agreement": sa.name, "release_no": "DESK-1"}
				)
			)

			# a Schedule Release typed in its own form: paste, save (lines filled, preview), submit;
			# the need moves to day 6 and grows to 21: 11 there, the day 5 line goes
			page.goto(f"{base_url}/app/schedule-release/new")
			page.wait_for_function("cur_frm && cur_frm.doctype === 'Schedule Release'")
			page.evaluate(
				"""async ([agreement, text]) => {
					await cur_frm.set_value("scheduling_agreement", agreement);
					await cur_frm.set_value("release_no", "DESK-2");
					await cur_frm.set_value("csv_text", text);
				}""",
				[sa.name, f"Item,Date,Qty,Type\n{item_a},{in_days(6)},21,Firm\n"],
			)
			page.keyboard.press("Control+s")
			page.wait_for_function(
				"cur_frm.doc.docstatus === 0 && !cur_frm.is_new() && cur_frm.doc.lines.length === 1"
			)
			self.assertEqual(page.evaluate("cur_frm.doc.lines_added"), 1)
			self.assertEqual(page.evaluate("cur_frm.doc.lines_removed"), 1)
			page.evaluate("() => { cur_frm.savesubmit(); }")  # not awaited: it waits for the confirm
			page.click(".modal.show .btn-primary")  # "Permanently submit?"
			page.wait_for_function("cur_frm.doc.docstatus === 1")
			self.assertEqual(page.evaluate("cur_frm.doc.status"), "Applied")

			# the list shows the status indicator
			page.goto(f"{base_url}/app/scheduling-agreement?name={sa.name}")
			page.wait_for_selector(".list-row .indicator-pill:has-text('Active')")

			# the report renders the agreement's row
			page.goto(
				f"{base_url}/app/query-report/Schedule vs Actual"
				f"?company={factories.COMPANY}&scheduling_agreement={sa.name}"
			)
			page.wait_for_selector(f".dt-cell__content:has-text('{item_a}')", timeout=30_000)
