"""The whole life of a scheduling agreement on a real site: Quotation → agreement → customer release
→ call-off → Delivery Note → Sales Invoice, with the cumulatives checked after every step and
again after cancelling each document in reverse order."""

import frappe
from erpnext.selling.doctype.sales_order.sales_order import make_sales_invoice as invoice_from_order
from erpnext.stock.doctype.delivery_note.delivery_note import make_sales_return
from frappe.tests.utils import FrappeTestCase
from frappe.utils import getdate

from o2c_extension.api.scheduling import import_release, release_now
from o2c_extension.scheduling.doctype.scheduling_agreement.scheduling_agreement import (
	make_scheduling_agreement,
)
from o2c_extension.scheduling.jobs import daily
from o2c_extension.scheduling.orders import OverReleaseError
from tests.integration import factories
from tests.integration.factories import quotation
from tests.integration.scheduling_helpers import (
	agreement,
	agreement_status,
	in_days,
	item_cumulatives,
	line_states,
	orders_of,
	release_lines,
	schedule,
	setup_masters,
)


class TestSchedulingAgreementLifecycle(FrappeTestCase):
	def test_quotation_to_invoice_and_back(self):
		customer, (item_a, item_b) = setup_masters()

		# Quotation → Scheduling Agreement (ERPNext's mapper)
		quote = quotation(customer, [(item_a, 100, 90), (item_b, 40, 45)])
		sa = make_scheduling_agreement(quote.name)
		self.assertEqual(sa.customer, customer)
		self.assertEqual(sa.quotation, quote.name)
		self.assertEqual(sa.company, factories.COMPANY)
		self.assertEqual(
			[(row.item_code, row.agreed_qty, row.rate) for row in sa.items],
			[(item_a, 100, 90), (item_b, 40, 45)],
		)
		sa.tolerance_percent = 10
		sa.release_horizon_days = 7
		sa.insert()
		self.assertEqual(sa.status, "Draft")
		sa.submit()
		self.assertEqual(agreement_status(sa.name), "Active")

		# customer release: three firm lines inside the horizon, a forecast, a firm line beyond it
		result = import_release(
			sa.name,
			"REL-1",
			str(in_days(0)),
			release_lines(
				(item_a, 1, 30, "Firm"),
				(item_b, 1, 10, "Firm"),
				(item_a, 3, 20, "Firm"),
				(item_a, 20, 40, "Forecast"),
				(item_b, 30, 25, "Firm"),
			),
		)
		self.assertEqual((result["lines_added"], result["lines_changed"], result["lines_removed"]), (5, 0, 0))
		self.assertEqual(result["item_deltas"][item_a]["qty_delta"], 90)
		self.assertTrue(all(row.status == "Open" for row in schedule(sa.name)))
		self.assertEqual(frappe.db.get_value("Scheduling Agreement", sa.name, "last_release_no"), "REL-1")

		# call-off: one order per schedule date, firm lines within the horizon only
		orders = release_now(sa.name)
		self.assertEqual(len(orders), 2)
		first, second = (frappe.get_doc("Sales Order", name) for name in orders_of(sa.name))
		self.assertEqual(sorted(orders), sorted([first.name, second.name]))
		self.assertEqual(getdate(first.delivery_date), in_days(1))
		self.assertEqual(first.scheduling_agreement, sa.name)
		self.assertEqual(first.docstatus, 1)
		self.assertEqual(
			sorted((row.item_code, row.qty, row.rate, getdate(row.delivery_date)) for row in first.items),
			sorted([(item_a, 30, 90, in_days(1)), (item_b, 10, 45, in_days(1))]),
		)
		lines_by_key = {(row.item_code, getdate(row.schedule_date)): row for row in schedule(sa.name)}
		for row in first.items:
			self.assertEqual(row.scheduling_agreement, sa.name)
			self.assertEqual(row.schedule_line, lines_by_key[(row.item_code, in_days(1))].name)
		self.assertEqual([(row.item_code, row.qty) for row in second.items], [(item_a, 20)])
		self.assertEqual(item_cumulatives(sa.name), {item_a: (50, 0, 0), item_b: (10, 0, 0)})
		states = line_states(sa.name)
		self.assertEqual(states[(item_a, in_days(1))], ("Released", 30, 0, 0))
		self.assertEqual(states[(item_a, in_days(20))][0], "Open")  # forecast
		self.assertEqual(states[(item_b, in_days(30))][0], "Open")  # beyond the horizon
		self.assertEqual(lines_by_key[(item_a, in_days(1))].sales_order, first.name)

		# a second run, by hand or by the daily job, makes nothing
		self.assertEqual(release_now(sa.name), [])
		daily()
		self.assertEqual(len(orders_of(sa.name)), 2)

		# Delivery Note from the first order: the mapper carries agreement and line
		dn = factories.delivery_note_from_order(first.name)
		self.assertEqual(dn.scheduling_agreement, sa.name)
		self.assertTrue(all(row.scheduling_agreement == sa.name and row.schedule_line for row in dn.items))
		self.assertEqual(item_cumulatives(sa.name), {item_a: (50, 30, 0), item_b: (10, 10, 0)})
		self.assertEqual(line_states(sa.name)[(item_a, in_days(1))], ("Delivered", 30, 30, 0))

		# Sales Invoice from the Delivery Note
		si = factories.sales_invoice_from_delivery_note(dn.name)
		self.assertEqual(si.scheduling_agreement, sa.name)
		self.assertTrue(all(row.schedule_line for row in si.items))
		self.assertEqual(item_cumulatives(sa.name), {item_a: (50, 30, 30), item_b: (10, 10, 10)})
		self.assertEqual(line_states(sa.name)[(item_b, in_days(1))], ("Delivered", 10, 10, 10))

		# half of the second order delivered, then a return of part of it
		dn2 = factories.delivery_note_from_order(second.name, qty_factor=0.5)
		self.assertEqual(item_cumulatives(sa.name)[item_a], (50, 40, 30))
		self.assertEqual(line_states(sa.name)[(item_a, in_days(3))], ("Released", 20, 10, 0))
		dn2_return = make_sales_return(dn2.name)
		dn2_return.items[0].qty = -4
		dn2_return.insert()
		dn2_return.submit()
		self.assertEqual(item_cumulatives(sa.name)[item_a], (50, 36, 30))
		self.assertEqual(line_states(sa.name)[(item_a, in_days(3))], ("Released", 20, 6, 0))

		# a credit note reduces billed
		credit_note = factories.credit_note_for_invoice(si.name)
		self.assertEqual(item_cumulatives(sa.name), {item_a: (50, 36, 0), item_b: (10, 10, 0)})
		self.assertEqual(sa.name, credit_note.scheduling_agreement)

		# ---- and back, in reverse order
		credit_note.cancel()
		self.assertEqual(item_cumulatives(sa.name), {item_a: (50, 36, 30), item_b: (10, 10, 10)})
		dn2_return.cancel()
		self.assertEqual(item_cumulatives(sa.name)[item_a], (50, 40, 30))
		frappe.get_doc("Delivery Note", dn2.name).cancel()
		self.assertEqual(item_cumulatives(sa.name)[item_a], (50, 30, 30))
		frappe.get_doc("Sales Invoice", si.name).cancel()
		self.assertEqual(item_cumulatives(sa.name), {item_a: (50, 30, 0), item_b: (10, 10, 0)})
		self.assertEqual(line_states(sa.name)[(item_b, in_days(1))], ("Delivered", 10, 10, 0))
		frappe.get_doc("Delivery Note", dn.name).cancel()
		self.assertEqual(item_cumulatives(sa.name), {item_a: (50, 0, 0), item_b: (10, 0, 0)})
		self.assertEqual(line_states(sa.name)[(item_a, in_days(1))], ("Released", 30, 0, 0))
		frappe.get_doc("Sales Order", second.name).cancel()
		self.assertEqual(item_cumulatives(sa.name), {item_a: (30, 0, 0), item_b: (10, 0, 0)})
		frappe.get_doc("Sales Order", first.name).cancel()
		self.assertEqual(item_cumulatives(sa.name), {item_a: (0, 0, 0), item_b: (0, 0, 0)})
		# lines whose order was cancelled are not called off again
		states = line_states(sa.name)
		self.assertEqual(states[(item_a, in_days(1))], ("Cancelled", 0, 0, 0))
		self.assertEqual(states[(item_a, in_days(3))], ("Cancelled", 0, 0, 0))
		self.assertEqual(release_now(sa.name), [])
		self.assertEqual(agreement_status(sa.name), "Active")

	def test_invoice_that_updates_stock_counts_as_delivery_and_completes_the_agreement(self):
		customer, (item_a,) = setup_masters(item_count=1)
		sa = agreement(customer, [(item_a, 10, 100)], lines=[(item_a, 2, 10, "Firm")])
		(order,) = release_now(sa.name)

		invoice = invoice_from_order(order)
		invoice.update_stock = 1
		for row in invoice.items:
			row.warehouse = factories.warehouse()
		invoice.insert()
		invoice.submit()
		self.assertEqual(item_cumulatives(sa.name), {item_a: (10, 10, 10)})
		self.assertEqual(line_states(sa.name)[(item_a, in_days(2))][0], "Delivered")
		self.assertEqual(agreement_status(sa.name), "Completed")
		self.assertEqual(frappe.db.get_value("Scheduling Agreement", sa.name, "per_delivered"), 100)

		invoice.cancel()
		self.assertEqual(item_cumulatives(sa.name), {item_a: (10, 0, 0)})
		self.assertEqual(agreement_status(sa.name), "Active")

	def test_cumulatives_survive_a_repeated_event(self):
		customer, (item_a,) = setup_masters(item_count=1)
		sa = agreement(customer, [(item_a, 50, 100)], lines=[(item_a, 1, 20, "Firm")])
		(order,) = release_now(sa.name)
		dn = factories.delivery_note_from_order(order)
		before = item_cumulatives(sa.name)
		# the same event delivered twice (a retried hook, a re-run) changes nothing
		from o2c_extension.scheduling import events

		events.delivery_note_on_submit(dn)
		events.delivery_note_on_submit(dn)
		events.sales_order_on_submit(frappe.get_doc("Sales Order", order))
		self.assertEqual(item_cumulatives(sa.name), before)
		self.assertEqual(before, {item_a: (20, 20, 0)})

	def test_a_closed_order_releases_only_what_it_delivered(self):
		customer, (item_a,) = setup_masters(item_count=1)
		sa = agreement(customer, [(item_a, 50, 100)], lines=[(item_a, 1, 10, "Firm")])
		(order,) = release_now(sa.name)
		factories.delivery_note_from_order(order, qty_factor=0.5)
		self.assertEqual(item_cumulatives(sa.name), {item_a: (10, 5, 0)})

		# closing is no submit or cancel, yet the agreement follows at once
		frappe.get_doc("Sales Order", order).update_status("Closed")
		self.assertEqual(item_cumulatives(sa.name), {item_a: (5, 5, 0)})
		self.assertEqual(line_states(sa.name)[(item_a, in_days(1))], ("Released", 5, 5, 0))
		self.assertEqual(frappe.db.get_value("Scheduling Agreement", sa.name, "per_released"), 10)
		self.assertEqual(release_now(sa.name), [])

		# re-opening releases the whole order again
		frappe.get_doc("Sales Order", order).update_status("Draft")
		self.assertEqual(frappe.db.get_value("Sales Order", order, "status"), "To Deliver and Bill")
		self.assertEqual(item_cumulatives(sa.name), {item_a: (10, 5, 0)})
		self.assertEqual(line_states(sa.name)[(item_a, in_days(1))], ("Released", 10, 5, 0))
		self.assertEqual(frappe.db.get_value("Scheduling Agreement", sa.name, "per_released"), 20)
		daily()  # the daily refresh finds nothing left to correct
		self.assertEqual(item_cumulatives(sa.name), {item_a: (10, 5, 0)})

	def test_closing_an_undelivered_order_from_the_list_cancels_its_line_until_reopened(self):
		from erpnext.selling.doctype.sales_order.sales_order import close_or_unclose_sales_orders

		customer, (item_a,) = setup_masters(item_count=1)
		sa = agreement(
			customer, [(item_a, 50, 100)], lines=[(item_a, 1, 10, "Firm"), (item_a, 30, 40, "Forecast")]
		)
		(order,) = release_now(sa.name)
		scheduled = frappe.db.get_value("Scheduling Agreement Item", {"parent": sa.name}, "scheduled_qty")
		self.assertEqual(scheduled, 50)

		# the Sales Order list's Close action
		close_or_unclose_sales_orders(frappe.as_json([order]), "Closed")
		self.assertEqual(item_cumulatives(sa.name), {item_a: (0, 0, 0)})
		self.assertEqual(line_states(sa.name)[(item_a, in_days(1))], ("Cancelled", 0, 0, 0))
		scheduled = frappe.db.get_value("Scheduling Agreement Item", {"parent": sa.name}, "scheduled_qty")
		self.assertEqual(scheduled, 40)
		# a line whose order was closed is not called off again
		self.assertEqual(release_now(sa.name), [])

		close_or_unclose_sales_orders(frappe.as_json([order]), "Re-open")
		self.assertEqual(item_cumulatives(sa.name), {item_a: (10, 0, 0)})
		self.assertEqual(line_states(sa.name)[(item_a, in_days(1))], ("Released", 10, 0, 0))
		scheduled = frappe.db.get_value("Scheduling Agreement Item", {"parent": sa.name}, "scheduled_qty")
		self.assertEqual(scheduled, 50)

	def test_reopening_an_order_is_held_to_the_tolerance(self):
		customer, (item_a,) = setup_masters(item_count=1)
		sa = agreement(customer, [(item_a, 100, 10)], tolerance_percent=10)
		first = factories.sales_order(customer, [(item_a, 60, 10)], scheduling_agreement=sa.name)
		first.update_status("Closed")
		# the 60 the closed order gave back are ordered again elsewhere
		factories.sales_order(customer, [(item_a, 100, 10)], scheduling_agreement=sa.name)
		self.assertEqual(item_cumulatives(sa.name), {item_a: (100, 0, 0)})

		frappe.db.savepoint("reopen")
		with self.assertRaises(OverReleaseError) as caught:
			frappe.get_doc("Sales Order", first.name).update_status("Draft")
		frappe.db.rollback(save_point="reopen")  # what a request does with the whole transaction
		for fragment in ("already released 100", "requested 60", "110"):
			self.assertIn(fragment, str(caught.exception))
		self.assertEqual(frappe.db.get_value("Sales Order", first.name, "status"), "Closed")
		self.assertEqual(item_cumulatives(sa.name), {item_a: (100, 0, 0)})

	def test_dashboard_links_orders_deliveries_and_invoices(self):
		from o2c_extension.scheduling.doctype.scheduling_agreement.scheduling_agreement_dashboard import (
			get_data,
		)

		data = get_data()
		self.assertEqual(data["fieldname"], "scheduling_agreement")
		linked = {doctype for group in data["transactions"] for doctype in group["items"]}
		self.assertTrue({"Sales Order", "Delivery Note", "Sales Invoice", "Schedule Release"} <= linked)
		for doctype in ("Sales Order", "Delivery Note", "Sales Invoice", "Schedule Release"):
			self.assertTrue(frappe.get_meta(doctype).has_field("scheduling_agreement"), doctype)
