"""Payments close the collection work of the invoices they clear: Payment Entry, credit note and
Journal Entry; a partial payment leaves it open; a cancelled payment reopens it; a cancelled
invoice cancels it. The customer's Collection Case closes, with its one task, once nothing is
overdue, and opens again when a cancelled payment makes the invoice overdue again."""

import frappe
from frappe.utils import add_days

from o2c_extension.collections import core, runner
from tests.integration import collections_helpers as helpers
from tests.integration import factories
from tests.integration.test_collections_run import CollectionsTestCase

TASK_STEPS = [
	{"day_offset": 1, "action": core.CREATE_TODO, "assign_to_role": "Collections Agent"},
	{"day_offset": 2, "action": core.ESCALATE},
]


class TestPaymentsCloseCollectionWork(CollectionsTestCase):
	def invoice_with_open_tasks(self, email: str):
		customer = helpers.customer_with_contacts(email)
		helpers.rule(customer, steps=TASK_STEPS)
		with self.on(helpers.BASE_DATE):
			invoice = helpers.invoice(customer, helpers.BASE_DATE, due_in_days=0)
		self.run_collections(add_days(helpers.BASE_DATE, 2), [invoice])
		# the ToDo went to an agent, the escalation handed the case's one task to the manager
		(todo,) = helpers.open_todos(invoice.name)
		self.assertEqual(
			frappe.db.get_value("ToDo", todo, ["allocated_to", "priority"]), (helpers.MANAGER, "High")
		)
		self.assertEqual(helpers.status_of(invoice.name), core.ESCALATED)
		self.assertEqual(helpers.case_of(invoice.customer).status, core.CASE_OPEN)
		return invoice

	def assert_work_closed(self, invoice_name: str):
		self.assertEqual(helpers.open_todos(invoice_name), [])
		actions = helpers.actions_of(invoice_name)
		self.assertEqual({action.status for action in actions}, {core.CLOSED})
		escalation = next(action for action in actions if action.action == core.ESCALATE)
		self.assertEqual(frappe.db.get_value("ToDo", escalation.reference_name, "status"), "Closed")
		self.assertEqual(helpers.status_of(invoice_name), core.PAID)
		case = helpers.case_of(frappe.db.get_value("Sales Invoice", invoice_name, "customer"))
		self.assertEqual(case.status, core.CASE_CLOSED)
		self.assertEqual(helpers.case_todos(case.name), [])

	def test_partial_payment_keeps_the_todos_and_full_payment_closes_them(self):
		invoice = self.invoice_with_open_tasks("_billing-pe@example.com")
		with self.on(add_days(helpers.BASE_DATE, 3)):
			factories.payment_for_invoice(invoice.name, amount=400)
		self.assertEqual(len(helpers.open_todos(invoice.name)), 1)
		self.assertEqual(helpers.status_of(invoice.name), core.ESCALATED)
		self.assertEqual({a.status for a in helpers.actions_of(invoice.name)}, {core.OPEN})

		with self.on(add_days(helpers.BASE_DATE, 4)):
			payment = factories.payment_for_invoice(invoice.name)
		self.assert_work_closed(invoice.name)

		# the payment is cancelled: the invoice is unpaid again and so is its work
		with self.on(add_days(helpers.BASE_DATE, 5)):
			payment.reload()
			payment.cancel()
		self.assertEqual(len(helpers.open_todos(invoice.name)), 1)
		self.assertEqual({a.status for a in helpers.actions_of(invoice.name)}, {core.OPEN})
		self.assertEqual(helpers.status_of(invoice.name), core.ESCALATED)
		case = helpers.case_of(invoice.customer)  # the same case, open again with its task
		self.assertEqual(case.status, core.CASE_OPEN)
		self.assertEqual(helpers.case_todos(case.name), helpers.open_todos(invoice.name))
		self.assertEqual(frappe.db.count("Collection Case", {"customer": invoice.customer}), 1)

	def test_credit_note_clears_the_invoice(self):
		invoice = self.invoice_with_open_tasks("_billing-cn@example.com")
		with self.on(add_days(helpers.BASE_DATE, 3)):
			helpers.credit_note_against(invoice.name)
		self.assertEqual(frappe.db.get_value("Sales Invoice", invoice.name, "outstanding_amount"), 0)
		self.assert_work_closed(invoice.name)

	def test_journal_entry_clears_the_invoice(self):
		invoice = self.invoice_with_open_tasks("_billing-je@example.com")
		with self.on(add_days(helpers.BASE_DATE, 3)):
			helpers.journal_entry_paying(invoice.name)
		self.assert_work_closed(invoice.name)

	def test_paid_invoice_is_not_collected_any_more(self):
		invoice = self.invoice_with_open_tasks("_billing-done@example.com")
		with self.on(add_days(helpers.BASE_DATE, 3)):
			factories.payment_for_invoice(invoice.name)
		before = helpers.actions_of(invoice.name)
		self.run_collections(add_days(helpers.BASE_DATE, 30), [invoice])
		self.assertEqual(helpers.actions_of(invoice.name), before)

	def test_cancelled_invoice_cancels_its_tasks(self):
		invoice = self.invoice_with_open_tasks("_billing-cancel@example.com")
		with self.on(add_days(helpers.BASE_DATE, 3)):
			invoice.reload()
			invoice.cancel()
		self.assertEqual(helpers.open_todos(invoice.name), [])
		self.assertEqual({a.status for a in helpers.actions_of(invoice.name)}, {core.CANCELLED})
		self.assertEqual(helpers.case_of(invoice.customer).status, core.CASE_CLOSED)

	def test_new_invoice_status_follows_its_due_date(self):
		customer = helpers.customer_with_contacts("_billing-new@example.com")
		with self.on(helpers.BASE_DATE):
			not_due = helpers.invoice(customer, helpers.BASE_DATE, due_in_days=10)
			back_dated = helpers.invoice(customer, add_days(helpers.BASE_DATE, -40), due_in_days=10)
		self.assertEqual(helpers.status_of(not_due.name), core.NOT_DUE)
		self.assertEqual(helpers.status_of(back_dated.name), core.OVERDUE)

	def test_daily_run_sweeps_invoices_settled_without_a_payment_event(self):
		invoice = self.invoice_with_open_tasks("_billing-sweep@example.com")
		# an unallocated advance reconciled later: no Payment Entry submit names this invoice
		with self.on(add_days(helpers.BASE_DATE, 3)):
			reconcile_advance(invoice)
		self.assertEqual(frappe.db.get_value("Sales Invoice", invoice.name, "outstanding_amount"), 0)
		self.assertEqual(len(helpers.open_todos(invoice.name)), 1)  # nothing told collections yet
		with self.on(add_days(helpers.BASE_DATE, 4)):
			runner.run(company=factories.COMPANY, enqueue=False)
		self.assert_work_closed(invoice.name)


def reconcile_advance(invoice) -> None:
	"""Receive the amount as an advance, then allocate it with ERPNext's Payment Reconciliation."""
	from erpnext.accounts.doctype.payment_entry.payment_entry import get_payment_entry

	advance = get_payment_entry("Sales Invoice", invoice.name)
	advance.references = []
	advance.paid_amount = advance.received_amount = invoice.outstanding_amount
	advance.reference_no = frappe.generate_hash(length=8)
	advance.reference_date = frappe.utils.nowdate()
	advance.insert()
	advance.submit()

	reconciliation = frappe.get_doc(
		{
			"doctype": "Payment Reconciliation",
			"company": invoice.company,
			"party_type": "Customer",
			"party": invoice.customer,
			"receivable_payable_account": invoice.debit_to,
		}
	)
	reconciliation.get_unreconciled_entries()
	invoices = [row.as_dict() for row in reconciliation.invoices if row.invoice_number == invoice.name]
	payments = [row.as_dict() for row in reconciliation.payments if row.reference_name == advance.name]
	reconciliation.allocate_entries({"invoices": invoices, "payments": payments})
	reconciliation.reconcile()
