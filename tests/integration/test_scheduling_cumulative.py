"""Cumulative reconciliation of customer releases on a real site (CONTRACT §1 v2), on books shaped
like real ones: an EUR customer on an EUR receivable with a Tax Rule and three instalments, an item
agreed in boxes and stocked in pieces.

A release lists the customer's remaining need after what it has received: what is already called
off is matched against the cumulative need whatever the dates, so a moved or split need is never
ordered twice, a raised one orders the rise only and a lowered one says the item is over-released.
The customer's cumulative received (and its last delivery note) sit beside ours delivered; a
difference deliveries after that note do not explain is flagged. Counts restart at the reset date."""

import frappe
from erpnext.selling.doctype.sales_order.sales_order import make_delivery_note
from frappe.tests.utils import FrappeTestCase
from frappe.utils import flt, getdate

from o2c_extension.api.scheduling import import_release, import_release_csv, release_now
from o2c_extension.scheduling.cumulative_position import default_reset_date
from o2c_extension.scheduling.messages import SchedulingInputError
from tests.integration import books, factories
from tests.integration import test_scheduling_real_books as real
from tests.integration.scheduling_helpers import count_rows, in_days, item_cumulatives, orders_of, schedule


def open_lines(agreement: str) -> list[tuple]:
	return sorted(
		(row.item_code, getdate(row.schedule_date), flt(row.qty))
		for row in schedule(agreement)
		if row.status == "Open"
	)


def release(agreement, number, *lines, items=None, release_type=None):
	"""Import a release of (item, days from today, qty[, line type]) lines."""
	return import_release(
		agreement,
		number,
		str(in_days(0)),
		[
			{
				"item_code": item,
				"schedule_date": str(in_days(days)),
				"qty": qty,
				"line_type": rest[0] if rest else "Firm",
			}
			for item, days, qty, *rest in lines
		],
		release_type=release_type,
		items=items,
	)


def deliver(order: str, qty_factor: float = 1.0) -> str:
	return factories.delivery_note_from_order(order, qty_factor=qty_factor).name


class CumulativeCase(FrappeTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		frappe.set_user("Administrator")
		books.world()
		cls.item = real.box_item(rate=10, stock_qty=20000)

	def setUp(self):
		self.customer = books.eur_customer(payment_terms=books.TERMS_TEMPLATE)
		real.tax_rule_for(self.customer)
		self.reference = f"DA-{frappe.generate_hash(length=6).upper()}"
		# 500 boxes agreed; 30 boxes due in two days, called off at once (horizon 7 days)
		self.sa = real.books_agreement(
			self.customer,
			[(self.item, 500, 80, real.BOX)],
			[(self.item, 2, 30)],
			customer_reference=self.reference,
		)
		(self.first_order,) = release_now(self.sa.name)

	def tearDown(self):
		frappe.set_user("Administrator")


class TestCumulativeReconciliation(CumulativeCase):
	def test_a_moved_split_raised_and_lowered_need_is_ordered_exactly_once(self):
		order = frappe.get_doc("Sales Order", self.first_order)
		# the call-off is the customer's order under the agreement, in EUR with taxes and terms
		self.assertEqual((order.po_no, order.currency), (self.reference, "EUR"))
		self.assertEqual(
			[(row.uom, flt(row.qty), flt(row.stock_qty)) for row in order.items], [(real.BOX, 30, 360)]
		)
		self.assertEqual(len(order.payment_schedule), 3)
		self.assertEqual([flt(row.rate) for row in order.taxes], [books.TAX_RATE])
		self.assertEqual(item_cumulatives(self.sa.name)[self.item][0], 30)

		# moved: the 30 already called off for day 2 are now wanted on day 4
		moved = release(self.sa.name, "R-MOVE", (self.item, 4, 30))
		self.assertEqual((moved["lines_added"], moved["items"][self.item]["over_released_qty"]), (0, 0))
		self.assertEqual(open_lines(self.sa.name), [])
		self.assertEqual(release_now(self.sa.name), [])

		# split: 10 on day 3 and 20 on day 5, still the same 30
		release(self.sa.name, "R-SPLIT", (self.item, 3, 10), (self.item, 5, 20))
		self.assertEqual(open_lines(self.sa.name), [])
		self.assertEqual(release_now(self.sa.name), [])

		# raised: 10 on day 3 and 35 on day 5: cumulative need 45, 30 called off, 15 more on day 5
		raised = release(self.sa.name, "R-RAISE", (self.item, 3, 10), (self.item, 5, 35))
		self.assertEqual(open_lines(self.sa.name), [(self.item, in_days(5), 15)])
		self.assertEqual(raised["items"][self.item]["cumulative_delivered_qty"], 0)
		(second,) = release_now(self.sa.name)
		self.assertEqual([flt(row.qty) for row in frappe.get_doc("Sales Order", second).items], [15])
		self.assertEqual(item_cumulatives(self.sa.name)[self.item][0], 45)
		self.assertEqual(release_now(self.sa.name), [])

		# lowered below what is called off: nothing new, the item is over-released by 5
		lowered = release(self.sa.name, "R-LOWER", (self.item, 5, 40))
		self.assertEqual(open_lines(self.sa.name), [])
		self.assertEqual(lowered["items"][self.item]["over_released_qty"], 5)
		row = frappe.get_doc("Schedule Release", lowered["schedule_release"]).items[0]
		self.assertEqual(
			(flt(row.called_off_qty), flt(row.cumulative_need_qty), flt(row.over_released_qty)), (45, 40, 5)
		)
		self.assertEqual(len(orders_of(self.sa.name)), 2)

	def test_the_customers_cumulative_received_and_last_note_beside_ours(self):
		first_note = deliver(self.first_order, qty_factor=2 / 3)  # 20 boxes
		# the remaining 10 boxes of the order go on a second note, after the first
		second = make_delivery_note(self.first_order)
		second.insert()
		second.submit()
		self.assertEqual(item_cumulatives(self.sa.name)[self.item][1], 30)

		# the customer has booked the first note (20): the 10 of the second are in transit
		in_transit = release(
			self.sa.name,
			"R-CUM-1",
			(self.item, 6, 25),
			items=[{"item_code": self.item, "cumulative_received_qty": 20, "last_delivery_note": first_note}],
		)
		row = in_transit["items"][self.item]
		self.assertEqual(
			(
				row["cumulative_delivered_qty"],
				row["cumulative_difference"],
				row["delivered_after_note_qty"],
				row["unexplained_difference"],
				row["cumulative_mismatch"],
			),
			(30, 10, 10, 0, False),
		)
		self.assertFalse(in_transit["cumulative_mismatch"])
		# need 20 + 25 = 45, 30 called off: 15 open
		self.assertEqual(open_lines(self.sa.name), [(self.item, in_days(6), 15)])

		# it says 15 received with the same note: 5 are not explained, and the release is flagged
		mismatch = release(
			self.sa.name,
			"R-CUM-2",
			(self.item, 6, 25),
			items=[{"item_code": self.item, "cumulative_received_qty": 15, "last_delivery_note": first_note}],
		)
		self.assertEqual(mismatch["items"][self.item]["unexplained_difference"], 5)
		self.assertTrue(mismatch["items"][self.item]["cumulative_mismatch"])
		self.assertTrue(
			frappe.db.get_value("Schedule Release", mismatch["schedule_release"], "cumulative_mismatch")
		)
		# a note we do not know explains nothing
		unknown = release(
			self.sa.name,
			"R-CUM-3",
			(self.item, 6, 25),
			items=[
				{"item_code": self.item, "cumulative_received_qty": 20, "last_delivery_note": "DN-NOT-OURS"}
			],
		)
		self.assertEqual(unknown["items"][self.item]["unexplained_difference"], 10)

		# more received than we ever delivered since the reset date: refused, nothing written
		before = (count_rows("Schedule Release", scheduling_agreement=self.sa.name), schedule(self.sa.name))
		with self.assertRaises(SchedulingInputError) as refused:
			release(
				self.sa.name,
				"R-CUM-4",
				(self.item, 6, 25),
				items=[{"item_code": self.item, "cumulative_received_qty": 31}],
			)
		self.assertIn("31", str(refused.exception))
		self.assertIn("30", str(refused.exception))
		self.assertEqual(
			(count_rows("Schedule Release", scheduling_agreement=self.sa.name), schedule(self.sa.name)),
			before,
		)

	def test_counts_restart_at_the_cumulative_reset_date(self):
		# by default the reset date is the start of the fiscal year the validity starts in
		self.assertEqual(
			getdate(self.sa.cumulative_reset_date), default_reset_date(self.sa.company, self.sa.valid_from)
		)
		fiscal_year_start = frappe.db.get_value(
			"Fiscal Year",
			{"year_start_date": ("<=", self.sa.valid_from), "year_end_date": (">=", self.sa.valid_from)},
			"year_start_date",
		)
		self.assertEqual(getdate(self.sa.cumulative_reset_date), getdate(fiscal_year_start))
		# restarting the counts after the first call-off (day 2): the 30 no longer cover day 4
		frappe.db.set_value("Scheduling Agreement", self.sa.name, "cumulative_reset_date", in_days(3))
		release(self.sa.name, "R-RESET", (self.item, 4, 30))
		self.assertEqual(open_lines(self.sa.name), [(self.item, in_days(4), 30)])

	def test_a_csv_release_in_the_customers_item_codes_with_its_cumulative_columns(self):
		code = f"CUST-{frappe.generate_hash(length=5).upper()}"
		frappe.db.set_value("Scheduling Agreement Item", self.sa.items[0].name, "customer_item_code", code)
		note = deliver(self.first_order)
		text = (
			"Customer Item Code;Date;Qty;Type;Cumulative Received;Last Delivery Note\n"
			f"{code};{in_days(5)};10;Firm;30;{note}\n"
			f"{code};{in_days(40)};50;Forecast;;\n"
		)
		result = import_release_csv(self.sa.name, "CSV-CUM", str(in_days(0)), csv_text=text)
		self.assertEqual(
			open_lines(self.sa.name), [(self.item, in_days(5), 10), (self.item, in_days(40), 50)]
		)
		row = result["items"][self.item]
		self.assertEqual(
			(row["cumulative_received_qty"], row["last_delivery_note"], row["cumulative_difference"]),
			(30, note, 0),
		)
		self.assertFalse(row["cumulative_mismatch"])
		self.assertEqual(
			frappe.get_doc("Schedule Release", result["schedule_release"]).items[0].customer_item_code, code
		)


class TestCustomerItemCodes(FrappeTestCase):
	def test_agreement_items_take_the_customers_code_from_item_customer_detail(self):
		books.world()
		customer = books.eur_customer()
		code = f"REF-{frappe.generate_hash(length=5).upper()}"
		item = factories.item(rate=10, customer_items=[{"customer_name": customer, "ref_code": code}])
		sa = real.books_agreement(customer, [(item, 100, 10)], [(item, 20, 5)])
		self.assertEqual(sa.items[0].customer_item_code, code)
		result = import_release(
			sa.name,
			"R-REF",
			str(in_days(0)),
			[{"item_code": code, "schedule_date": str(in_days(20)), "qty": 8}],
		)
		self.assertEqual(result["item_deltas"][item], {"old_open_qty": 5, "new_open_qty": 8, "qty_delta": 3})
		# two items may not carry one customer code
		other = factories.item(rate=10)
		with self.assertRaises(SchedulingInputError):
			frappe.get_doc(
				{
					"doctype": "Scheduling Agreement",
					"customer": customer,
					"company": factories.company(),
					"valid_from": in_days(0),
					"valid_to": in_days(30),
					"items": [
						{"item_code": item, "agreed_qty": 1, "rate": 1, "customer_item_code": "SAME"},
						{"item_code": other, "agreed_qty": 1, "rate": 1, "customer_item_code": "SAME"},
					],
				}
			).insert()
