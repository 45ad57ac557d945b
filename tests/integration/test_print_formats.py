"""The app's print formats (issue 15) render to PDF (wkhtmltopdf, or Chromium on a v16 bench
without it), each on a document shaped like real books: an agreement with items, Firm and Forecast
lines and a call-off, a customer release that changes the schedule, a released Credit Hold with its
audit trail, and the Collection Case statement of an EUR customer (EUR receivable, 10 % VAT, 5 %
discount, 40/30/30 terms, a partial payment) whose figures are ERPNext's own Accounts Receivable
report's."""

import frappe
from frappe.tests.utils import FrappeTestCase
from frappe.utils import add_days, flt, fmt_money, formatdate, nowdate

from o2c_extension.api import credit as credit_api
from o2c_extension.api import scheduling as scheduling_api
from tests.integration import books, factories, pdf
from tests.integration import credit_control_helpers as credit_helpers
from tests.integration import scheduling_helpers as sched


class PrintFormatTestCase(FrappeTestCase):
	@classmethod
	def setUpClass(cls):
		pdf.require_renderer()
		super().setUpClass()
		frappe.set_user("Administrator")
		cls.world = books.world()
		cls.served = pdf.site_url_served()
		cls.served.__enter__()

	@classmethod
	def tearDownClass(cls):
		cls.served.__exit__(None, None, None)
		super().tearDownClass()

	def tearDown(self):
		frappe.set_user("Administrator")

	def render(self, doctype, name, print_format):
		self.assertEqual(frappe.db.get_value("Print Format", print_format, "doc_type"), doctype)
		html = frappe.get_print(doctype, name, print_format)
		generator = frappe.local.form_dict.get("pdf_generator")  # what Frappe's get_print left there
		output = pdf.render(doctype, name, print_format)
		self.assertTrue(output.startswith(b"%PDF"), f"{print_format} did not render to a PDF")
		self.assertGreater(len(output), 2000)
		self.assertEqual(
			frappe.local.form_dict.get("pdf_generator"), generator, "the generator chosen outlived the PDF"
		)
		self.assertNotIn("Traceback", html)
		return html


class TestSchedulingPrintFormats(PrintFormatTestCase):
	def agreement(self):
		customer, items = sched.setup_masters(item_count=2, rates=(120, 45.5))
		return sched.agreement(
			customer,
			[(items[0], 500, 120), (items[1], 300, 45.5)],
			lines=[
				(items[0], 1, 40, "Firm"),
				(items[0], 20, 60, "Forecast"),
				(items[1], 2, 25, "Firm"),
				(items[1], 40, 25, "Forecast"),
			],
			customer_reference="PO-PRINT-1",
			tolerance_percent=10,
		)

	def test_scheduling_agreement_prints_its_items_and_its_dated_schedule(self):
		agreement = self.agreement()
		scheduling_api.release_now(agreement.name)  # the Firm lines within the horizon become orders
		agreement.reload()
		html = self.render("Scheduling Agreement", agreement.name, "Scheduling Agreement")
		self.assertIn(agreement.name, html)
		self.assertIn("PO-PRINT-1", html)
		for row in agreement.items:
			self.assertIn(row.get_formatted("rate", agreement), html)
			self.assertIn(row.get_formatted("agreed_qty"), html)
		for line in agreement.schedule:
			self.assertIn(line.get_formatted("schedule_date"), html)
			if line.sales_order:
				self.assertIn(line.sales_order, html)
		self.assertTrue(any(line.sales_order for line in agreement.schedule))

	def test_schedule_release_prints_what_it_changed(self):
		agreement = self.agreement()
		first, second = (row.item_code for row in agreement.items)
		result = scheduling_api.import_release(
			agreement.name,
			"REL-PRINT-1",
			nowdate(),
			sched.release_lines((first, 20, 75, "Firm"), (second, 45, 30, "Forecast")),
		)
		release = frappe.get_doc("Schedule Release", result["schedule_release"])
		html = self.render("Schedule Release", release.name, "Schedule Release")
		self.assertIn("REL-PRINT-1", html)
		self.assertTrue(release.changes, "the release changed the schedule")
		for change in release.changes:
			self.assertIn(change.get_formatted("schedule_date"), html)
			self.assertIn(change.item_code, html)
		for delta in release.item_deltas:
			self.assertIn(delta.get_formatted("new_open_qty"), html)


class TestCreditHoldDecision(PrintFormatTestCase):
	def test_released_hold_prints_exposure_reasons_decision_and_audit_trail(self):
		customer = books.eur_customer()
		item = factories.item(stock_qty=1000, rate=100)
		credit_helpers.credit_policy(
			customer=customer, applies_to="Customer", credit_limit=500, check_on_sales_order=1
		)
		order = books.sales_order(customer, [(item, 10, 100)])  # 1,045 EUR = 1,149.50 USD, over 500
		hold = credit_helpers.hold_of(order.name)
		self.assertIsNotNone(hold, "the order over its limit is held")
		credit_api.release_hold(hold.name, "Customer <b>paid</b> by wire, confirmed by the bank.")
		hold.reload()
		html = self.render("Credit Hold", hold.name, "Credit Hold Decision")
		self.assertIn(order.name, html)
		self.assertIn(hold.get_formatted("exposure"), html)
		self.assertIn(hold.get_formatted("credit_limit"), html)
		self.assertIn(hold.get_formatted("amount"), html)
		self.assertEqual(flt(hold.amount), flt(order.base_grand_total))
		self.assertIn(frappe.utils.get_fullname(hold.decided_by), html)
		# the comment is text, never markup
		self.assertNotIn("<b>paid</b>", html)
		self.assertIn("&lt;b&gt;paid&lt;/b&gt;", html)
		self.assertGreaterEqual(len(hold.decisions), 2)  # held, then released


class TestCollectionStatement(PrintFormatTestCase):
	def test_case_statement_shows_the_open_terms_erpnext_reports(self):
		from o2c_extension.collections import cases

		customer = books.eur_customer()
		item = factories.item(stock_qty=1000, rate=100)
		old = books.sales_invoice(customer, [(item, 10, 100)], posting_date=add_days(nowdate(), -100))
		factories.payment_for_invoice(old.name, amount=300)  # part of the first term
		recent = books.sales_invoice(customer, [(item, 4, 100)], posting_date=add_days(nowdate(), -35))
		case = cases.refresh_case(customer, factories.company())
		self.assertTrue(case, "an overdue customer has a case")
		html = self.render("Collection Case", case, "Collection Statement")
		report = books.accounts_receivable(customer)
		self.assertTrue(report)
		for row in report:
			self.assertIn(row.voucher_no, html)
			self.assertIn(formatdate(row.due_date), html)
		for invoice in (old, recent):
			self.assertIn(invoice.name, html)
		overdue = frappe.db.get_value("Collection Case", case, ["overdue_amount", "currency"], as_dict=True)
		self.assertIn(fmt_money(overdue.overdue_amount, currency=overdue.currency), html)
