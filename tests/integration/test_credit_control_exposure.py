"""Exposure on a real site: every part, agreement with ERPNext's own outstanding, overdue days and
dunning levels, a constant number of queries whatever the history, the report and the quotation
warning."""

import frappe
from erpnext.accounts.doctype.sales_invoice.sales_invoice import create_dunning
from erpnext.selling.doctype.customer.customer import get_customer_outstanding
from erpnext.selling.doctype.sales_order.sales_order import make_sales_invoice as invoice_from_order
from erpnext.stock.doctype.delivery_note.delivery_note import make_sales_invoice as invoice_from_delivery
from frappe.query_builder.functions import Sum
from frappe.tests.utils import FrappeTestCase
from frappe.utils import add_days, nowdate

from o2c_extension.credit_control.exposure import get_exposure, get_exposures
from o2c_extension.credit_control.report.credit_exposure.credit_exposure import execute as credit_exposure
from tests.integration import credit_control_helpers as helpers
from tests.integration import factories


def standalone_delivery(customer, item, qty, rate):
	doc = frappe.get_doc(
		{
			"doctype": "Delivery Note",
			"customer": customer,
			"company": factories.company(),
			"currency": factories.CURRENCY,
			"selling_price_list": factories.price_list(),
			"set_warehouse": factories.warehouse(),
			"items": [{"item_code": item, "qty": qty, "rate": rate, "warehouse": factories.warehouse()}],
		}
	).insert()
	doc.submit()
	return doc


def advance_payment(customer, amount):
	company = frappe.get_cached_doc("Company", factories.company())
	entry = frappe.get_doc(
		{
			"doctype": "Payment Entry",
			"payment_type": "Receive",
			"company": company.name,
			"party_type": "Customer",
			"party": customer,
			"paid_from": company.default_receivable_account,
			"paid_to": company.default_cash_account,
			"paid_amount": amount,
			"received_amount": amount,
			"reference_no": frappe.generate_hash(length=8),
			"reference_date": nowdate(),
		}
	)
	entry.setup_party_account_field()
	entry.set_missing_values()
	entry.insert()
	entry.submit()
	return entry


def journal_entry(customer, amount, against=None):
	"""Cash received from the customer by Journal Entry, against an invoice or on account."""
	company = frappe.get_cached_doc("Company", factories.company())
	reference = {"reference_type": "Sales Invoice", "reference_name": against} if against else {}
	entry = frappe.get_doc(
		{
			"doctype": "Journal Entry",
			"company": company.name,
			"posting_date": nowdate(),
			"accounts": [
				{"account": company.default_cash_account, "debit_in_account_currency": amount},
				{
					"account": company.default_receivable_account,
					"party_type": "Customer",
					"party": customer,
					"credit_in_account_currency": amount,
					"is_advance": "No" if against else "Yes",
					**reference,
				},
			],
		}
	)
	entry.insert()
	entry.submit()
	return entry


class TestExposure(FrappeTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		factories.company()
		cls.item = factories.item(stock_qty=10000, rate=100)

	def make_history(self, customer):
		"""receivables 1000 - 300 paid - 150 advance + 300 of the order billed + 200 of the delivery
		billed = 1050; open orders 300; unbilled deliveries 200."""
		invoice = factories.sales_invoice(customer, [(self.item, 10, 100)])
		factories.payment_for_invoice(invoice.name, amount=300)
		advance_payment(customer, 150)

		order = factories.sales_order(customer, [(self.item, 6, 100)])
		half = invoice_from_order(order.name)
		half.items[0].qty = 3
		half.insert()
		half.submit()

		delivery = standalone_delivery(customer, self.item, 4, 100)
		billed = invoice_from_delivery(delivery.name)
		billed.items[0].qty = 2
		billed.insert()
		billed.submit()

	def test_every_part_and_agreement_with_erpnext(self):
		customer = factories.customer()
		self.make_history(customer)

		exposure = get_exposure(customer, factories.COMPANY, document_amount=99)
		self.assertEqual(exposure.receivables, 1000 - 300 - 150 + 300 + 200)
		self.assertEqual(exposure.open_orders, 300)
		self.assertEqual(exposure.unbilled_deliveries, 200)
		self.assertEqual(exposure.document, 99)
		self.assertEqual(exposure.total, 1050 + 300 + 200 + 99)
		self.assertAlmostEqual(
			exposure.total - exposure.document,
			get_customer_outstanding(customer, factories.COMPANY),
			places=2,
		)

	def test_receivables_equal_the_whole_payment_ledger(self):
		"""Receivables are read by open item (outstanding of open invoices + the ledger rows not
		against an invoice): they must equal the sum of every live ledger row of the customer."""
		customer = factories.customer()
		paid = factories.sales_invoice(customer, [(self.item, 2, 100)])
		factories.payment_for_invoice(paid.name)
		partly = factories.sales_invoice(customer, [(self.item, 5, 100)])
		factories.payment_for_invoice(partly.name, amount=120)
		cancelled = factories.payment_for_invoice(partly.name, amount=30)
		cancelled.cancel()
		returned = factories.sales_invoice(customer, [(self.item, 3, 100)])
		factories.credit_note_for_invoice(returned.name)
		by_journal = factories.sales_invoice(customer, [(self.item, 4, 100)])
		journal_entry(customer, 150, against=by_journal.name)
		journal_entry(customer, 70)  # on account, against no invoice
		advance_payment(customer, 90)
		factories.sales_invoice(customer, [(self.item, 1, 100)])

		ple = frappe.qb.DocType("Payment Ledger Entry")
		(ledger,) = (
			frappe.qb.from_(ple)
			.select(Sum(ple.amount))
			.where(
				(ple.party_type == "Customer")
				& (ple.party == customer)
				& (ple.company == factories.COMPANY)
				& (ple.delinked == 0)
			)
			.run()[0]
		)
		self.assertEqual(ledger, 500 - 120 + 400 - 150 - 70 - 90 + 100)
		self.assertEqual(get_exposure(customer, factories.COMPANY).receivables, ledger)

	def test_held_orders_are_left_out_and_a_rechecked_order_is_not_counted_twice(self):
		customer = factories.customer()
		helpers.credit_policy(customer=customer, credit_limit=100)
		held = factories.sales_order(customer, [(self.item, 5, 100)])
		self.assertEqual(held.status, "On Hold")
		self.assertEqual(get_exposure(customer, factories.COMPANY).total, 0)
		self.assertEqual(get_customer_outstanding(customer, factories.COMPANY), 500)  # ERPNext counts it

		helpers.credit_policy(customer=(other := factories.customer()), credit_limit=10000)
		passed = factories.sales_order(other, [(self.item, 5, 100)])
		self.assertEqual(get_exposure(other, factories.COMPANY).open_orders, 500)
		self.assertEqual(
			get_exposure(other, factories.COMPANY, 500, exclude_sales_order=passed.name).total, 500
		)

	def test_overdue_days_and_dunning_level_of_open_invoices(self):
		customer = factories.customer()
		old = helpers.overdue_invoice(customer, self.item, 100, days_overdue=60)
		helpers.overdue_invoice(customer, self.item, 100, days_overdue=20)
		factories.sales_invoice(customer, [(self.item, 1, 100)], due_date=add_days(nowdate(), 30))

		exposure = get_exposure(customer, factories.COMPANY)
		self.assertEqual(exposure.oldest_overdue_days, 60)
		self.assertEqual(exposure.highest_dunning_level, 0)

		for _ in range(2):
			dunning = create_dunning(old.name)
			dunning.insert()
			dunning.submit()
		self.assertEqual(get_exposure(customer, factories.COMPANY).highest_dunning_level, 2)

		factories.payment_for_invoice(old.name)  # paid: no longer open, neither overdue nor dunned
		exposure = get_exposure(customer, factories.COMPANY)
		self.assertEqual(exposure.oldest_overdue_days, 20)
		self.assertEqual(exposure.highest_dunning_level, 0)

	def test_dunning_level_rule_holds_an_order(self):
		customer = factories.customer()
		helpers.credit_policy(customer=customer, credit_limit=100000, max_dunning_level=1)
		invoice = helpers.overdue_invoice(customer, self.item, 100, days_overdue=10)
		for _ in range(2):
			dunning = create_dunning(invoice.name)
			dunning.insert()
			dunning.submit()
		order = factories.sales_order(customer, [(self.item, 1, 100)])
		self.assertEqual(order.status, "On Hold")
		self.assertIn("dunning level 2", helpers.hold_of(order.name).reasons)

	def test_number_of_queries_does_not_grow_with_history(self):
		small, large = factories.customer(), factories.customer()
		factories.sales_invoice(small, [(self.item, 1, 100)])
		for _ in range(3):
			self.make_history(large)
			factories.sales_order(large, [(self.item, 1, 100)])

		# one statement with every part in it (exposure.PARTS) and one for the open invoices'
		# payment terms (overdue age by earliest unpaid term); the company currency is cached
		get_exposure(small, factories.COMPANY)
		for customer in (small, large):
			with self.assertQueryCount(2):
				get_exposure(customer, factories.COMPANY)

	def test_exposures_of_many_customers_equal_one_by_one(self):
		customers = [factories.customer() for _ in range(3)]
		for customer in customers[:2]:
			self.make_history(customer)
		together = get_exposures(factories.COMPANY, customers)
		for customer in customers[:2]:
			self.assertEqual(together[customer], get_exposure(customer, factories.COMPANY))
		self.assertNotIn(customers[2], together)


class TestCreditExposureReport(FrappeTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		factories.company()
		cls.item = factories.item(stock_qty=10000, rate=100)

	def test_rows_match_exposure_with_limit_utilisation_and_pending_holds(self):
		over, under = factories.customer(), factories.customer()
		helpers.credit_policy(customer=over, credit_limit=1000)
		helpers.credit_policy(customer=under, credit_limit=1000, tolerance_percent=5)
		factories.sales_invoice(over, [(self.item, 9, 100)])
		factories.sales_order(over, [(self.item, 5, 100)])  # held
		factories.sales_order(under, [(self.item, 2, 100)])
		standalone_delivery(under, self.item, 1, 100)

		columns, data = credit_exposure({"company": factories.COMPANY})
		rows = {row["customer"]: row for row in data}
		self.assertIn("utilisation_percent", [column["fieldname"] for column in columns])

		self.assertEqual(rows[over]["receivables"], 900)
		self.assertEqual(rows[over]["open_orders"], 0)
		self.assertEqual(rows[over]["credit_limit"], 1000)
		self.assertEqual(rows[over]["utilisation_percent"], 90)
		self.assertEqual(rows[over]["pending_holds"], 1)
		self.assertEqual(rows[over]["status"], "On Credit Hold")

		self.assertEqual(rows[under]["open_orders"], 200)
		self.assertEqual(rows[under]["unbilled_deliveries"], 100)
		self.assertEqual(rows[under]["total_exposure"], 300)
		self.assertEqual(rows[under]["tolerance_percent"], 5)
		self.assertEqual(rows[under]["status"], "Within Limit")
		for customer in (over, under):
			self.assertEqual(
				rows[customer]["total_exposure"], get_exposure(customer, factories.COMPANY).total
			)

		_columns, one = credit_exposure({"company": factories.COMPANY, "customer": under})
		self.assertEqual([row["customer"] for row in one], [under])
		_columns, failing = credit_exposure({"company": factories.COMPANY, "failing_only": 1})
		self.assertIn(over, [row["customer"] for row in failing])
		self.assertNotIn(under, [row["customer"] for row in failing])


class TestQuotationWarning(FrappeTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		factories.company()
		cls.item = factories.item(stock_qty=0, rate=100)

	def quotation(self, customer, qty):
		return factories.quotation(customer, [(self.item, qty, 100)], submit=False)

	def test_quotation_over_limit_warns_but_saves(self):
		customer = factories.customer()
		helpers.credit_policy(customer=customer, credit_limit=1000)
		frappe.clear_messages()
		quotation = self.quotation(customer, 20)
		self.assertEqual(quotation.credit_status, "Over Limit")
		self.assertTrue(any("credit check" in str(message) for message in frappe.get_message_log()))
		quotation.submit()
		self.assertEqual(quotation.docstatus, 1)
		self.assertEqual(self.quotation(customer, 2).credit_status, "Within Limit")

	def test_no_warning_without_policy_or_when_switched_off(self):
		self.assertFalse(self.quotation(factories.customer(), 20).credit_status)
		customer = factories.customer()
		helpers.credit_policy(customer=customer, credit_limit=1, check_on_quotation=0)
		self.assertFalse(self.quotation(customer, 20).credit_status)
