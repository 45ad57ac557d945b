"""The workspace's receivables KPIs (issue 16): the one-pass reading equals the item-by-item one,
the day's cached figures equal a fresh computation after every event that changes them, two
companies never share an entry, and User Permissions on company apply before the cache is read;
the cards name their company and show one decimal (issue 15)."""

import frappe
from frappe.tests.utils import FrappeTestCase
from frappe.utils import add_days, getdate, nowdate

from o2c_extension.order_to_cash import kpi, kpi_cache
from tests.integration import books, factories

PERIOD = kpi.DEFAULT_PERIOD_DAYS
RECEIVABLES_CARDS = {
	"dso": kpi.dso_card,
	"overdue_receivables_percent": kpi.overdue_receivables_card,
	"collection_effectiveness_index": kpi.collection_effectiveness_card,
}


def item_by_item(company: str, as_of) -> dict:
	"""The KPIs from the reference reading: each position item by item, opening and closing apart."""
	as_of = getdate(as_of)
	start = add_days(as_of, -PERIOD + 1)
	closing = kpi.receivables_position(company, as_of)
	opening = kpi.receivables_position(company, add_days(start, -1))
	return kpi.receivables_figures(closing, opening["total"], kpi.credit_sales(company, start, as_of), PERIOD)


def rounded(figures: dict) -> dict:
	return {key: None if value is None else round(value, 6) for key, value in figures.items()}


class WorkspaceKpiTestCase(FrappeTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		frappe.set_user("Administrator")
		cls.world = books.world()
		cls.company = cls.world.company
		cls.second = cls.world.second_company
		cls.item = factories.item(stock_qty=10000, rate=100)
		cls.customer = books.eur_customer()
		cls.local_customer = factories.customer()
		# history: an EUR invoice (taxes, discount, 40/30/30 terms) 100 days old, partly paid; a
		# company-currency invoice overdue; one not yet due
		old = add_days(nowdate(), -100)
		factories.ensure_fiscal_year(old)
		cls.old_invoice = books.sales_invoice(cls.customer, [(cls.item, 3, 200)], posting_date=old)
		factories.payment_for_invoice(cls.old_invoice.name, amount=150, posting_date=add_days(old, 20))
		books.sales_invoice(cls.local_customer, [(cls.item, 2, 300)], posting_date=add_days(nowdate(), -45))
		books.sales_invoice(cls.local_customer, [(cls.item, 1, 500)], terms=False)

	def setUp(self):
		kpi_cache.invalidate(self.company)
		kpi_cache.invalidate(self.second)

	def tearDown(self):
		frappe.set_user("Administrator")

	def cached(self, company=None) -> dict:
		return kpi.receivables_kpis(company or self.company, getdate(), PERIOD)

	def fresh(self, company=None) -> dict:
		return kpi.read_receivables_kpis(company or self.company, getdate(), PERIOD)

	def assertCachedIsFresh(self, company=None):
		company = company or self.company
		self.assertEqual(rounded(self.cached(company)), rounded(self.fresh(company)))
		self.assertEqual(rounded(self.fresh(company)), rounded(item_by_item(company, nowdate())))
		for key, card in RECEIVABLES_CARDS.items():
			value = self.fresh(company)[key]
			self.assertEqual(card({"company": company})["value"], round(value, 1) if value is not None else 0)

	def test_one_pass_reads_what_item_by_item_reads(self):
		for as_of in (nowdate(), add_days(nowdate(), -30), add_days(nowdate(), -75)):
			with self.subTest(as_of=as_of):
				self.assertEqual(
					rounded(kpi.read_receivables_kpis(self.company, getdate(as_of), PERIOD)),
					rounded(item_by_item(self.company, as_of)),
				)
		figures = self.fresh()
		self.assertGreater(figures["overdue_receivables_percent"], 0)
		self.assertIsNotNone(figures["collection_effectiveness_index"])

	def test_cached_figures_follow_every_event_that_changes_them(self):
		self.cached()  # the day's entry
		self.assertIsNotNone(kpi_cache.get(self.company, getdate(), PERIOD))

		def after(event, action):
			before = rounded(self.fresh())
			self.cached()  # warm again
			result = action()
			with self.subTest(event=event):
				self.assertNotEqual(rounded(self.fresh()), before, f"{event} should change the figures")
				self.assertCachedIsFresh()
			return result

		invoice = after(
			"invoice submitted",
			lambda: books.sales_invoice(
				self.customer, [(self.item, 2, 250)], posting_date=add_days(nowdate(), -40)
			),
		)
		payment = after("payment submitted", lambda: factories.payment_for_invoice(invoice.name, amount=100))
		after("payment cancelled", lambda: payment.cancel())
		note = after(
			"credit note submitted", lambda: factories.credit_note_for_invoice(self.old_invoice.name)
		)
		after("credit note cancelled", lambda: note.cancel())
		after("invoice cancelled", lambda: frappe.get_doc("Sales Invoice", invoice.name).cancel())
		after("journal entry on account", lambda: self.journal_entry(self.local_customer, 80))

	def journal_entry(self, customer, amount):
		"""A customer's debit by Journal Entry (on account, no invoice)."""
		company = frappe.get_cached_doc("Company", self.company)
		doc = frappe.get_doc(
			{
				"doctype": "Journal Entry",
				"company": self.company,
				"posting_date": add_days(nowdate(), -10),
				"accounts": [
					{
						"account": company.default_receivable_account,
						"party_type": "Customer",
						"party": customer,
						"debit_in_account_currency": amount,
					},
					{"account": company.default_income_account, "credit_in_account_currency": amount},
				],
			}
		)
		doc.insert()
		doc.submit()
		return doc

	def test_two_companies_never_share_an_entry(self):
		second_customer = factories.customer()
		books.sales_invoice(
			second_customer,
			[(self.item, 1, 400)],
			company=self.second,
			posting_date=add_days(nowdate(), -50),
			taxes=False,
			terms=False,
			due_date=add_days(nowdate(), -20),
		)
		first, second = self.cached(self.company), self.cached(self.second)
		self.assertNotEqual(rounded(first), rounded(second))
		self.assertEqual(rounded(second), rounded(item_by_item(self.second, nowdate())))

		# an event of the second company leaves the first company's entry alone, and drops its own
		books.sales_invoice(
			second_customer, [(self.item, 1, 700)], company=self.second, taxes=False, terms=False
		)
		self.assertIsNotNone(kpi_cache.get(self.company, getdate(), PERIOD))
		self.assertIsNone(kpi_cache.get(self.second, getdate(), PERIOD))
		self.assertCachedIsFresh(self.company)
		self.assertCachedIsFresh(self.second)

	def test_user_permissions_on_company_apply_to_cached_figures(self):
		self.cached(self.second)  # the second company's figures are in the cache
		frappe.set_user(self.world.restricted_user)  # allowed the first company only
		self.assertEqual(kpi.dso_card({"company": self.company})["company"], self.company)
		for card in RECEIVABLES_CARDS.values():
			with self.assertRaises(frappe.PermissionError):
				card({"company": self.second})

	def test_cards_name_their_company_and_show_one_decimal(self):
		for card in RECEIVABLES_CARDS.values():
			answer = card([["Sales Invoice", "company", "=", self.company]])
			self.assertEqual(answer["company"], self.company)
			self.assertEqual(answer["precision"], 1)
		self.assertEqual(kpi.overdue_receivables_card({"company": self.company})["fieldtype"], "Percent")
		self.assertEqual(kpi.pending_credit_holds_card({"company": self.company})["precision"], 0)
		# the desk sends the card's filters: the user's default company, which the user can change
		card = frappe.get_doc("Number Card", "Days Sales Outstanding")
		self.assertIn("company", card.dynamic_filters_json)
		self.assertIn("get_user_default", card.dynamic_filters_json)
