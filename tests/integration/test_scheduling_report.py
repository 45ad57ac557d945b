"""The Schedule vs Actual report on a real site."""

import frappe
from frappe.tests.utils import FrappeTestCase
from frappe.utils import getdate

from o2c_extension.scheduling.call_off import call_off
from o2c_extension.scheduling.report.schedule_vs_actual.schedule_vs_actual import execute
from tests.integration import factories
from tests.integration.scheduling_helpers import agreement, in_days, orders_of, setup_masters


class TestScheduleVsActual(FrappeTestCase):
	def test_scheduled_released_delivered_billed_backlog_and_overdue(self):
		customer, (item_a, item_b) = setup_masters()
		sa = agreement(
			customer,
			[(item_a, 100, 10), (item_b, 50, 20)],
			lines=[
				(item_a, -5, 10, "Firm"),  # overdue: called off late, then half delivered
				(item_a, 1, 10, "Firm"),
				(item_a, 30, 10, "Firm"),
				(item_b, 40, 20, "Forecast"),
			],
			valid_from=in_days(-10),
			release_horizon_days=7,
		)
		made = call_off([sa.name]).sales_orders
		self.assertEqual(len(made), 2)
		overdue_order = orders_of(sa.name)[0]
		self.assertEqual(
			getdate(frappe.db.get_value("Sales Order", overdue_order, "delivery_date")), in_days(-5)
		)
		dn = factories.delivery_note_from_order(overdue_order, qty_factor=0.5)
		factories.sales_invoice_from_delivery_note(dn.name)

		columns, data = execute({"scheduling_agreement": sa.name, "as_of": str(in_days(0))})
		self.assertIn("backlog_qty", [column["fieldname"] for column in columns])
		rows = {row.item_code: row for row in data}
		a = rows[item_a]
		self.assertEqual(
			(a.agreed_qty, a.scheduled_qty, a.released_qty, a.delivered_qty, a.billed_qty),
			(100, 30, 20, 5, 5),
		)
		self.assertEqual((a.firm_open_qty, a.to_deliver_qty, a.backlog_qty, a.overdue_lines), (10, 15, 5, 1))
		self.assertEqual(a.unscheduled_qty, 70)
		self.assertEqual(getdate(a.next_schedule_date), in_days(30))
		b = rows[item_b]
		self.assertEqual((b.scheduled_qty, b.released_qty, b.firm_open_qty, b.backlog_qty), (20, 0, 0, 0))

		# as of a later date the next line is due too
		_columns, later = execute({"scheduling_agreement": sa.name, "as_of": str(in_days(2))})
		a_later = next(row for row in later if row.item_code == item_a)
		self.assertEqual((a_later.backlog_qty, a_later.overdue_lines), (15, 2))

		# filters narrow the rows
		_columns, only_b = execute({"customer": customer, "item_code": item_b, "as_of": str(in_days(0))})
		self.assertEqual([row.item_code for row in only_b], [item_b])
