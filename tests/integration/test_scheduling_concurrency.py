"""Two Sales Orders against one scheduling agreement submitted at the same time, through separate
database connections: together they pass the agreement's quantity plus tolerance, so only one may
be submitted. The data is committed first (a second connection sees only committed rows); the
conftest restores the database after the session."""

import frappe
from frappe.tests.utils import FrappeTestCase

from o2c_extension.scheduling.orders import OverReleaseError
from tests.integration import factories
from tests.integration.concurrency import submit_at_once
from tests.integration.scheduling_helpers import agreement, item_cumulatives, setup_masters


class TestConcurrentReleases(FrappeTestCase):
	def committed_agreement_with_draft_orders(self, *quantities):
		"""An agreement for 100 (tolerance 10 %: at most 110 released) and draft orders against it."""
		customer, (item,) = setup_masters(item_count=1)
		sa = agreement(customer, [(item, 100, 10)], tolerance_percent=10)
		orders = [
			factories.sales_order(
				customer, [(item, qty, 10)], scheduling_agreement=sa.name, submit=False
			).name
			for qty in quantities
		]
		frappe.db.commit()
		return sa.name, item, orders

	def test_two_concurrent_orders_only_one_passes(self):
		sa, item, orders = self.committed_agreement_with_draft_orders(60, 60)
		results = submit_at_once(orders)

		self.assertEqual(sorted(results), sorted(orders))
		submitted = [name for name, result in results.items() if result == "submitted"]
		refused = [result for result in results.values() if result != "submitted"]
		self.assertEqual(len(submitted), 1, results)
		self.assertEqual(len(refused), 1, results)
		self.assertTrue(refused[0].startswith("OverReleaseError"), refused[0])
		self.assertIn("already released 60", refused[0])

		frappe.db.rollback()  # a fresh snapshot that sees what the threads committed
		self.assertEqual(item_cumulatives(sa), {item: (60, 0, 0)})

	def test_a_check_sees_what_a_concurrent_transaction_released_after_its_snapshot(self):
		sa, item, (mine, theirs) = self.committed_agreement_with_draft_orders(60, 60)
		order = frappe.get_doc("Sales Order", mine)  # this transaction's snapshot starts here

		results = submit_at_once([theirs])
		self.assertEqual(results, {theirs: "submitted"})
		self.assertEqual(frappe.db.get_value("Sales Order", theirs, "docstatus"), 0)  # still invisible here

		with self.assertRaises(OverReleaseError) as caught:
			order.submit()
		self.assertIn("already released 60", str(caught.exception))
		frappe.db.rollback()
		self.assertEqual(item_cumulatives(sa), {item: (60, 0, 0)})

	def test_orders_that_fit_together_both_pass_and_both_are_counted(self):
		sa, item, orders = self.committed_agreement_with_draft_orders(50, 60)
		results = submit_at_once(orders)
		self.assertEqual(results, dict.fromkeys(orders, "submitted"))
		frappe.db.rollback()
		self.assertEqual(item_cumulatives(sa), {item: (110, 0, 0)})

	def test_concurrent_deliveries_leave_exact_stored_cumulatives(self):
		# each submit refreshes in its own snapshot, then again right after it commits, under the
		# agreement's lock: the last to commit counts both (for orders: the test above)
		sa, item, orders = self.committed_agreement_with_draft_orders(50, 60)
		for order in orders:
			frappe.get_doc("Sales Order", order).submit()
		deliveries = [factories.delivery_note_from_order(order, submit=False).name for order in orders]
		frappe.db.commit()
		results = submit_at_once(deliveries, doctype="Delivery Note")
		self.assertEqual(results, dict.fromkeys(deliveries, "submitted"))
		frappe.db.rollback()
		self.assertEqual(item_cumulatives(sa), {item: (110, 110, 0)})
