"""The Collections desk additions in a real browser: the collection status indicator and the
Collections buttons on a Sales Invoice (dispute, resolve, promise to pay), and the Collections
Worklist report page.

Skipped (with the reason) when Chromium or Playwright is missing; see tests/integration/browser.py.
"""

import frappe
from frappe.tests.utils import FrappeTestCase
from frappe.utils import add_days, getdate, nowdate
from frappe.utils.password import update_password

from o2c_extension.collections import core
from tests.integration import collections_helpers as helpers
from tests.integration import factories
from tests.integration.browser import chromium, login, open_form, requires_browser
from tests.integration.web import running_server

PASSWORD = "Coll-Desk-2026!"


@requires_browser
class TestCollectionsDesk(FrappeTestCase):
	def test_sales_invoice_collections_buttons(self):
		# the web server runs on the real clock: an invoice ten days overdue today
		today = getdate(nowdate())
		factories.ensure_fiscal_year(today)
		factories.ensure_fiscal_year(add_days(today, -20))
		helpers.collection_users()
		customer = helpers.customer_with_contacts("_billing-desk@example.com")
		invoice = helpers.invoice(customer, add_days(today, -20), due_in_days=10)
		self.assertEqual(helpers.status_of(invoice.name), core.OVERDUE)
		update_password(helpers.MANAGER, PASSWORD)
		frappe.db.commit()  # the web server only sees committed data

		with running_server() as base_url, chromium() as browser:
			page = login(browser, base_url, helpers.MANAGER, PASSWORD)
			open_form(page, base_url, f"sales-invoice/{invoice.name}")
			page.wait_for_selector(".form-message:has-text('Collections: Overdue')")

			# Collections › Record Dispute
			click_collections_button(page, "Record Dispute")
			page.wait_for_function("window.cur_dialog && cur_dialog.fields_dict.reason")
			page.evaluate("cur_dialog.set_value('reason', 'Damaged on arrival')")
			page.click(".modal.show .btn-primary")
			page.wait_for_selector(".form-message:has-text('Collections: disputed (Damaged on arrival)')")
			frappe.db.rollback()  # see what the server committed
			self.assertEqual(
				frappe.db.get_value("Sales Invoice", invoice.name, ["disputed", "dispute_reason"]),
				(1, "Damaged on arrival"),
			)

			# Collections › Resolve Dispute (confirmed)
			click_collections_button(page, "Resolve Dispute")
			page.click(".modal.show .btn-primary")
			page.wait_for_selector(".form-message:has-text('Collections: Overdue')")
			frappe.db.rollback()
			self.assertEqual(helpers.status_of(invoice.name), core.OVERDUE)

			# Collections › Record Promise to Pay
			promise = add_days(today, 5)
			click_collections_button(page, "Record Promise to Pay")
			page.wait_for_function("window.cur_dialog && cur_dialog.fields_dict.promise_date")
			page.evaluate(f"cur_dialog.set_value('promise_date', '{promise}')")
			page.click(".modal.show .btn-primary")
			page.wait_for_selector(".form-message:has-text('Collections: promised by')")
			frappe.db.rollback()
			self.assertEqual(helpers.status_of(invoice.name), core.PROMISE_TO_PAY)
			self.assertEqual(
				getdate(frappe.db.get_value("Sales Invoice", invoice.name, "promise_to_pay_date")), promise
			)

			# the worklist shows the invoice, flagged as promised
			page.goto(
				f"{base_url}/app/query-report/Collections Worklist?company={factories.COMPANY}&customer={customer}"
			)
			page.wait_for_selector(f".dt-scrollable :text('{invoice.name}')", timeout=60_000)
			self.assertTrue(page.locator(".dt-scrollable :text('Promise to Pay')").count() >= 1)


def click_collections_button(page, label: str) -> None:
	page.click('.inner-group-button[data-label="Collections"] button')
	page.click(f'.inner-group-button[data-label="Collections"] [data-label="{label.replace(" ", "%20")}"]')
