"""The real-books test world itself: every kind of document it offers can be made, and ERPNext's
own figures for them are what an accountant would expect."""

import frappe
from frappe.tests.utils import FrappeTestCase
from frappe.utils import add_days, flt, nowdate

from tests.integration import books, factories


class TestBooksWorld(FrappeTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		frappe.set_user("Administrator")
		cls.world = books.world()
		cls.item = factories.item()

	def test_eur_invoice_is_booked_in_eur_with_taxes_discount_and_three_instalments(self):
		customer = books.eur_customer()
		invoice = books.sales_invoice(customer, [(self.item, 10, 100)])
		self.assertEqual(invoice.currency, "EUR")
		self.assertEqual(invoice.party_account_currency, "EUR")
		self.assertEqual(invoice.debit_to, self.world.eur_receivable)
		# 1,000 less 5 % = 950 net, + 10 % VAT = 1,045 EUR; 1,149.50 USD
		self.assertAlmostEqual(flt(invoice.net_total), 950.0)
		self.assertAlmostEqual(flt(invoice.grand_total), 1045.0)
		self.assertAlmostEqual(flt(invoice.base_grand_total), 1149.5)
		self.assertEqual(len(invoice.payment_schedule), 3)
		self.assertEqual(
			[
				row.due_date.isoformat() if hasattr(row.due_date, "isoformat") else row.due_date
				for row in invoice.payment_schedule
			],
			[nowdate(), add_days(nowdate(), 30), add_days(nowdate(), 60)],
		)
		self.assertAlmostEqual(books.erpnext_figures(customer).receivables, 1149.5)

	def test_eur_invoice_on_the_company_currency_receivable(self):
		customer = books.eur_customer(eur_receivable=False)
		invoice = books.sales_invoice(customer, [(self.item, 1, 100)], taxes=False, discount_percent=None)
		self.assertEqual(invoice.currency, "EUR")
		self.assertEqual(invoice.party_account_currency, "USD")
		self.assertAlmostEqual(flt(invoice.outstanding_amount), 110.0)

	def test_pos_invoice_is_paid_on_the_spot(self):
		customer = factories.customer()
		invoice = books.pos_invoice(customer, [(self.item, 2, 50)])
		self.assertEqual(invoice.is_pos, 1)
		self.assertEqual(flt(invoice.outstanding_amount), 0)
		self.assertAlmostEqual(books.erpnext_figures(customer).receivables, 0)

	def test_advance_return_and_delivery_return(self):
		customer = books.eur_customer()
		order = books.sales_order(customer, [(self.item, 4, 100)])
		advance = books.advance_for_order(order.name, 100)
		self.assertEqual(advance.references[0].reference_name, order.name)
		delivery = factories.delivery_note_from_order(order.name)
		books.delivery_return(delivery.name, 0.5)
		invoice = books.sales_invoice(customer, [(self.item, 2, 100)])
		books.partial_return(invoice.name, 0.5)
		figures = books.erpnext_figures(customer)
		self.assertGreater(figures.open_orders, 0)

	def test_second_company_and_restricted_user(self):
		self.assertTrue(frappe.db.exists("Company", books.SECOND_COMPANY))
		self.assertTrue(
			frappe.db.exists(
				"User Permission",
				{"user": books.RESTRICTED_USER, "allow": "Company", "for_value": factories.company()},
			)
		)
		customer = factories.customer()
		second_item = factories.item()
		invoice = books.sales_invoice(
			customer, [(second_item, 1, 10)], company=books.SECOND_COMPANY, taxes=True, terms=False
		)
		self.assertEqual(invoice.company, books.SECOND_COMPANY)
		self.assertEqual(
			books.accounts_receivable(customer, books.SECOND_COMPANY)[0].voucher_no, invoice.name
		)
