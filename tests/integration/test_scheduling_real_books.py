"""Scheduling agreements on books shaped like real ones (tests/integration/books.py): a customer
billed in EUR on an EUR receivable, taxes from a Tax Rule or the company's default template, three
instalments, items sold in boxes and delivered in pieces, credit holds, a second company and users
restricted by User Permissions; duplicated and amended call-off orders."""

import json

import frappe
from erpnext.controllers.accounts_controller import update_child_qty_rate
from erpnext.selling.doctype.sales_order.sales_order import make_delivery_note
from frappe.tests.utils import FrappeTestCase
from frappe.utils import flt, getdate, nowdate

from o2c_extension.api.scheduling import import_release, release_now
from o2c_extension.credit_control.holds import reject
from o2c_extension.order_to_cash.kpi import schedule_lines_due
from o2c_extension.scheduling import call_off
from o2c_extension.scheduling.call_off_plan import DueLine, PlannedOrder
from o2c_extension.scheduling.doctype.scheduling_agreement.scheduling_agreement import (
	make_sales_order as order_from_agreement,
)
from o2c_extension.scheduling.orders import LineOrderedTwiceError
from o2c_extension.scheduling.report.schedule_vs_actual.schedule_vs_actual import execute as report
from tests.integration import books, factories
from tests.integration import credit_control_helpers as credit
from tests.integration.scheduling_helpers import in_days, item_cumulatives, line_states, orders_of, schedule

BOX = "Box"
PER_BOX = 12


def box_item(rate: float = 10, stock_qty: float = 5000) -> str:
	"""A stock item kept in Nos and sold in boxes of `PER_BOX`."""
	if not frappe.db.exists("UOM", BOX):
		frappe.get_doc({"doctype": "UOM", "uom_name": BOX}).insert()
	return factories.item(
		rate=rate,
		stock_qty=stock_qty,
		uoms=[{"uom": "Nos", "conversion_factor": 1}, {"uom": BOX, "conversion_factor": PER_BOX}],
	)


def books_agreement(customer, items, lines, company=None, **fields):
	"""A submitted agreement in the customer's currency; `items` are (item_code, agreed_qty, rate)
	or (item_code, agreed_qty, rate, uom), `lines` (item_code, days from today, qty)."""
	company = company or factories.company()
	doc = frappe.get_doc(
		{
			"doctype": "Scheduling Agreement",
			"customer": customer,
			"company": company,
			"currency": frappe.db.get_value("Customer", customer, "default_currency"),
			"selling_price_list": factories.price_list(),
			"valid_from": in_days(0),
			"valid_to": in_days(180),
			"release_horizon_days": 7,
			"items": [
				{
					"item_code": code,
					"agreed_qty": qty,
					"rate": rate,
					"uom": uom[0] if uom else None,
					"warehouse": f"Stores - {books.abbr(company)}",
				}
				for code, qty, rate, *uom in items
			],
			"schedule": [
				{"item_code": code, "schedule_date": in_days(days), "qty": qty, "line_type": "Firm"}
				for code, days, qty in lines
			],
			**fields,
		}
	)
	doc.insert()
	doc.submit()
	return doc


def tax_rule_for(customer: str, company: str | None = None) -> str:
	"""A Tax Rule giving the customer the world's VAT template (ERPNext's per-customer taxes)."""
	company = company or factories.company()
	doc = frappe.get_doc(
		{
			"doctype": "Tax Rule",
			"tax_type": "Sales",
			"customer": customer,
			"company": company,
			"sales_tax_template": books.tax_template(company),
			"priority": 1,
		}
	).insert()
	return doc.name


def line_of(agreement: str, item_code: str, days: int):
	return next(
		row
		for row in schedule(agreement)
		if row.item_code == item_code and getdate(row.schedule_date) == in_days(days)
	)


class RealBooksCase(FrappeTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		frappe.set_user("Administrator")
		cls.world = books.world()
		cls.item = factories.item(rate=100, stock_qty=5000)

	def tearDown(self):
		frappe.set_user("Administrator")


class TestCallOffOnRealBooks(RealBooksCase):
	def test_eur_agreement_orders_with_taxes_and_instalments_and_cumulatives_follow_dn_si_and_return(self):
		customer = books.eur_customer(payment_terms=books.TERMS_TEMPLATE)
		tax_rule_for(customer)
		sa = books_agreement(customer, [(self.item, 100, 80)], [(self.item, 1, 40)])
		self.assertEqual(sa.currency, "EUR")

		(name,) = release_now(sa.name)
		order = frappe.get_doc("Sales Order", name)
		self.assertEqual((order.currency, flt(order.conversion_rate)), ("EUR", books.EUR_RATE))
		self.assertEqual(order.taxes_and_charges, books.tax_template(factories.company()))
		self.assertEqual([flt(row.rate) for row in order.taxes], [books.TAX_RATE])
		self.assertEqual(flt(order.net_total), 3200)
		self.assertEqual(flt(order.grand_total), 3520)
		self.assertEqual(flt(order.base_grand_total), flt(3520 * books.EUR_RATE, 2))
		self.assertEqual(order.payment_terms_template, books.TERMS_TEMPLATE)
		self.assertEqual(
			[flt(row.payment_amount) for row in order.payment_schedule], [1408.0, 1056.0, 1056.0]
		)
		self.assertEqual(item_cumulatives(sa.name), {self.item: (40, 0, 0)})

		# Delivery Note in EUR from the order; ERPNext's mapper skips no_copy fields, the links
		# still come from the order rows
		dn = make_delivery_note(order.name)
		dn.insert()
		dn.submit()
		self.assertEqual(dn.currency, "EUR")
		self.assertEqual([row.scheduling_agreement for row in dn.items], [sa.name])
		self.assertEqual(dn.scheduling_agreement, sa.name)
		self.assertEqual(item_cumulatives(sa.name), {self.item: (40, 40, 0)})

		si = factories.sales_invoice_from_delivery_note(dn.name)
		self.assertEqual((si.currency, si.debit_to), ("EUR", self.world.eur_receivable))
		self.assertEqual(len(si.payment_schedule), 3)
		self.assertEqual(item_cumulatives(sa.name), {self.item: (40, 40, 40)})

		# a partial return of the delivery: delivered drops, billed stays, the line is not delivered
		books.delivery_return(dn.name, qty_factor=0.25)
		self.assertEqual(item_cumulatives(sa.name), {self.item: (40, 30, 40)})
		self.assertEqual(line_states(sa.name)[(self.item, in_days(1))], ("Released", 40, 30, 40))
		# the same figures ERPNext keeps on the order itself
		order.reload()
		self.assertEqual(flt(order.items[0].delivered_qty), 30)
		self.assertEqual(flt(order.per_delivered), 75)

	def test_call_off_takes_the_company_default_tax_template(self):
		company = self.world.second_company
		template = books.tax_template(company)
		frappe.db.set_value("Sales Taxes and Charges Template", template, "is_default", 1)
		customer = factories.customer()
		item = factories.item(rate=50, stock_qty=0)
		sa = books_agreement(customer, [(item, 10, 50)], [(item, 2, 4)], company=company)

		(name,) = release_now(sa.name)
		order = frappe.get_doc("Sales Order", name)
		self.assertEqual(order.taxes_and_charges, template)
		self.assertEqual(flt(order.grand_total), 220)


class TestDuplicatedAndAmendedCallOffs(RealBooksCase):
	def setUp(self):
		self.customer = books.eur_customer()
		self.sa = books_agreement(self.customer, [(self.item, 100, 80)], [(self.item, 1, 30)])
		(name,) = release_now(self.sa.name)
		self.order = frappe.get_doc("Sales Order", name)
		self.line = line_of(self.sa.name, self.item, 1)

	def test_duplicating_a_call_off_order_does_not_carry_the_agreement_links(self):
		# what the desk's Duplicate does: a copy without the no_copy fields
		copy = frappe.copy_doc(self.order, ignore_no_copy=False)
		copy.docstatus = 0
		copy.delivery_date = in_days(1)
		for row in copy.items:
			row.delivery_date = in_days(1)
		self.assertIsNone(copy.get("scheduling_agreement"))
		self.assertEqual(
			[(row.scheduling_agreement, row.schedule_line) for row in copy.items], [(None, None)]
		)
		copy.insert()
		copy.submit()
		self.assertEqual(item_cumulatives(self.sa.name), {self.item: (30, 0, 0)})
		self.assertEqual(line_states(self.sa.name)[(self.item, in_days(1))], ("Released", 30, 0, 0))

	def test_a_duplicate_naming_the_schedule_line_over_rest_does_not_release_it_again(self):
		frappe.set_user(books.restricted_user(factories.company()))
		doc = frappe.get_doc(
			{
				"doctype": "Sales Order",
				"customer": self.customer,
				"company": self.order.company,
				"currency": "EUR",
				"transaction_date": nowdate(),
				"delivery_date": in_days(1),
				"items": [
					{
						"item_code": self.item,
						"qty": 30,
						"rate": 80,
						"warehouse": factories.warehouse(),
						"scheduling_agreement": self.sa.name,
						"schedule_line": self.line.name,
					}
				],
			}
		)
		try:
			doc.insert()
			doc.submit()
		except LineOrderedTwiceError:
			pass  # refused outright: fine too
		else:
			self.assertIsNone(doc.items[0].schedule_line)
		frappe.set_user("Administrator")
		state = line_states(self.sa.name)[(self.item, in_days(1))]
		self.assertEqual(state, ("Released", 30, 0, 0))
		self.assertEqual(line_of(self.sa.name, self.item, 1).sales_order, self.order.name)

	def test_a_stale_call_off_cannot_release_a_line_a_live_order_carries(self):
		header = frappe._dict(
			frappe.db.get_value(
				"Scheduling Agreement",
				self.sa.name,
				["name", "customer", "company", "currency", "selling_price_list"],
				as_dict=True,
			)
		)
		items = {self.item: frappe._dict(uom="Nos", rate=80, warehouse=factories.warehouse())}
		line = DueLine(self.sa.name, self.line.name, self.item, in_days(1), 30)
		planned = PlannedOrder(self.sa.name, in_days(1), (line,))
		with self.assertRaisesRegex(LineOrderedTwiceError, "already ordered by Sales Order"):
			call_off.make_sales_order(planned, header, items, getdate(nowdate()))
		# nor twice in one order
		twice = PlannedOrder(self.sa.name, in_days(1), (line, line))
		self.order.cancel()
		with self.assertRaisesRegex(LineOrderedTwiceError, "both call off schedule line"):
			call_off.make_sales_order(twice, header, items, getdate(nowdate()))

	def _amendment(self):
		"""What the desk's Amend does: a copy with the no_copy fields, amended_from the cancelled order."""
		amendment = frappe.copy_doc(self.order, ignore_no_copy=True)
		amendment.docstatus = 0
		amendment.amended_from = self.order.name
		return amendment

	def _release_again(self, number: str):
		return import_release(
			self.sa.name,
			number,
			nowdate(),
			[{"item_code": self.item, "schedule_date": str(in_days(1)), "qty": 30, "line_type": "Firm"}],
		)

	def test_amending_a_cancelled_call_off_order_releases_its_line_once_again(self):
		self.order.cancel()
		self.assertEqual(line_states(self.sa.name)[(self.item, in_days(1))], ("Cancelled", 0, 0, 0))
		amendment = self._amendment()
		amendment.insert()
		amendment.submit()
		# the amendment is the order of the line again: released once
		self.assertEqual(amendment.items[0].schedule_line, self.line.name)
		self.assertEqual(line_states(self.sa.name)[(self.item, in_days(1))], ("Released", 30, 0, 0))
		self.assertEqual(line_of(self.sa.name, self.item, 1).sales_order, amendment.name)
		self.assertEqual(item_cumulatives(self.sa.name), {self.item: (30, 0, 0)})
		# the customer asking for the date again orders nothing new
		self.assertEqual(self._release_again("AMEND-1")["lines_added"], 0)
		self.assertEqual(release_now(self.sa.name), [])
		self.assertEqual(item_cumulatives(self.sa.name), {self.item: (30, 0, 0)})

	def test_amending_a_call_off_order_whose_date_was_planned_again_is_refused(self):
		self.order.cancel()
		# the customer asks for the date again: a fresh line, which the call-off orders
		self.assertEqual(self._release_again("AMEND-2")["lines_added"], 1)
		(again,) = release_now(self.sa.name)
		with self.assertRaisesRegex(LineOrderedTwiceError, "planned the date of schedule line"):
			self._amendment().insert()
		self.assertFalse(frappe.db.exists("Sales Order", {"amended_from": self.order.name}))
		self.assertEqual(item_cumulatives(self.sa.name), {self.item: (30, 0, 0)})
		self.assertEqual(orders_of(self.sa.name), [again])


class TestRejectedCreditHoldFreesTheLine(RealBooksCase):
	def test_rejecting_the_hold_of_a_call_off_order_frees_its_line_for_the_next_call_off(self):
		customer = books.eur_customer(payment_terms=books.TERMS_TEMPLATE)
		credit.credit_policy(customer=customer, applies_to="Customer", credit_limit=100)
		sa = books_agreement(customer, [(self.item, 100, 80)], [(self.item, 1, 30)], tolerance_percent=0)
		(first,) = release_now(sa.name)
		hold = credit.hold_of(first)
		self.assertEqual(hold.status, "Pending")
		self.assertEqual(item_cumulatives(sa.name), {self.item: (30, 0, 0)})

		reject(hold.name, "Customer is over its limit")
		self.assertEqual(frappe.db.get_value("Sales Order", first, "credit_status"), "Rejected")
		self.assertEqual(item_cumulatives(sa.name), {self.item: (0, 0, 0)})
		line = line_of(sa.name, self.item, 1)
		self.assertEqual((line.status, flt(line.released_qty), line.sales_order), ("Open", 0, None))

		# the next call-off orders the line again (and the credit check decides on that order)
		(second,) = release_now(sa.name)
		self.assertNotEqual(second, first)
		self.assertEqual(line_of(sa.name, self.item, 1).sales_order, second)
		self.assertEqual(item_cumulatives(sa.name), {self.item: (30, 0, 0)})
		self.assertEqual(release_now(sa.name), [])
		# cancelling the rejected order changes nothing for the line
		frappe.get_doc("Sales Order", first).cancel()
		self.assertEqual(line_of(sa.name, self.item, 1).sales_order, second)
		self.assertEqual(item_cumulatives(sa.name), {self.item: (30, 0, 0)})


class TestAdherenceInOneUom(RealBooksCase):
	def test_lines_in_boxes_against_deliveries_in_pieces(self):
		item = box_item()
		customer = books.eur_customer()
		sa = books_agreement(customer, [(item, 10, 120, BOX)], [(item, 0, 2)])
		self.assertEqual(flt(sa.items[0].conversion_factor), PER_BOX)
		(name,) = release_now(sa.name)
		# the customer wants pieces: ERPNext's Update Items turns the order's 2 boxes into 24 Nos
		order = frappe.get_doc("Sales Order", name)
		update_child_qty_rate(
			"Sales Order",
			json.dumps(
				[
					{
						"docname": order.items[0].name,
						"item_code": item,
						"qty": 2 * PER_BOX,
						"rate": 10,
						"uom": "Nos",
						"conversion_factor": 1,
					}
				]
			),
			name,
		)
		self.assertEqual(item_cumulatives(sa.name), {item: (2, 0, 0)})

		# one box of the two delivered, as 12 pieces
		dn = make_delivery_note(name)
		dn.items[0].qty = PER_BOX
		dn.insert()
		dn.submit()
		self.assertEqual(dn.items[0].uom, "Nos")
		self.assertEqual(item_cumulatives(sa.name), {item: (2, 1, 0)})
		due = schedule_lines_due(factories.company(), in_days(0), in_days(0))
		self.assertIn((2.0 * PER_BOX, 1.0 * PER_BOX), due)
		self.assertNotIn((2.0, 1.0 * PER_BOX), due)


class TestUserPermissions(RealBooksCase):
	def setUp(self):
		self.restricted = books.restricted_user(factories.company())
		first_customer = books.eur_customer()
		self.first = books_agreement(first_customer, [(self.item, 10, 80)], [(self.item, 1, 5)])
		other = factories.customer()
		second_item = factories.item(rate=50, stock_qty=0)
		self.second = books_agreement(
			other, [(second_item, 10, 50)], [(second_item, 1, 5)], company=self.world.second_company
		)

	def test_report_shows_only_the_companies_and_customers_the_user_may_see(self):
		frappe.set_user(self.restricted)
		_columns, rows = report({})
		shown = {row["scheduling_agreement"] for row in rows}
		self.assertIn(self.first.name, shown)
		self.assertNotIn(self.second.name, shown)
		_columns, rows = report({"company": self.world.second_company})
		self.assertEqual(rows, [])

		# a user limited to one customer sees that customer's agreements only
		frappe.set_user("Administrator")
		user = factories.user("_o2c.sched.one-customer@example.com", ["Sales User"])
		frappe.get_doc(
			{
				"doctype": "User Permission",
				"user": user,
				"allow": "Customer",
				"for_value": self.first.customer,
				"apply_to_all_doctypes": 1,
			}
		).insert(ignore_permissions=True)
		frappe.set_user(user)
		_columns, rows = report({})
		self.assertEqual({row["scheduling_agreement"] for row in rows}, {self.first.name})

	def test_whitelisted_methods_refuse_an_agreement_of_another_company(self):
		frappe.set_user(self.restricted)
		calls = (
			lambda: release_now(self.second.name),
			lambda: import_release(self.second.name, "UP-1", nowdate(), []),
			lambda: order_from_agreement(self.second.name),
		)
		for call in calls:
			with self.assertRaises(frappe.PermissionError):
				call()
		frappe.set_user("Administrator")
		self.assertEqual(orders_of(self.second.name), [])
		self.assertFalse(frappe.db.exists("Schedule Release", {"scheduling_agreement": self.second.name}))
		# and their own company's agreement works
		frappe.set_user(self.restricted)
		self.assertEqual(len(release_now(self.first.name)), 1)
