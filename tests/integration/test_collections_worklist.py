"""Collections Worklist report: one row per customer account (its case, overdue amount and
ageing), drilling down to its overdue invoices ranked by priority score, paused ones flagged and
listed last, with the last and next action."""

import itertools

import frappe
from frappe.utils import add_days, getdate

from o2c_extension.api import collections as api
from o2c_extension.collections import core
from o2c_extension.collections.report.collections_worklist import collections_worklist
from tests.integration import collections_helpers as helpers
from tests.integration import factories
from tests.integration.test_collections_run import CollectionsTestCase


class TestCollectionsWorklist(CollectionsTestCase):
	def test_worklist_ranks_overdue_invoices_per_agent(self):
		customer = helpers.customer_with_contacts("_billing-worklist@example.com")
		helpers.rule(
			customer,
			steps=[
				{"day_offset": 1, "action": core.CREATE_TODO, "assign_to_role": "Collections Agent"},
				{"day_offset": 20, "action": core.ESCALATE},
			],
		)
		today = add_days(helpers.BASE_DATE, 15)
		with self.on(helpers.BASE_DATE):
			older = helpers.invoice(customer, helpers.BASE_DATE, due_in_days=0, qty=20)  # 2000 × 15 days
			larger = helpers.invoice(customer, helpers.BASE_DATE, due_in_days=10, qty=50)  # 5000 × 5 days
			disputed = helpers.invoice(customer, helpers.BASE_DATE, due_in_days=0, qty=90)
			not_due = helpers.invoice(customer, helpers.BASE_DATE, due_in_days=30)
			api.record_dispute(disputed.name, "Wrong quantity")
		self.run_collections(today, [older, larger, disputed, not_due])

		with self.on(today):
			columns, all_rows = collections_worklist.execute(
				{"company": factories.COMPANY, "customer": customer}
			)
		self.assertIn("priority_score", [column["fieldname"] for column in columns])
		# the customer's account first, its overdue invoices under it
		account, *rows = all_rows
		case = helpers.case_of(customer)
		self.assertEqual(
			(account["indent"], account["customer"], account["collection_case"]), (0, customer, case.name)
		)
		self.assertEqual({row["indent"] for row in rows}, {1})
		self.assertEqual(account["invoices"], 3)
		self.assertEqual(account["agent"], case.assigned_to)
		self.assertAlmostEqual(account["outstanding"], case.overdue_amount)
		self.assertEqual(account["bucket_1_30"], case.overdue_amount)  # all 5 to 15 days overdue
		self.assertEqual(account["bucket_31_60"] + account["bucket_61_90"] + account["bucket_90_plus"], 0)
		self.assertEqual(getdate(account["due_date"]), getdate(older.due_date))
		by_invoice = {row["sales_invoice"]: row for row in rows}
		self.assertNotIn(not_due.name, by_invoice)
		self.assertEqual(by_invoice[older.name]["days_overdue"], 15)
		self.assertEqual(by_invoice[older.name]["priority_score"], 2000 * 15)
		self.assertEqual(by_invoice[larger.name]["priority_score"], 5000 * 5)
		self.assertEqual(by_invoice[disputed.name]["flags"], "Disputed")
		self.assertEqual(account["flags"], "Disputed")
		self.assertEqual(account["paused"], 0)  # the rest of the account is chased

		# each invoice is listed under the agent holding the case's task, with last and next action
		for invoice in (older, larger):
			row = by_invoice[invoice.name]
			(todo_action,) = helpers.actions_of(invoice.name)
			self.assertEqual(row["agent"], todo_action.assigned_to)
			self.assertEqual(
				(row["last_action"], getdate(row["last_action_date"])), (core.CREATE_TODO, today)
			)
			self.assertEqual(row["next_action"], core.ESCALATE)
			self.assertEqual(row["next_action_date"], add_days(getdate(invoice.due_date), 20))

		# order within the account: most urgent first, paused last
		self.assertEqual(rows[-1]["sales_invoice"], disputed.name)
		for before, after in itertools.pairwise(rows):
			if before["paused"] == after["paused"]:
				self.assertGreaterEqual(before["priority_score"], after["priority_score"])

		agent = by_invoice[older.name]["agent"]
		with self.on(today):
			_columns, mine = collections_worklist.execute(
				{"company": factories.COMPANY, "customer": customer, "agent": agent}
			)
		self.assertTrue(mine)
		self.assertEqual({row["agent"] for row in mine}, {agent})
		self.assertIn(older.name, [row["sales_invoice"] for row in mine])
		with self.on(today):
			_columns, others = collections_worklist.execute(
				{"company": factories.COMPANY, "customer": customer, "agent": "_o2c-nobody@example.com"}
			)
		self.assertEqual(others, [])

	def test_report_needs_a_company(self):
		with self.assertRaises(frappe.ValidationError):
			collections_worklist.execute({})
		frappe.clear_messages()
