"""Credit control on real books (issue 11): exposure parts against ERPNext's own figures in mixed
cases (EUR receivables, discounts, taxes, three instalments, partial payments, returns, advances,
POS), the corrections where ERPNext is wrong (deliveries of closed orders, returns, discounts on
stand-alone deliveries), overdue age by payment term, changes that lower exposure, cancelled
payments, collections holds and User Permissions."""

import json

import frappe
from erpnext.controllers.accounts_controller import update_child_qty_rate
from erpnext.selling.doctype.sales_order.sales_order import make_sales_invoice as invoice_from_order
from erpnext.selling.doctype.sales_order.sales_order import update_status
from frappe.tests.utils import FrappeTestCase
from frappe.utils import add_days, flt, getdate, nowdate

from o2c_extension.api import credit as credit_api
from o2c_extension.credit_control import exposure as exposures
from o2c_extension.credit_control.checks import CreditCheckFailed
from o2c_extension.credit_control.exposure import get_exposure
from o2c_extension.credit_control.holds import block_customer_for_collections, reject
from o2c_extension.credit_control.report.credit_exposure.credit_exposure import execute as credit_exposure
from tests.integration import books, factories
from tests.integration import credit_control_helpers as helpers

RATE = books.EUR_RATE


def exposure_of(customer, company=None):
	return get_exposure(customer, company or factories.COMPANY)


def customer_restricted_user(email: str, customer: str, roles: list[str]) -> str:
	"""A user allowed to see only `customer` (a User Permission on Customer)."""
	factories.user(email, roles)
	if not frappe.db.exists("User Permission", {"user": email, "allow": "Customer", "for_value": customer}):
		frappe.get_doc(
			{
				"doctype": "User Permission",
				"user": email,
				"allow": "Customer",
				"for_value": customer,
				"apply_to_all_doctypes": 1,
			}
		).insert(ignore_permissions=True)
	return email


class RealBooksTestCase(FrappeTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		frappe.set_user("Administrator")
		cls.world = books.world()
		cls.item = factories.item(stock_qty=10000, rate=100)

	def tearDown(self):
		frappe.set_user("Administrator")

	def assertParts(self, exposure, receivables, open_orders, unbilled_deliveries):
		self.assertEqual(
			(exposure.receivables, exposure.open_orders, exposure.unbilled_deliveries),
			(flt(receivables, 2), flt(open_orders, 2), flt(unbilled_deliveries, 2)),
		)


class TestExposureEqualsERPNext(RealBooksTestCase):
	"""At least five mixed cases, to the cent against `books.erpnext_figures`."""

	def test_eur_receivable_discount_taxes_three_terms_partial_payment_and_an_open_order(self):
		customer = books.eur_customer()
		invoice = books.sales_invoice(customer, [(self.item, 10, 100)])  # 1,045 EUR = 1,149.50
		factories.payment_for_invoice(invoice.name, amount=400)  # 400 EUR = 440 USD
		order = books.sales_order(customer, [(self.item, 5, 100)])  # 522.50 EUR = 574.75
		figures = books.erpnext_figures(customer)
		self.assertEqual((figures.receivables, figures.open_orders), (709.5, 574.75))
		self.assertParts(exposure_of(customer), figures.receivables, figures.open_orders, 0)
		self.assertEqual(order.base_grand_total, 574.75)

	def test_eur_billed_on_the_usd_receivable_credit_note_and_a_half_billed_order(self):
		customer = books.eur_customer(eur_receivable=False)
		invoice = books.sales_invoice(customer, [(self.item, 4, 100)])  # 418 EUR = 459.80 USD
		books.partial_return(invoice.name, 0.5)
		order = books.sales_order(customer, [(self.item, 6, 100)])
		half = invoice_from_order(order.name)
		for row in half.items:
			row.qty = 3
		half.insert()
		half.submit()
		figures = books.erpnext_figures(customer)
		self.assertAlmostEqual(figures.open_orders, flt(order.base_grand_total / 2, 2), places=2)
		self.assertParts(exposure_of(customer), figures.receivables, figures.open_orders, 0)

	def test_pos_and_paid_invoices_add_nothing_next_to_an_open_invoice_with_terms(self):
		customer = factories.customer()
		books.pos_invoice(customer, [(self.item, 2, 50)])
		paid = books.sales_invoice(customer, [(self.item, 1, 100)], terms=False)
		factories.payment_for_invoice(paid.name)
		open_invoice = books.sales_invoice(customer, [(self.item, 3, 100)])
		factories.payment_for_invoice(open_invoice.name, amount=100)
		figures = books.erpnext_figures(customer)
		self.assertEqual(figures.receivables, flt(open_invoice.base_grand_total - 100, 2))
		self.assertParts(exposure_of(customer), figures.receivables, 0, 0)

	def test_advance_against_an_order_is_counted_once_and_shown_with_the_order(self):
		customer = books.eur_customer()
		order = books.sales_order(customer, [(self.item, 4, 100)])  # 418 EUR = 459.80
		books.advance_for_order(order.name, 100)  # 100 EUR = 110 USD
		figures = books.erpnext_figures(customer)
		self.assertEqual((figures.receivables, figures.open_orders), (-110.0, 459.8))
		# documented correction: the unallocated advance is shown net on its order, and left out of
		# the receivables to the same extent; the total is ERPNext's
		exposure = exposure_of(customer)
		self.assertParts(exposure, figures.receivables + 110, figures.open_orders - 110, 0)
		self.assertAlmostEqual(exposure.total, figures.total, places=2)

		# half billed with the advance allocated: ERPNext's parts again
		half = invoice_from_order(order.name)
		for row in half.items:
			row.qty = 2
		half.allocate_advances_automatically = 1
		half.insert()
		half.submit()
		half.reload()
		self.assertEqual(flt(half.outstanding_amount), 109.0)  # 209 EUR less the 100 EUR advance
		figures = books.erpnext_figures(customer)
		self.assertParts(exposure_of(customer), figures.receivables, figures.open_orders, 0)

	def test_deliveries_of_a_closed_order_and_returned_stand_alone_deliveries(self):
		customer = books.eur_customer()
		invoice = books.sales_invoice(customer, [(self.item, 2, 100)], posting_date=add_days(nowdate(), -5))
		factories.payment_for_invoice(invoice.name, amount=50)
		order = books.sales_order(customer, [(self.item, 4, 100)])
		delivered = factories.delivery_note_from_order(order.name, qty_factor=0.5)
		update_status("Closed", order.name)
		standalone = books.standalone_delivery(customer, [(self.item, 4, 100)])  # 418 EUR = 459.80
		books.delivery_return(standalone.name, 0.5)

		figures = books.erpnext_figures(customer)
		# ERPNext drops the closed order's delivery, ignores the return and counts the stand-alone
		# note before its discount (and in its own currency): 400 / 418 × 459.80 = 440
		self.assertEqual((figures.open_orders, figures.unbilled_deliveries), (0.0, 440.0))
		# the correction: the closed order's delivered goods at their net value with taxes, and the
		# half of the stand-alone note that was not returned
		expected = flt(delivered.base_grand_total, 2) + flt(standalone.base_grand_total / 2, 2)
		self.assertEqual(flt(delivered.base_grand_total, 2), 229.9)
		self.assertParts(exposure_of(customer), figures.receivables, 0, expected)

	def test_fully_returned_stand_alone_delivery_counts_nothing_and_billing_the_rest_clears_it(self):
		customer = factories.customer()
		returned = books.standalone_delivery(customer, [(self.item, 2, 100)])
		books.delivery_return(returned.name, 1.0)
		kept = books.standalone_delivery(customer, [(self.item, 3, 100)])
		figures = books.erpnext_figures(customer)
		# ERPNext counts both notes whole and before their discount: (200 + 300) × 1.1
		self.assertEqual(figures.unbilled_deliveries, 550.0)
		self.assertParts(exposure_of(customer), 0, 0, kept.base_grand_total)
		factories.sales_invoice_from_delivery_note(kept.name)
		figures = books.erpnext_figures(customer)
		self.assertParts(exposure_of(customer), figures.receivables, 0, 0)


class TestOverdueByPaymentTerm(RealBooksTestCase):
	def test_first_of_three_terms_forty_days_overdue_holds_an_order_under_a_thirty_day_rule(self):
		customer = books.eur_customer()
		posting = add_days(nowdate(), -40)
		factories.ensure_fiscal_year(posting)
		invoice = books.sales_invoice(customer, [(self.item, 10, 100)], posting_date=posting)
		self.assertEqual(getdate(invoice.due_date), getdate(add_days(nowdate(), 20)))  # the last term
		self.assertEqual(exposure_of(customer).oldest_overdue_days, 40)

		helpers.credit_policy(customer=customer, credit_limit=1_000_000, max_overdue_days=30)
		order = books.sales_order(customer, [(self.item, 1, 100)])
		self.assertEqual(order.status, "On Hold")
		self.assertIn("40 days overdue", helpers.hold_of(order.name).reasons)

		(row,) = credit_exposure({"company": factories.COMPANY, "customer": customer})[1]
		self.assertEqual(row["oldest_overdue_days"], 40)

		# the first term (40 % = 418 EUR) paid: the second, 10 days overdue, is the earliest unpaid,
		# the term ERPNext's Accounts Receivable report based on payment terms shows first
		factories.payment_for_invoice(invoice.name, amount=418)
		self.assertEqual(exposure_of(customer).oldest_overdue_days, 10)
		earliest_open = min(
			getdate(row.due_date) for row in books.accounts_receivable(customer) if flt(row.outstanding) > 0
		)
		self.assertEqual(earliest_open, getdate(add_days(nowdate(), -10)))

	def test_set_based_overdue_age_equals_the_term_by_term_one(self):
		"""The statement the overdue age comes from (`earliest_overdue_dues`) finds the term that
		allocating the payments oldest first in Python finds (`earliest_unpaid_dues`), on every
		customer of the company and at several days: EUR receivables, EUR billed on the USD
		receivable, three instalments paid in part or across terms, a credit note, an advance
		allocated on the invoice, an invoice without terms, a paid one."""
		old, older = add_days(nowdate(), -50), add_days(nowdate(), -100)
		for day in (old, older):
			factories.ensure_fiscal_year(day)
		eur = books.eur_customer()
		# 1,045 EUR in 418 / 313.50 / 313.50: 300 paid leaves the first term open; 500 paid on the
		# other clears the first and part of the second
		books.sales_invoice(eur, [(self.item, 10, 100)], posting_date=older)
		factories.payment_for_invoice(
			books.sales_invoice(eur, [(self.item, 10, 100)], posting_date=older).name, amount=300
		)
		across = books.sales_invoice(books.eur_customer(), [(self.item, 10, 100)], posting_date=older)
		factories.payment_for_invoice(across.name, amount=500)
		# EUR billed on the USD receivable, half returned by a credit note
		on_usd = books.eur_customer(eur_receivable=False)
		returned = books.sales_invoice(on_usd, [(self.item, 10, 100)], posting_date=old)
		books.partial_return(returned.name, 0.5)
		# an advance on the order allocated on its invoice; a paid invoice next to one without terms
		advanced = books.eur_customer()
		order = books.sales_order(advanced, [(self.item, 4, 100)])
		books.advance_for_order(order.name, 100)
		invoice = invoice_from_order(order.name)
		invoice.allocate_advances_automatically = 1
		invoice.insert()
		invoice.submit()
		local = factories.customer()
		books.sales_invoice(
			local, [(self.item, 1, 300)], terms=False, posting_date=old, due_date=add_days(old, 20)
		)
		factories.payment_for_invoice(
			books.sales_invoice(local, [(self.item, 2, 100)], posting_date=old).name
		)

		reference = exposures.earliest_unpaid_dues(factories.COMPANY)
		ours = [eur, across.customer, on_usd, advanced, local]
		self.assertTrue(set(ours) <= set(reference))
		for day in (
			older,
			add_days(nowdate(), -60),
			old,
			nowdate(),
			add_days(nowdate(), 35),
			add_days(nowdate(), 90),
		):
			day = getdate(day)
			with self.subTest(day=day):
				expected = {customer: due for customer, due in reference.items() if due < day}
				self.assertEqual(exposures.earliest_overdue_dues(factories.COMPANY, today=day), expected)
				self.assertEqual(
					exposures.earliest_overdue_dues(factories.COMPANY, ours, today=day),
					{customer: due for customer, due in expected.items() if customer in ours},
				)
		# the cases above, as the term-by-term allocation has it
		self.assertEqual(reference[eur], getdate(older))
		self.assertEqual(reference[across.customer], getdate(add_days(older, 30)))
		self.assertEqual(reference[local], getdate(add_days(old, 20)))
		self.assertEqual(exposure_of(local).oldest_overdue_days, 30)


class TestChecksOnRealBooks(RealBooksTestCase):
	def test_update_items_lowering_the_order_is_never_refused(self):
		customer = factories.customer()
		helpers.credit_policy(
			customer=customer, credit_limit=2000, check_on_sales_invoice=0, check_on_delivery_note=0
		)
		order = books.sales_order(customer, [(self.item, 10, 100)])  # 1,045
		self.assertEqual(order.status, "To Deliver and Bill")
		books.sales_invoice(customer, [(self.item, 15, 100)])  # 1,567.50: now over the limit

		def update(qty):
			rows = [{"docname": order.items[0].name, "item_code": self.item, "qty": qty, "rate": 100}]
			update_child_qty_rate("Sales Order", json.dumps(rows), order.name)

		update(8)  # lowers the exposure: accepted although the customer is over the limit
		self.assertEqual(frappe.db.get_value("Sales Order", order.name, "base_grand_total"), 836.0)
		with self.assertRaises(CreditCheckFailed):
			update(9)  # raises it: checked

	def test_pos_sale_paid_on_the_spot_is_not_refused(self):
		customer = factories.customer()
		helpers.credit_policy(customer=customer, credit_limit=200, check_on_sales_invoice=1)
		books.sales_invoice(customer, [(self.item, 1, 100)], terms=False)  # 104.50
		invoice = books.pos_invoice(customer, [(self.item, 2, 50)])  # 104.50 more, paid on the spot
		self.assertEqual(invoice.docstatus, 1)
		with self.assertRaises(CreditCheckFailed):  # 104.50 on credit: over the limit
			books.sales_invoice(customer, [(self.item, 1, 100)], terms=False)

	def test_a_cancelled_payment_puts_the_released_order_back_on_hold(self):
		customer = books.eur_customer()
		helpers.credit_policy(
			customer=customer, credit_limit=1500, check_on_sales_invoice=0, check_on_delivery_note=0
		)
		invoice = books.sales_invoice(customer, [(self.item, 10, 100)])  # 1,149.50
		order = books.sales_order(customer, [(self.item, 5, 100)])  # + 574.75 > 1,500
		self.assertEqual(order.status, "On Hold")
		first_hold = helpers.hold_of(order.name)

		payment = factories.payment_for_invoice(invoice.name)
		first_hold.reload()
		self.assertEqual(first_hold.status, "Auto-Released")
		self.assertEqual(
			(first_hold.auto_released_by_doctype, first_hold.auto_released_by),
			("Payment Entry", payment.name),
		)
		self.assertEqual(frappe.db.get_value("Sales Order", order.name, "status"), "To Deliver and Bill")

		payment.reload()
		payment.cancel()
		order.reload()
		self.assertEqual(order.status, "On Hold")
		self.assertEqual(order.credit_status, "On Credit Hold")
		second_hold = helpers.hold_of(order.name)
		self.assertNotEqual(second_hold.name, first_hold.name)
		self.assertEqual(second_hold.status, "Pending")
		self.assertIn("exceeds the credit limit", second_hold.reasons)
		self.assertEqual(frappe.db.get_value("Credit Hold", first_hold.name, "status"), "Auto-Released")

	def test_an_order_that_still_passes_after_the_cancelled_payment_stays_released(self):
		customer = factories.customer()
		helpers.credit_policy(
			customer=customer, credit_limit=1500, check_on_sales_invoice=0, check_on_delivery_note=0
		)
		invoice = books.sales_invoice(customer, [(self.item, 10, 100)])  # 1,045
		order = books.sales_order(customer, [(self.item, 5, 100)])  # + 522.50 > 1,500
		hold = helpers.hold_of(order.name)
		releasing = factories.payment_for_invoice(invoice.name, amount=100)  # 1,467.50: passes
		self.assertEqual(frappe.db.get_value("Credit Hold", hold.name, "auto_released_by"), releasing.name)
		factories.payment_for_invoice(invoice.name, amount=300)  # 1,167.50
		releasing.reload()
		releasing.cancel()  # 1,267.50: the order still passes, so it stays released
		order.reload()
		self.assertEqual(order.status, "To Deliver and Bill")
		self.assertEqual(order.credit_hold, hold.name)
		self.assertEqual(frappe.db.get_value("Credit Hold", hold.name, "status"), "Auto-Released")


class TestCollectionsHoldOnRealBooks(RealBooksTestCase):
	def test_collections_hold_amount_is_the_outstanding_in_company_currency(self):
		on_usd = books.eur_customer(eur_receivable=False)
		invoice = books.sales_invoice(on_usd, [(self.item, 4, 100)])
		self.assertEqual(flt(invoice.outstanding_amount), 459.8)  # already USD
		hold = block_customer_for_collections(on_usd, factories.COMPANY, invoice.name, "overdue")
		self.assertEqual(frappe.db.get_value("Credit Hold", hold, "amount"), 459.8)

		on_eur = books.eur_customer()
		invoice = books.sales_invoice(on_eur, [(self.item, 4, 100)])
		self.assertEqual(flt(invoice.outstanding_amount), 418.0)  # EUR
		hold = block_customer_for_collections(on_eur, factories.COMPANY, invoice.name, "overdue")
		self.assertEqual(frappe.db.get_value("Credit Hold", hold, "amount"), 459.8)

	def test_rejecting_a_collections_hold_is_refused_while_the_invoice_is_outstanding(self):
		customer = books.eur_customer()
		invoice = books.sales_invoice(customer, [(self.item, 2, 100)])
		hold = block_customer_for_collections(customer, factories.COMPANY, invoice.name, "overdue")
		with self.assertRaisesRegex(frappe.ValidationError, "cannot be rejected"):
			reject(hold, "Not our customer's fault")
		self.assertEqual(frappe.db.get_value("Credit Hold", hold, "status"), "Pending")
		order = books.sales_order(customer, [(self.item, 1, 100)])
		self.assertEqual(order.status, "On Hold")
		self.assertIn(invoice.name, helpers.hold_of(order.name).reasons)


class TestUserPermissions(RealBooksTestCase):
	def test_company_restricted_user_cannot_read_the_other_company(self):
		customer = factories.customer()
		books.sales_invoice(customer, [(self.item, 1, 10)], company=books.SECOND_COMPANY, terms=False)
		books.sales_invoice(customer, [(self.item, 1, 10)], terms=False)
		frappe.set_user(books.RESTRICTED_USER)
		self.assertEqual(credit_api.get_exposure(customer, factories.COMPANY)["receivables"], 10.45)
		with self.assertRaises(frappe.PermissionError):
			credit_api.get_exposure(customer, books.SECOND_COMPANY)
		with self.assertRaises(frappe.PermissionError):
			credit_exposure({"company": books.SECOND_COMPANY})
		rows = credit_exposure({"company": factories.COMPANY, "customer": customer})[1]
		self.assertEqual([row["receivables"] for row in rows], [10.45])

	def test_customer_restricted_controller_sees_and_decides_only_their_customers(self):
		mine, other = factories.customer(), factories.customer()
		for customer in (mine, other):
			helpers.credit_policy(customer=customer, credit_limit=10)
			books.sales_order(customer, [(self.item, 1, 100)])  # held
		other_hold = frappe.db.get_value("Credit Hold", {"customer": other, "status": "Pending"}, "name")
		user = customer_restricted_user(
			"_o2c.credit.one-customer@example.com", mine, ["Credit Controller", "Accounts User"]
		)
		frappe.set_user(user)
		rows = credit_exposure({"company": factories.COMPANY})[1]
		self.assertEqual({row["customer"] for row in rows}, {mine})
		with self.assertRaises(frappe.PermissionError):
			credit_exposure({"company": factories.COMPANY, "customer": other})
		with self.assertRaises(frappe.PermissionError):
			credit_api.get_exposure(other, factories.COMPANY)
		with self.assertRaises(frappe.PermissionError):
			credit_api.release_hold(other_hold, "go ahead")
		self.assertEqual(frappe.db.get_value("Credit Hold", other_hold, "status"), "Pending")

	def test_company_restricted_controller_cannot_decide_the_other_companys_hold(self):
		customer = factories.customer()
		invoice = books.sales_invoice(
			customer, [(self.item, 1, 10)], company=books.SECOND_COMPANY, terms=False
		)
		hold = block_customer_for_collections(customer, books.SECOND_COMPANY, invoice.name, "overdue")
		user = books.restricted_user(
			factories.company(),
			"_o2c.credit.first-company@example.com",
			["Credit Controller", "Accounts User"],
		)
		frappe.set_user(user)
		with self.assertRaises(frappe.PermissionError):
			credit_api.release_hold(hold, "go ahead")
		self.assertEqual(frappe.db.get_value("Credit Hold", hold, "status"), "Pending")
