"""Connections (issue 15): the app's documents appear on the Customer, Sales Order and Sales Invoice
forms next to ERPNext's own, counted by Frappe's own connections query (`get_open_count`)."""

import frappe
from frappe.desk.notifications import get_open_count
from frappe.tests.utils import FrappeTestCase

from o2c_extension.api import scheduling as scheduling_api
from tests.integration import books, factories
from tests.integration import credit_control_helpers as credit_helpers
from tests.integration import scheduling_helpers as sched


def linked(doctype: str, name: str) -> dict[str, int]:
	try:
		found = get_open_count(doctype, name)["count"]
	finally:
		# get_open_count limits every later statement of the session to 1 s, for the request it
		# answers; this test process goes on with the same connection, where a slow insert of a
		# later test would be cut off, so the limit is taken off again as the request's end would
		frappe.db.set_execution_timeout(0)
	counts = {row["doctype"]: row["count"] for row in found["external_links_found"]}
	counts.update({row["doctype"]: row["count"] for row in found["internal_links_found"]})
	return counts


def groups(doctype: str) -> dict[str, list[str]]:
	return {
		group["label"]: group["items"] for group in frappe.get_meta(doctype).get_dashboard_data().transactions
	}


class TestConnections(FrappeTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		frappe.set_user("Administrator")
		books.world()

	def test_erpnext_connections_are_kept_and_ours_added(self):
		customer = groups("Customer")
		self.assertIn("Sales Order", customer["Orders"])  # ERPNext's own
		self.assertEqual(customer["Scheduling"], ["Scheduling Agreement", "Schedule Release"])
		self.assertIn("Credit Policy", customer["Credit"])
		self.assertEqual(
			set(customer["Collections"]),
			{"Collection Case", "Collection Action", "Promise to Pay", "Dispute"},
		)
		self.assertIn("Delivery Note", groups("Sales Order")["Fulfillment"])
		self.assertIn("Dunning", groups("Sales Invoice")["Payment"])
		self.assertIn("Collection Action", groups("Sales Invoice")["Collections"])

	def test_counting_leaves_no_statement_time_limit_on_the_session(self):
		customer, _items = sched.setup_masters(item_count=1, rates=(100,))
		linked("Customer", customer)
		(limit,) = frappe.db.sql("select @@session.max_statement_time")[0]
		self.assertEqual(
			float(limit), 0, "the later tests of this process would run under get_open_count's 1 s"
		)

	def test_held_call_off_order_shows_its_agreement_and_its_hold_and_the_customer_both(self):
		customer, items = sched.setup_masters(item_count=1, rates=(100,))
		agreement = sched.agreement(customer, [(items[0], 500, 100)], lines=[(items[0], 1, 40, "Firm")])
		credit_helpers.credit_policy(
			customer=customer, applies_to="Customer", credit_limit=1000, check_on_sales_order=1
		)
		orders = scheduling_api.release_now(agreement.name)  # 40 × 100 = 4,000 over 1,000: held
		self.assertEqual(len(orders), 1)
		hold = frappe.db.get_value("Sales Order", orders[0], "credit_hold")
		self.assertTrue(hold)

		order_links = linked("Sales Order", orders[0])
		self.assertEqual(order_links["Scheduling Agreement"], 1)
		self.assertEqual(order_links["Credit Hold"], 1)

		customer_links = linked("Customer", customer)
		self.assertEqual(customer_links["Scheduling Agreement"], 1)
		self.assertEqual(customer_links["Credit Hold"], 1)
		self.assertEqual(customer_links["Credit Policy"], 1)
		self.assertEqual(customer_links["Sales Order"], 1)  # ERPNext's count still there

	def test_invoice_shows_its_collections_documents(self):
		customer = books.eur_customer()
		item = factories.item(stock_qty=100, rate=100)
		invoice = books.sales_invoice(customer, [(item, 2, 100)])
		frappe.get_doc(
			{
				"doctype": "Collection Action",
				"sales_invoice": invoice.name,
				"customer": customer,
				"company": invoice.company,
				"action": "Create ToDo",
				"action_date": invoice.posting_date,
				"status": "Completed",
			}
		).insert(ignore_permissions=True)
		invoice_links = linked("Sales Invoice", invoice.name)
		self.assertEqual(invoice_links["Collection Action"], 1)
		self.assertEqual(invoice_links["Dispute"], 0)
		self.assertEqual(linked("Customer", customer)["Collection Action"], 1)
