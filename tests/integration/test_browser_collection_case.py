"""A Collection Case in a real browser: a collector opens the customer's case, logs a call (kept
as plain text in the timeline), records the customer's promise to pay, and looks at the Collections
Worklist per customer account and its Preview Next Run.

Skipped (with the reason) when Chromium or Playwright is missing; see tests/integration/browser.py.
"""

import frappe
from frappe.tests.utils import FrappeTestCase
from frappe.utils import add_days, getdate, nowdate
from frappe.utils.password import update_password

from o2c_extension.collections import core, runner
from tests.integration import collections_helpers as helpers
from tests.integration import factories
from tests.integration.browser import (
	chromium,
	login,
	open_form,
	requires_browser,
	screenshots_on_failure,
)
from tests.integration.web import running_server

PASSWORD = "Coll-Case-2026!"
CALL = "<b>Called</b> the buyer <img src=x onerror=alert(1)>: pays next week"


@requires_browser
class TestCollectionCaseDesk(FrappeTestCase):
	def test_collector_logs_a_call_records_a_promise_and_sees_the_worklist(self):
		# the web server runs on the real clock: two invoices ten and twenty days overdue today
		today = getdate(nowdate())
		factories.ensure_fiscal_year(today)
		factories.ensure_fiscal_year(add_days(today, -30))
		helpers.collection_users()
		helpers.outgoing_email_account()
		customer = helpers.customer_with_contacts("_billing-case-desk@example.com")
		helpers.rule(
			customer,
			steps=[{"day_offset": 1, "action": core.CREATE_TODO, "assign_to_role": "Collections Agent"}],
		)
		invoices = [
			helpers.invoice(customer, add_days(today, -30), due_in_days=10),
			helpers.invoice(customer, add_days(today, -20), due_in_days=10, qty=5),
		]
		runner.process_chunk([doc.name for doc in invoices])
		case = helpers.case_of(customer)
		self.assertEqual(case.status, core.CASE_OPEN)
		update_password(helpers.MANAGER, PASSWORD)
		frappe.db.commit()  # the web server only sees committed data

		with running_server() as base_url, chromium() as browser, screenshots_on_failure(browser, "case"):
			page = login(browser, base_url, helpers.MANAGER, PASSWORD)
			open_form(page, base_url, f"collection-case/{case.name}")
			page.wait_for_selector(".indicator-pill:has-text('Open')")

			# Log Call / Note: a Comment in the timeline, the markup shown as typed
			page.click("button:has-text('Log Call / Note')")
			page.wait_for_function("window.cur_dialog && cur_dialog.fields_dict.note")
			page.evaluate(f"cur_dialog.set_value('note', {frappe.as_json(CALL)})")
			page.click(".modal.show .btn-primary")
			page.wait_for_selector(".timeline-content:has-text('pays next week')")
			self.assertEqual(page.locator(".timeline-content img[src=x]").count(), 0)
			frappe.db.rollback()  # see what the server committed
			(comment,) = frappe.get_all(
				"Comment",
				filters={
					"reference_doctype": "Collection Case",
					"reference_name": case.name,
					"comment_type": "Comment",
				},
				pluck="content",
			)
			self.assertIn("&lt;b&gt;Called&lt;/b&gt;", comment)
			self.assertNotIn("<img", comment)
			self.assertEqual(frappe.db.get_value("Collection Case", case.name, "last_action"), "Call")

			# Record Promise: the customer promises everything overdue by next week
			promise = add_days(today, 7)
			page.click("button:has-text('Record Promise')")
			page.wait_for_function("window.cur_dialog && cur_dialog.fields_dict.promise_date")
			page.evaluate(f"cur_dialog.set_value('promise_date', '{promise}')")
			page.click(".modal.show .btn-primary")
			page.wait_for_selector(".indicator-pill:has-text('Promise to Pay')", timeout=60_000)
			frappe.db.rollback()
			self.assertEqual(frappe.db.get_value("Collection Case", case.name, "status"), core.CASE_PROMISE)
			self.assertTrue(
				frappe.db.exists("Promise to Pay", {"customer": customer, "status": "Open"}),
			)

			# the worklist: one row for the customer's account, its invoices beneath it
			page.goto(
				f"{base_url}/app/query-report/Collections Worklist?company={factories.COMPANY}&customer={customer}"
			)
			page.wait_for_selector(f".dt-scrollable :text('{invoices[0].name}')", timeout=60_000)
			self.assertTrue(page.locator(f".dt-scrollable :text('{case.name}')").count() >= 1)

			# Preview Next Run lists what the next run would do, writing nothing
			before = frappe.db.count("Collection Action")
			page.click("button:has-text('Preview Next Run')")
			page.wait_for_selector(".modal.show:has-text('Next Collections Run')", timeout=60_000)
			frappe.db.rollback()
			self.assertEqual(frappe.db.count("Collection Action"), before)
