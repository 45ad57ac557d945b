"""Credit checks through the order-to-cash cycle on a real site: holds instead of errors, release,
re-check on payment, and ERPNext's unchanged behaviour where no policy applies."""

import json

import frappe
from erpnext.selling.doctype.sales_order.sales_order import update_status
from frappe.tests.utils import FrappeTestCase, change_settings

from o2c_extension.credit_control import jobs
from o2c_extension.credit_control.checks import CreditCheckFailed
from o2c_extension.credit_control.holds import block_customer_for_collections, reject, release
from tests.integration import credit_control_helpers as helpers
from tests.integration import factories


class CreditControlTestCase(FrappeTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		frappe.set_user("Administrator")
		factories.company()
		cls.item = factories.item(stock_qty=10000, rate=100)


class TestSalesOrderHold(CreditControlTestCase):
	def test_order_over_limit_is_submitted_on_hold_and_deliveries_wait_for_release(self):
		customer = factories.customer()
		helpers.credit_policy(customer=customer, credit_limit=1000)
		factories.sales_invoice(customer, [(self.item, 6, 100)])  # receivables 600

		order = factories.sales_order(customer, [(self.item, 5, 100)])  # 600 + 500 > 1000
		order.reload()
		self.assertEqual(order.docstatus, 1)
		self.assertEqual(order.status, "On Hold")
		self.assertEqual(order.credit_status, "On Credit Hold")

		hold = helpers.hold_of(order.name)
		self.assertEqual(hold.status, "Pending")
		self.assertEqual((hold.reference_doctype, hold.reference_name), ("Sales Order", order.name))
		self.assertEqual((hold.customer, hold.company), (customer, factories.COMPANY))
		self.assertEqual(hold.amount, 500)
		self.assertEqual(hold.exposure, 1100)
		self.assertEqual(hold.credit_limit, 1000)
		self.assertIn("exceeds the credit limit", hold.reasons)
		self.assertEqual([d.decision for d in hold.decisions], ["Held"])

		# ERPNext's own hold: nothing can be delivered from the order, and no stock is reserved for it
		with self.assertRaisesRegex(frappe.ValidationError, "On Hold"):
			factories.delivery_note_from_order(order.name)
		self.assertEqual(frappe.db.get_value("Sales Order Item", {"parent": order.name}, "delivered_qty"), 0)

		# and nobody can simply resume it
		with self.assertRaisesRegex(frappe.ValidationError, "Credit Controller must release"):
			update_status("Draft", order.name)

		release(hold.name, "Customer confirmed payment plan")
		hold.reload()
		order.reload()
		self.assertEqual(hold.status, "Released")
		self.assertEqual(hold.decided_by, "Administrator")
		self.assertEqual(hold.decision_comment, "Customer confirmed payment plan")
		self.assertEqual([d.decision for d in hold.decisions], ["Held", "Released"])
		self.assertEqual(order.status, "To Deliver and Bill")
		self.assertEqual(order.credit_status, "Released")

		delivery = factories.delivery_note_from_order(order.name)
		self.assertEqual(delivery.docstatus, 1)

	def test_order_under_limit_passes(self):
		customer = factories.customer()
		helpers.credit_policy(customer=customer, credit_limit=1000)
		order = factories.sales_order(customer, [(self.item, 5, 100)])
		order.reload()
		self.assertEqual(order.status, "To Deliver and Bill")
		self.assertEqual(order.credit_status, "Within Limit")
		self.assertFalse(order.credit_hold)

	def test_tolerance_lets_an_order_pass_slightly_over_the_limit(self):
		customer = factories.customer()
		helpers.credit_policy(customer=customer, credit_limit=1000, tolerance_percent=10)
		self.assertEqual(
			factories.sales_order(customer, [(self.item, 11, 100)]).status, "To Deliver and Bill"
		)
		self.assertEqual(factories.sales_order(customer, [(self.item, 1, 1)]).status, "On Hold")

	def test_overdue_rule_holds_an_order_under_the_limit(self):
		customer = factories.customer()
		helpers.credit_policy(customer=customer, credit_limit=100000, max_overdue_days=30)
		helpers.overdue_invoice(customer, self.item, 100, days_overdue=45)

		order = factories.sales_order(customer, [(self.item, 1, 100)])
		self.assertEqual(order.status, "On Hold")
		hold = helpers.hold_of(order.name)
		self.assertEqual(hold.oldest_overdue_days, 45)
		self.assertIn("45 days overdue", hold.reasons)
		self.assertNotIn("exceeds the credit limit", hold.reasons)

	def test_reject_keeps_the_order_on_hold_for_good(self):
		customer = factories.customer()
		helpers.credit_policy(customer=customer, credit_limit=100)
		order = factories.sales_order(customer, [(self.item, 5, 100)])
		hold = helpers.hold_of(order.name)

		reject(hold.name, "Too risky")
		hold.reload()
		order.reload()
		self.assertEqual(hold.status, "Rejected")
		self.assertEqual(order.status, "On Hold")
		self.assertEqual(order.credit_status, "Rejected")
		with self.assertRaisesRegex(frappe.ValidationError, "Credit Controller must release"):
			update_status("Draft", order.name)
		with self.assertRaisesRegex(frappe.ValidationError, "only Pending holds"):
			release(hold.name, "changed my mind")

	def test_cancelling_a_held_order_closes_its_hold(self):
		customer = factories.customer()
		helpers.credit_policy(customer=customer, credit_limit=100)
		order = factories.sales_order(customer, [(self.item, 5, 100)])
		order.reload()
		order.cancel()
		hold = helpers.hold_of(order.name)
		self.assertEqual(hold.status, "Rejected")
		self.assertEqual(hold.decisions[-1].decision, "Order Cancelled")

	def test_held_orders_are_not_exposure_until_released(self):
		customer = factories.customer()
		helpers.credit_policy(customer=customer, credit_limit=1000)
		held = factories.sales_order(customer, [(self.item, 20, 100)])
		self.assertEqual(held.status, "On Hold")
		# a small order still fits: the held 2000 is not credit given
		self.assertEqual(factories.sales_order(customer, [(self.item, 5, 100)]).status, "To Deliver and Bill")

	def test_changes_after_submit_are_checked_like_erpnext_does_but_by_the_policy(self):
		from erpnext.controllers.accounts_controller import update_child_qty_rate

		customer = factories.customer()
		helpers.credit_policy(customer=customer, credit_limit=1000, check_on_sales_invoice=0)
		order = factories.sales_order(customer, [(self.item, 5, 100)])
		rows = [{"docname": order.items[0].name, "item_code": self.item, "qty": 20, "rate": 100}]
		with self.assertRaises(CreditCheckFailed):
			update_child_qty_rate("Sales Order", json.dumps(rows), order.name)

		# resuming a manually held order re-checks it (ERPNext does the same with its own limit)
		update_status("On Hold", order.name)
		factories.sales_invoice(customer, [(self.item, 8, 100)])
		with self.assertRaises(CreditCheckFailed):
			update_status("Draft", order.name)


class TestDeliveryAndInvoiceChecks(CreditControlTestCase):
	def test_standalone_delivery_note_over_limit_is_refused_with_exposure_limit_and_rules(self):
		customer = factories.customer()
		helpers.credit_policy(customer=customer, credit_limit=1000)
		factories.sales_invoice(customer, [(self.item, 8, 100)])
		delivery = frappe.get_doc(
			{
				"doctype": "Delivery Note",
				"customer": customer,
				"company": factories.company(),
				"currency": factories.CURRENCY,
				"selling_price_list": factories.price_list(),
				"set_warehouse": factories.warehouse(),
				"items": [
					{"item_code": self.item, "qty": 3, "rate": 100, "warehouse": factories.warehouse()}
				],
			}
		).insert()
		with self.assertRaises(CreditCheckFailed) as raised:
			delivery.submit()
		message = str(raised.exception)
		self.assertIn("1,100.00", message)  # exposure 800 + 300
		self.assertIn("1,000.00", message)  # limit
		self.assertIn("exceeds the credit limit", message)
		self.assertEqual(frappe.db.get_value("Delivery Note", delivery.name, "docstatus"), 0)

	def test_standalone_invoice_over_limit_is_refused_and_under_limit_passes(self):
		customer = factories.customer()
		helpers.credit_policy(customer=customer, credit_limit=1000)
		factories.sales_invoice(customer, [(self.item, 9, 100)])
		with self.assertRaises(CreditCheckFailed):
			factories.sales_invoice(customer, [(self.item, 2, 100)])
		self.assertEqual(factories.sales_invoice(customer, [(self.item, 1, 100)]).docstatus, 1)

	def test_invoice_check_can_be_switched_off_by_the_policy(self):
		customer = factories.customer()
		helpers.credit_policy(customer=customer, credit_limit=100, check_on_sales_invoice=0)
		self.assertEqual(factories.sales_invoice(customer, [(self.item, 5, 100)]).docstatus, 1)

	def test_documents_made_from_an_approved_order_are_not_checked_again(self):
		customer = factories.customer()
		helpers.credit_policy(customer=customer, credit_limit=1000)
		order = factories.sales_order(customer, [(self.item, 10, 100)])
		self.assertEqual(order.credit_status, "Within Limit")
		delivery = factories.delivery_note_from_order(order.name)
		invoice = factories.sales_invoice_from_delivery_note(delivery.name)
		self.assertEqual(invoice.docstatus, 1)


class TestRecheck(CreditControlTestCase):
	def test_payment_auto_releases_and_resumes_the_order(self):
		customer = factories.customer()
		helpers.credit_policy(customer=customer, credit_limit=1000)
		invoice = factories.sales_invoice(customer, [(self.item, 8, 100)])
		order = factories.sales_order(customer, [(self.item, 5, 100)])
		hold = helpers.hold_of(order.name)
		self.assertEqual(hold.status, "Pending")

		factories.payment_for_invoice(invoice.name, amount=200)  # 600 + 500 still over 1000
		hold.reload()
		self.assertEqual(hold.status, "Pending")

		payment = factories.payment_for_invoice(invoice.name)  # 0 + 500
		hold.reload()
		order.reload()
		self.assertEqual(hold.status, "Auto-Released")
		self.assertIn(payment.name, hold.decision_comment)
		self.assertEqual([d.decision for d in hold.decisions], ["Held", "Auto-Released"])
		self.assertEqual(order.status, "To Deliver and Bill")
		self.assertEqual(order.credit_status, "Released")
		factories.delivery_note_from_order(order.name)

	def test_credit_note_auto_releases(self):
		customer = factories.customer()
		helpers.credit_policy(customer=customer, credit_limit=1000)
		invoice = factories.sales_invoice(customer, [(self.item, 8, 100)])
		order = factories.sales_order(customer, [(self.item, 5, 100)])
		factories.credit_note_for_invoice(invoice.name)
		self.assertEqual(helpers.hold_of(order.name).status, "Auto-Released")

	def test_journal_entry_payment_auto_releases(self):
		customer = factories.customer()
		helpers.credit_policy(customer=customer, credit_limit=1000)
		invoice = factories.sales_invoice(customer, [(self.item, 8, 100)])
		order = factories.sales_order(customer, [(self.item, 5, 100)])
		company = frappe.get_cached_doc("Company", factories.company())
		entry = frappe.get_doc(
			{
				"doctype": "Journal Entry",
				"company": company.name,
				"posting_date": frappe.utils.nowdate(),
				"accounts": [
					{"account": company.default_cash_account, "debit_in_account_currency": 800},
					{
						"account": invoice.debit_to,
						"party_type": "Customer",
						"party": customer,
						"credit_in_account_currency": 800,
						"reference_type": "Sales Invoice",
						"reference_name": invoice.name,
					},
				],
			}
		).insert()
		entry.submit()
		self.assertEqual(helpers.hold_of(order.name).status, "Auto-Released")

	def test_daily_job_auto_releases_what_passes_and_leaves_the_rest(self):
		customer = factories.customer()
		helpers.credit_policy(customer=customer, credit_limit=1000)
		invoice = factories.sales_invoice(customer, [(self.item, 8, 100)])
		first = factories.sales_order(customer, [(self.item, 5, 100)])
		second = factories.sales_order(customer, [(self.item, 6, 100)])
		with change_settings("O2C Settings", {"enable_credit_control": 0}):
			factories.payment_for_invoice(invoice.name)  # no re-check while switched off
		self.assertEqual(helpers.hold_of(first.name).status, "Pending")

		jobs.daily()
		# oldest first: 500 fits, 500 + 600 would not
		self.assertEqual(helpers.hold_of(first.name).status, "Auto-Released")
		self.assertEqual(helpers.hold_of(second.name).status, "Pending")
		jobs.daily()  # idempotent
		self.assertEqual(helpers.hold_of(second.name).status, "Pending")
		self.assertEqual(len(helpers.hold_of(first.name).decisions), 2)


class TestCollectionsBlock(CreditControlTestCase):
	def test_collections_block_holds_new_orders_without_a_policy_until_the_invoice_is_paid(self):
		customer = factories.customer()
		invoice = helpers.overdue_invoice(customer, self.item, 300, days_overdue=40)
		name = block_customer_for_collections(
			customer, factories.COMPANY, invoice.name, "Second reminder ignored"
		)
		self.assertEqual(
			block_customer_for_collections(customer, factories.COMPANY, invoice.name, "again"), name
		)
		block = frappe.get_doc("Credit Hold", name)
		self.assertEqual(
			(block.reference_doctype, block.reference_name, block.status),
			("Sales Invoice", invoice.name, "Pending"),
		)
		self.assertEqual(block.amount, 300)

		order = factories.sales_order(customer, [(self.item, 1, 10)])
		self.assertEqual(order.status, "On Hold")
		self.assertIn(invoice.name, helpers.hold_of(order.name).reasons)

		factories.payment_for_invoice(invoice.name)
		self.assertEqual(frappe.db.get_value("Credit Hold", name, "status"), "Auto-Released")
		self.assertEqual(helpers.hold_of(order.name).status, "Auto-Released")
		self.assertEqual(frappe.db.get_value("Sales Order", order.name, "status"), "To Deliver and Bill")

	def test_block_refuses_an_invoice_of_another_customer(self):
		customer = factories.customer()
		invoice = factories.sales_invoice(factories.customer(), [(self.item, 1, 10)])
		with self.assertRaises(frappe.ValidationError):
			block_customer_for_collections(customer, factories.COMPANY, invoice.name, "x")


class TestERPNextBehaviourKept(CreditControlTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		# nobody may override ERPNext's limit, so its check raises for every user
		cls.enterClassContext(change_settings("Accounts Settings", {"credit_controller": ""}))

	def test_without_a_policy_erpnext_raises_its_own_credit_limit_error(self):
		customer = factories.customer()
		helpers.erpnext_credit_limit(customer, 100)
		order = factories.sales_order(customer, [(self.item, 5, 100)], submit=False)
		with self.assertRaisesRegex(frappe.ValidationError, "Credit limit has been crossed"):
			order.submit()
		self.assertFalse(frappe.db.exists("Credit Hold", {"customer": customer}))

	def test_without_a_policy_erpnext_also_checks_invoices(self):
		customer = factories.customer()
		helpers.erpnext_credit_limit(customer, 100)
		with self.assertRaisesRegex(frappe.ValidationError, "Credit limit has been crossed"):
			factories.sales_invoice(customer, [(self.item, 5, 100)])

	def test_without_a_policy_an_order_within_erpnext_limit_is_untouched(self):
		customer = factories.customer()
		helpers.erpnext_credit_limit(customer, 10000)
		order = factories.sales_order(customer, [(self.item, 5, 100)])
		order.reload()
		self.assertEqual(order.status, "To Deliver and Bill")
		self.assertFalse(order.credit_status)
		self.assertFalse(order.credit_hold)

	def test_with_a_policy_erpnext_error_does_not_fire(self):
		customer = factories.customer()
		helpers.erpnext_credit_limit(customer, 100)
		helpers.credit_policy(customer=customer, credit_limit=10000)
		order = factories.sales_order(customer, [(self.item, 5, 100)])
		self.assertEqual(order.status, "To Deliver and Bill")
		self.assertEqual(factories.sales_invoice(customer, [(self.item, 5, 100)]).docstatus, 1)

	def test_policy_without_own_limit_uses_erpnext_limit_but_holds_instead_of_erroring(self):
		customer = factories.customer()
		helpers.erpnext_credit_limit(customer, 100)
		helpers.credit_policy(customer=customer)
		order = factories.sales_order(customer, [(self.item, 5, 100)])
		self.assertEqual(order.status, "On Hold")
		self.assertEqual(helpers.hold_of(order.name).credit_limit, 100)

	def test_switching_credit_control_off_gives_erpnext_back(self):
		customer = factories.customer()
		helpers.erpnext_credit_limit(customer, 100)
		helpers.credit_policy(customer=customer, credit_limit=10000)
		with change_settings("O2C Settings", {"enable_credit_control": 0}):
			order = factories.sales_order(customer, [(self.item, 5, 100)], submit=False)
			with self.assertRaisesRegex(frappe.ValidationError, "Credit limit has been crossed"):
				order.submit()
