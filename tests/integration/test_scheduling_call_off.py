"""Call-off on a real site: idempotent runs, a run failing half way, the tolerance on any Sales
Order, expiry by the daily job and the checks on manual orders against an agreement."""

import frappe
from frappe.tests.utils import FrappeTestCase, change_settings
from frappe.utils import getdate

from o2c_extension.api.scheduling import release_now
from o2c_extension.scheduling import call_off as call_off_module
from o2c_extension.scheduling.call_off import call_off
from o2c_extension.scheduling.jobs import daily
from o2c_extension.scheduling.orders import OverReleaseError
from tests.integration import factories
from tests.integration.scheduling_helpers import (
	agreement,
	agreement_status,
	in_days,
	item_cumulatives,
	line_states,
	orders_of,
	setup_masters,
)


class CrashAfter(BaseException):
	"""Not an Exception: it goes through the call-off's per-order handler, like a killed worker."""


def _fail_after(count: int, exc_type=RuntimeError):
	"""A make_sales_order whose call number `count + 1` fails right after the order was inserted
	and submitted: the worst moment, the whole order must still disappear."""
	original = call_off_module.make_sales_order
	calls = {"n": 0}

	def make(order, agreement, items, today):
		calls["n"] += 1
		name = original(order, agreement, items, today)
		if calls["n"] == count + 1:
			raise exc_type("injected failure")
		return name

	return make


class TestCallOff(FrappeTestCase):
	def setUp(self):
		self.customer, (self.item_a, self.item_b) = setup_masters()

	def _agreement(self, **kwargs):
		return agreement(
			self.customer,
			[(self.item_a, 1000, 10), (self.item_b, 1000, 20)],
			lines=[
				(self.item_a, 1, 10, "Firm"),
				(self.item_b, 1, 5, "Firm"),
				(self.item_a, 2, 10, "Firm"),
				(self.item_a, 3, 10, "Firm"),
				(self.item_a, 4, 10, "Forecast"),
				(self.item_a, 20, 10, "Firm"),
			],
			release_horizon_days=5,
			**kwargs,
		)

	def test_one_order_per_date_within_the_horizon_and_a_second_run_makes_nothing(self):
		sa = self._agreement()
		made = call_off([sa.name]).sales_orders
		self.assertEqual(len(made), 3)
		self.assertEqual(
			sorted(getdate(frappe.db.get_value("Sales Order", name, "delivery_date")) for name in made),
			[in_days(1), in_days(2), in_days(3)],
		)
		self.assertEqual(call_off([sa.name]).sales_orders, [])
		daily()
		self.assertEqual(len(orders_of(sa.name)), 3)
		states = line_states(sa.name)
		self.assertEqual(states[(self.item_a, in_days(4))][0], "Open")  # forecast
		self.assertEqual(states[(self.item_a, in_days(20))][0], "Open")  # beyond the horizon

	def test_a_run_skips_what_another_run_ordered_after_it_planned(self):
		sa = self._agreement()
		original = call_off_module.make_sales_order
		inner = {}

		def make_and_let_another_run_in(order, agreement, items, today):
			name = original(order, agreement, items, today)
			if not inner:
				inner["orders"] = []
				# e.g. a "Release Now" while the daily job is between two orders
				inner["orders"] = call_off([sa.name]).sales_orders
			return name

		call_off_module.make_sales_order = make_and_let_another_run_in
		try:
			outer = call_off([sa.name]).sales_orders
		finally:
			call_off_module.make_sales_order = original
		self.assertEqual(len(inner["orders"]), 2)
		self.assertEqual(len(outer), 1)
		self.assertEqual(len(orders_of(sa.name)), 3)
		self.assertEqual(
			frappe.db.count("Sales Order Item", {"scheduling_agreement": sa.name, "docstatus": 1}), 4
		)

	def test_daily_job_calls_off_every_active_agreement_only(self):
		active = self._agreement()
		draft = self._agreement(submit=False)
		daily()
		self.assertEqual(len(orders_of(active.name)), 3)
		self.assertEqual(orders_of(draft.name), [])
		self.assertEqual(orders_of(draft.name, docstatus=0), [])

	def test_a_failing_order_is_rolled_back_and_the_others_are_made(self):
		sa = self._agreement()
		original = call_off_module.make_sales_order
		call_off_module.make_sales_order = _fail_after(1)
		try:
			result = call_off([sa.name])
		finally:
			call_off_module.make_sales_order = original
		# the first and third dates are made; the second failed after inserting its order
		self.assertEqual(len(result.sales_orders), 2)
		self.assertEqual(len(result.failures), 1)
		self.assertEqual(result.failures[0][1], str(in_days(2)))
		self.assertEqual(len(orders_of(sa.name)), 2)
		self.assertEqual(orders_of(sa.name, docstatus=0), [])
		self.assertEqual(line_states(sa.name)[(self.item_a, in_days(2))][0], "Open")
		self.assertTrue(
			frappe.db.exists(
				"Error Log", {"reference_doctype": "Scheduling Agreement", "reference_name": sa.name}
			)
		)

		# the next run completes the rest
		self.assertEqual(len(call_off([sa.name]).sales_orders), 1)
		self.assertEqual(len(orders_of(sa.name)), 3)
		self.assertEqual(call_off([sa.name]).sales_orders, [])

	def test_a_run_killed_half_way_keeps_what_it_committed_and_the_next_run_completes(self):
		sa = self._agreement()
		frappe.db.commit()  # the job commits per order: start from a committed agreement
		original = call_off_module.make_sales_order
		call_off_module.make_sales_order = _fail_after(2, CrashAfter)
		try:
			with self.assertRaises(CrashAfter):
				call_off([sa.name], commit=True)
		finally:
			call_off_module.make_sales_order = original
		# what a worker does with a dead job's transaction
		frappe.db.rollback()

		self.assertEqual(len(orders_of(sa.name)), 2)
		self.assertEqual(orders_of(sa.name, docstatus=0), [])
		self.assertEqual(
			frappe.db.count("Sales Order Item", {"scheduling_agreement": sa.name}),
			3,  # day 1 (two items) + day 2; nothing of day 3
		)
		self.assertEqual(item_cumulatives(sa.name)[self.item_a], (20, 0, 0))

		daily()
		self.assertEqual(len(orders_of(sa.name)), 3)
		self.assertEqual(item_cumulatives(sa.name)[self.item_a], (30, 0, 0))
		daily()
		self.assertEqual(len(orders_of(sa.name)), 3)

	def test_expired_agreement_is_marked_by_the_daily_job_and_not_called_off(self):
		sa = self._agreement(valid_from=in_days(-30))
		# the validity ran out yesterday (lines may not lie outside it, so the date is moved after)
		frappe.db.set_value("Scheduling Agreement", sa.name, "valid_to", in_days(-1))
		daily()
		self.assertEqual(agreement_status(sa.name), "Expired")
		self.assertEqual(orders_of(sa.name), [])
		with self.assertRaises(frappe.ValidationError):
			release_now(sa.name)

	def test_with_the_capability_off_orders_are_neither_checked_nor_counted(self):
		sa = self._agreement()
		with change_settings("O2C Settings", {"enable_scheduling": 0}):
			order = factories.sales_order(
				self.customer,
				[(self.item_a, 5000, 10)],
				scheduling_agreement=sa.name,
			)
		# with the capability off, neither the tolerance nor the cumulatives apply
		self.assertEqual(order.docstatus, 1)
		self.assertEqual(item_cumulatives(sa.name)[self.item_a], (0, 0, 0))


class TestTolerance(FrappeTestCase):
	def setUp(self):
		self.customer, (self.item_a,) = setup_masters(item_count=1)
		self.sa = agreement(
			self.customer,
			[(self.item_a, 100, 10)],
			lines=[(self.item_a, 1, 60, "Firm"), (self.item_a, 2, 60, "Firm")],
			tolerance_percent=10,
			release_horizon_days=5,
		)

	def test_manual_order_over_tolerance_is_refused_naming_item_and_quantities(self):
		factories.sales_order(self.customer, [(self.item_a, 100, 10)], scheduling_agreement=self.sa.name)
		self.assertEqual(item_cumulatives(self.sa.name)[self.item_a][0], 100)
		with self.assertRaises(OverReleaseError) as caught:
			factories.sales_order(self.customer, [(self.item_a, 11, 10)], scheduling_agreement=self.sa.name)
		message = str(caught.exception)
		for fragment in (self.item_a, "agreed 100", "already released 100", "requested 11", "110"):
			self.assertIn(fragment, message)
		# exactly up to the tolerance is fine
		factories.sales_order(self.customer, [(self.item_a, 10, 10)], scheduling_agreement=self.sa.name)
		self.assertEqual(item_cumulatives(self.sa.name)[self.item_a][0], 110)

	def test_sales_order_made_by_hand_from_the_agreement(self):
		from o2c_extension.scheduling.doctype.scheduling_agreement.scheduling_agreement import (
			make_sales_order,
		)

		call_off([self.sa.name])  # 60 released
		order = make_sales_order(self.sa.name)
		self.assertEqual(order.scheduling_agreement, self.sa.name)
		self.assertEqual([(row.item_code, row.qty, row.rate) for row in order.items], [(self.item_a, 40, 10)])
		self.assertEqual(order.items[0].scheduling_agreement, self.sa.name)
		order.delivery_date = in_days(5)
		order.items[0].delivery_date = in_days(5)
		order.items[0].qty = 51  # 60 + 51 > 110
		with self.assertRaises(OverReleaseError):
			order.insert()
		order.items[0].qty = 50
		order.insert()
		order.submit()
		self.assertEqual(item_cumulatives(self.sa.name)[self.item_a][0], 110)

	def test_call_off_stops_at_the_tolerance(self):
		result = call_off([self.sa.name])
		# 60 fits; 60 + 60 = 120 > 110: the second order is refused and logged
		self.assertEqual(len(result.sales_orders), 1)
		self.assertEqual(len(result.failures), 1)
		self.assertIn("requested 60", result.failures[0][2])
		self.assertEqual(item_cumulatives(self.sa.name)[self.item_a][0], 60)
		self.assertEqual(line_states(self.sa.name)[(self.item_a, in_days(2))][0], "Open")

	def test_update_items_on_a_submitted_order_is_counted_and_held_to_the_tolerance(self):
		from erpnext.controllers.accounts_controller import update_child_qty_rate

		(name,) = call_off([self.sa.name]).sales_orders[:1]
		row = frappe.get_doc("Sales Order", name).items[0]

		def update_items(qty):
			update_child_qty_rate(
				"Sales Order",
				frappe.as_json(
					[
						{
							"docname": row.name,
							"item_code": row.item_code,
							"qty": qty,
							"rate": row.rate,
							"uom": row.uom,
							"conversion_factor": row.conversion_factor,
							"delivery_date": str(row.delivery_date),
						}
					]
				),
				name,
			)

		update_items(70)
		self.assertEqual(item_cumulatives(self.sa.name)[self.item_a][0], 70)
		with self.assertRaises(OverReleaseError):
			update_items(111)

	def test_orders_for_another_customer_or_items_off_the_agreement_are_refused(self):
		other_customer = factories.customer()
		with self.assertRaises(frappe.ValidationError):
			factories.sales_order(other_customer, [(self.item_a, 1, 10)], scheduling_agreement=self.sa.name)
		stranger = factories.item()
		# an item not on the agreement stays an ordinary row; a row claiming the agreement is refused
		order = factories.sales_order(self.customer, [(stranger, 1, 10)], scheduling_agreement=self.sa.name)
		self.assertFalse(order.items[0].scheduling_agreement)
		doc = frappe.get_doc(
			{
				"doctype": "Sales Order",
				"customer": self.customer,
				"company": factories.company(),
				"transaction_date": in_days(0),
				"delivery_date": in_days(3),
				"items": [
					{
						"item_code": stranger,
						"qty": 1,
						"rate": 10,
						"warehouse": factories.warehouse(),
						"scheduling_agreement": self.sa.name,
					}
				],
			}
		)
		with self.assertRaises(frappe.ValidationError):
			doc.insert()
