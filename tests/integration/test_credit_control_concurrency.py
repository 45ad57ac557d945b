"""Two submits for one customer at the same time, through separate database connections: together
they exceed the limit, so only one may pass. The data is committed first (a second connection sees
only committed rows); the conftest restores the database after the session."""

import frappe
from frappe.tests.utils import FrappeTestCase

from o2c_extension.credit_control.exposure import get_exposure
from tests.integration import credit_control_helpers as helpers
from tests.integration import factories
from tests.integration.concurrency import submit_at_once


class TestConcurrentSubmits(FrappeTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		frappe.set_user("Administrator")
		factories.company()
		cls.item = factories.item(stock_qty=100, rate=100)  # its Bin exists before the race
		frappe.db.commit()

	def committed_customer_with_draft_orders(self, limit, *amounts):
		customer = factories.customer()
		helpers.credit_policy(customer=customer, credit_limit=limit)
		orders = [
			factories.sales_order(customer, [(self.item, amount / 100, 100)], submit=False).name
			for amount in amounts
		]
		frappe.db.commit()
		return customer, orders

	def test_two_concurrent_submits_only_one_passes(self):
		customer, orders = self.committed_customer_with_draft_orders(1000, 600, 600)
		results = submit_at_once(orders)
		self.assertEqual(results, dict.fromkeys(orders, "submitted"))

		frappe.db.rollback()  # a fresh snapshot that sees what the threads committed
		statuses = sorted(frappe.db.get_value("Sales Order", name, "status") for name in orders)
		self.assertEqual(statuses, ["On Hold", "To Deliver and Bill"])
		self.assertEqual(frappe.db.count("Credit Hold", {"customer": customer, "status": "Pending"}), 1)
		self.assertEqual(get_exposure(customer, factories.COMPANY).open_orders, 600)

	def test_a_check_sees_what_a_concurrent_transaction_approved_after_its_snapshot(self):
		_customer, (mine, theirs) = self.committed_customer_with_draft_orders(1000, 600, 600)
		order = frappe.get_doc("Sales Order", mine)  # this transaction's snapshot starts here

		results = submit_at_once([theirs])
		self.assertEqual(results, {theirs: "submitted"})
		self.assertEqual(frappe.db.get_value("Sales Order", theirs, "docstatus"), 0)  # still invisible here

		order.submit()
		order.reload()
		self.assertEqual(order.status, "On Hold")
		hold = helpers.hold_of(order.name)
		self.assertEqual(hold.exposure, 1200)
		self.assertIn("approved by a concurrent check", hold.decisions[0].comment)
		frappe.db.rollback()
