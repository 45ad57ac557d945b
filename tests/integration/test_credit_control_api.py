"""REST methods of Credit Control, called the way /api/method calls them (frappe.handler), as
users with and without the Credit Controller role; refusals leave nothing written."""

import frappe
from frappe.handler import execute_cmd
from frappe.tests.utils import FrappeTestCase
from werkzeug.test import EnvironBuilder

from tests.integration import credit_control_helpers as helpers
from tests.integration import factories

API = "o2c_extension.api.credit"


class TestCreditApi(FrappeTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		frappe.set_user("Administrator")
		factories.company()
		cls.item = factories.item(stock_qty=1000, rate=100)
		cls.controller = helpers.controller()
		cls.sales_user = helpers.sales_user()

	def tearDown(self):
		frappe.set_user("Administrator")
		frappe.local.request = None
		frappe.local.form_dict = frappe._dict()

	def held_order(self):
		customer = factories.customer()
		helpers.credit_policy(customer=customer, credit_limit=100)
		order = factories.sales_order(customer, [(self.item, 5, 100)])
		return order, helpers.hold_of(order.name)

	def call(self, user, method, http_method="POST", **args):
		"""What /api/method/<method> does after authenticating `user`."""
		frappe.set_user(user)
		frappe.local.request = EnvironBuilder(method=http_method).get_request()
		frappe.local.form_dict = frappe._dict(args)
		return execute_cmd(f"{API}.{method}")

	def assertUnchanged(self, hold, order):
		hold_now = frappe.get_doc("Credit Hold", hold.name)
		self.assertEqual(hold_now.status, "Pending")
		self.assertEqual(len(hold_now.decisions), 1)
		self.assertFalse(hold_now.decided_by)
		self.assertEqual(frappe.db.get_value("Sales Order", order.name, "status"), "On Hold")

	def test_release_and_reject_without_the_role_are_refused(self):
		order, hold = self.held_order()
		for method in ("release_hold", "reject_hold"):
			with self.assertRaises(frappe.PermissionError):
				self.call(self.sales_user, method, name=hold.name, comment="let it go")
			self.assertUnchanged(hold, order)

	def test_release_over_rest_by_a_credit_controller(self):
		order, hold = self.held_order()
		result = self.call(self.controller, "release_hold", name=hold.name, comment="Approved by CFO")
		self.assertEqual(result, {"name": hold.name, "status": "Released"})
		frappe.set_user("Administrator")
		hold.reload()
		self.assertEqual(hold.decided_by, self.controller)
		self.assertEqual(frappe.db.get_value("Sales Order", order.name, "status"), "To Deliver and Bill")

	def test_decisions_need_post_a_comment_and_a_pending_hold(self):
		order, hold = self.held_order()
		with self.assertRaises(frappe.PermissionError):
			self.call(self.controller, "release_hold", http_method="GET", name=hold.name, comment="x")
		with self.assertRaisesRegex(frappe.ValidationError, "comment is required"):
			self.call(self.controller, "release_hold", name=hold.name, comment="  ")
		self.assertUnchanged(hold, order)
		with self.assertRaises(frappe.DoesNotExistError):
			self.call(self.controller, "release_hold", name="CH-NOPE", comment="x")

		self.call(self.controller, "reject_hold", name=hold.name, comment="No")
		for method in ("release_hold", "reject_hold"):
			with self.assertRaisesRegex(frappe.ValidationError, "only Pending holds"):
				self.call(self.controller, method, name=hold.name, comment="again")
		frappe.set_user("Administrator")
		self.assertEqual(len(frappe.get_doc("Credit Hold", hold.name).decisions), 2)

	def test_a_hold_cannot_be_decided_by_editing_it_in_the_desk(self):
		order, hold = self.held_order()
		frappe.set_user(self.controller)
		doc = frappe.get_doc("Credit Hold", hold.name)
		doc.status = "Released"
		with self.assertRaisesRegex(frappe.ValidationError, "only through Release or Reject"):
			doc.save()
		frappe.set_user(self.sales_user)
		doc = frappe.get_doc("Credit Hold", hold.name)  # Sales User reads holds
		doc.status = "Released"
		with self.assertRaises(frappe.PermissionError):
			doc.save()
		frappe.set_user("Administrator")
		self.assertUnchanged(hold, order)

	def test_get_exposure(self):
		customer = factories.customer()
		helpers.credit_policy(customer=customer, credit_limit=1000, tolerance_percent=10)
		factories.sales_invoice(customer, [(self.item, 3, 100)])
		factories.sales_order(customer, [(self.item, 2, 100)])

		result = self.call(
			self.sales_user, "get_exposure", http_method="GET", customer=customer, company=factories.COMPANY
		)
		self.assertEqual(result["credit_limit"], 1000)
		self.assertAlmostEqual(result["effective_limit"], 1100)
		self.assertEqual(
			(result["receivables"], result["open_orders"], result["unbilled_deliveries"]), (300, 200, 0)
		)
		self.assertEqual(result["total"], 500)
		self.assertEqual(result["utilisation_percent"], 50)
		self.assertEqual(result["oldest_overdue_days"], 0)
		self.assertEqual(result["status"], "Within Limit")
		self.assertEqual(result["pending_holds"], [])

		frappe.set_user("Administrator")
		_order, hold = self.held_order()
		result = self.call(
			self.controller,
			"get_exposure",
			http_method="GET",
			customer=hold.customer,
			company=factories.COMPANY,
		)
		self.assertEqual(result["status"], "On Credit Hold")
		self.assertEqual(result["pending_holds"], [hold.name])

	def test_get_exposure_needs_read_access_to_the_customer(self):
		outsider = factories.user("_o2c.credit.outsider@example.com", [factories.OUTSIDER_ROLE])
		customer = factories.customer()
		with self.assertRaises(frappe.PermissionError):
			self.call(
				outsider, "get_exposure", http_method="GET", customer=customer, company=factories.COMPANY
			)

	def test_who_may_do_what(self):
		manager = factories.user("_o2c.credit.accounts@example.com", ["Accounts Manager"])
		frappe.set_user(self.sales_user)
		self.assertTrue(frappe.has_permission("Credit Hold", "read"))
		self.assertFalse(frappe.has_permission("Credit Hold", "write"))
		self.assertFalse(frappe.has_permission("Credit Policy", "create"))
		frappe.set_user(self.controller)
		self.assertTrue(frappe.has_permission("Credit Policy", "create"))
		self.assertTrue(frappe.has_permission("Credit Hold", "write"))
		self.assertFalse(frappe.has_permission("Credit Hold", "create"))
		frappe.set_user(manager)
		self.assertTrue(frappe.has_permission("Credit Policy", "create"))
		self.assertTrue(frappe.has_permission("Credit Policy", "delete"))
