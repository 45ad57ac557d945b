"""The workspace's receivables KPIs (issue 16): the one-pass reading equals the item-by-item one,
the day's cached figures equal a fresh computation after every event that changes them, two
companies never share an entry, and User Permissions on company apply before the cache is read;
the cards name their company and show one decimal (issue 15); the charts come from the same cache,
show what Frappe's Group By / Count chart shows, and are dropped by the events that change them."""

import json

import frappe
from frappe.desk.doctype.dashboard_chart import dashboard_chart
from frappe.tests.utils import FrappeTestCase
from frappe.utils import add_days, getdate, nowdate

from o2c_extension.collections import core as collections_core
from o2c_extension.collections import settlement
from o2c_extension.credit_control import holds
from o2c_extension.order_to_cash import kpi, kpi_cache
from o2c_extension.order_to_cash.dashboard_chart_source.order_to_cash_chart import order_to_cash_chart
from tests.integration import books, factories, scheduling_helpers
from tests.integration import credit_control_helpers as helpers

PERIOD = kpi.DEFAULT_PERIOD_DAYS
CHARTS = (
	"Invoices by Collection Status",
	"Credit Holds by Status",
	"Collection Actions",
	"Scheduling Agreements by Status",
)
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


def frappe_chart(name: str, company: str):
	"""The chart as Frappe's own Group By / Count chart computes it (as the workspace's charts were
	before issue 16), for `company`."""
	definition = frappe.get_doc("Dashboard Chart", name).as_dict()
	fixed = json.loads(definition.filters_json or "{}")
	conditions = [
		[definition.document_type, field, *(value if isinstance(value, list) else ["=", value]), False]
		for field, value in fixed.items()
	]
	conditions.append([definition.document_type, "company", "=", company, False])
	definition.update(
		chart_type="Count" if definition.timeseries else "Group By",
		filters_json=json.dumps(conditions),
	)
	return dashboard_chart.get(chart=json.dumps(definition, default=str), no_cache=1)


class WorkspaceChartTestCase(FrappeTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		frappe.set_user("Administrator")
		cls.world = books.world()
		cls.company = cls.world.company
		cls.second = cls.world.second_company
		cls.item = factories.item(stock_qty=10000, rate=100)
		cls.customer = factories.customer()
		books.sales_invoice(cls.customer, [(cls.item, 2, 300)], posting_date=add_days(nowdate(), -45))

	def setUp(self):
		kpi_cache.invalidate(self.company)
		kpi_cache.invalidate(self.second)

	def tearDown(self):
		frappe.set_user("Administrator")

	def chart(self, name, company=None):
		return order_to_cash_chart.get(chart_name=name, filters={"company": company or self.company})

	def assertChartsAreFrappes(self, company=None):
		"""Every chart, cached, shows what Frappe's own chart computes now."""
		company = company or self.company
		for name in CHARTS:
			with self.subTest(chart=name):
				self.assertEqual(self.chart(name, company), frappe_chart(name, company))

	def test_cached_charts_follow_every_event_that_changes_them(self):
		self.assertChartsAreFrappes()
		for name in CHARTS:  # all kept
			self.assertIsNotNone(kpi_cache.get_figures(self.company, name, self.variant(name)))

		def after(event, chart, action, receivables_kept=False):
			before = frappe_chart(chart, self.company)
			for name in CHARTS:
				self.chart(name)  # warm again
			kpi.receivables_kpis(self.company, getdate(), PERIOD)
			result = action()
			with self.subTest(event=event):
				self.assertNotEqual(
					frappe_chart(chart, self.company), before, f"{event} should change {chart}"
				)
				self.assertChartsAreFrappes()
				if receivables_kept:  # a change of the app's own documents leaves the ledger's figures
					self.assertIsNotNone(kpi_cache.get(self.company, getdate(), PERIOD))
			return result

		invoice = after(
			"invoice submitted",
			"Invoices by Collection Status",
			lambda: books.sales_invoice(self.customer, [(self.item, 1, 200)]),
		)
		after(
			"collection status written",
			"Invoices by Collection Status",
			lambda: settlement.write_statuses({collections_core.DISPUTED: [invoice.name]}),
			receivables_kept=True,
		)
		after(
			"invoice paid",
			"Invoices by Collection Status",
			lambda: factories.payment_for_invoice(invoice.name),
		)

		held = factories.customer()
		helpers.credit_policy(customer=held, credit_limit=100)
		pending = kpi.credit_kpis(self.company, getdate(), PERIOD)["pending_credit_holds"]
		order = after(
			"credit hold placed",
			"Credit Holds by Status",
			lambda: factories.sales_order(held, [(self.item, 5, 100)]),
			receivables_kept=True,
		)
		self.assertEqual(
			kpi.credit_kpis(self.company, getdate(), PERIOD)["pending_credit_holds"], pending + 1
		)
		self.assertEqual(kpi.pending_credit_holds_card({"company": self.company})["value"], pending + 1)
		after(
			"credit hold released",
			"Credit Holds by Status",
			lambda: holds.release(helpers.hold_of(order.name).name, "Paid in advance."),
			receivables_kept=True,
		)
		self.assertEqual(
			kpi.credit_kpis(self.company, getdate(), PERIOD),
			kpi.read_credit_kpis(self.company, getdate(), PERIOD),
		)

		action = after(
			"collection action logged",
			"Collection Actions",
			lambda: frappe.get_doc(
				{
					"doctype": "Collection Action",
					"sales_invoice": invoice.name,
					"customer": self.customer,
					"company": self.company,
					"action": collections_core.CREATE_TODO,
					"action_date": nowdate(),
					"status": collections_core.COMPLETED,
				}
			).insert(ignore_permissions=True),
			receivables_kept=True,
		)
		after(
			"collection action deleted", "Collection Actions", lambda: action.delete(), receivables_kept=True
		)
		agreement = after(
			"agreement submitted",
			"Scheduling Agreements by Status",
			lambda: scheduling_helpers.agreement(self.customer, [(self.item, 100, 10)]),
			receivables_kept=True,
		)
		after(
			"agreement cancelled",
			"Scheduling Agreements by Status",
			lambda: agreement.cancel(),
			receivables_kept=True,
		)

	def variant(self, name):
		definition = frappe.get_cached_doc("Dashboard Chart", name)
		if not definition.timeseries:
			return ""
		return f"{getdate()}|{definition.timespan}|{definition.time_interval}|None|None"

	def test_charts_follow_the_company_and_user_permissions(self):
		books.sales_invoice(
			factories.customer(),
			[(self.item, 1, 400)],
			company=self.second,
			taxes=False,
			terms=False,
		)
		first, second = self.chart(CHARTS[0]), self.chart(CHARTS[0], self.second)
		self.assertNotEqual(first, second)
		self.assertChartsAreFrappes(self.second)
		# as the desk sends it: the chart's filters with the user's company
		self.assertEqual(
			order_to_cash_chart.get(
				chart_name=CHARTS[0], filters=json.dumps({"docstatus": 1, "company": self.second})
			),
			second,
		)

		frappe.set_user(self.world.restricted_user)  # allowed the first company only
		self.assertEqual(self.chart(CHARTS[0]), first)
		with self.assertRaises(frappe.PermissionError):
			self.chart(CHARTS[0], self.second)
