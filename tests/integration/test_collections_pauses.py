"""Promises to pay and disputes pause the collections run; a broken promise escalates and a
resolved dispute resumes. Excluded customers and small balances are left alone."""

import frappe
from frappe.tests.utils import change_settings
from frappe.utils import add_days, getdate

from o2c_extension.api import collections as api
from o2c_extension.collections import core
from tests.integration import collections_helpers as helpers
from tests.integration.test_collections_run import CollectionsTestCase

STEPS = [
	{"day_offset": 1, "action": core.CREATE_TODO, "assign_to_role": "Collections Agent"},
	{"day_offset": 5, "action": core.EMAIL_REMINDER, "email_template": "Collections - Overdue"},
	{"day_offset": 10, "action": core.CREATE_DUNNING},
]


class TestCollectionsPauses(CollectionsTestCase):
	def overdue_invoice(self, email: str, steps=None):
		customer = helpers.customer_with_contacts(email)
		steps = steps or [dict(step) for step in STEPS]
		for step in steps:
			if step["action"] == core.CREATE_DUNNING:
				step["dunning_type"] = helpers.dunning_type()
		helpers.rule(customer, steps=steps)
		with self.on(helpers.BASE_DATE):
			invoice = helpers.invoice(customer, helpers.BASE_DATE, due_in_days=0)
		return invoice

	def walk(self, invoice, first: int, last: int) -> dict[int, int]:
		"""Run every day from BASE_DATE+first to +last; how many actions were logged after each day."""
		counts = {}
		for offset in range(first, last + 1):
			self.run_collections(add_days(helpers.BASE_DATE, offset), [invoice])
			counts[offset] = len(helpers.actions_of(invoice.name))
		return counts

	def test_promise_pauses_until_its_date_and_a_broken_promise_escalates(self):
		invoice = self.overdue_invoice("_billing-promise@example.com")
		self.assertEqual(self.walk(invoice, 1, 1), {1: 1})  # the ToDo

		promise_date = add_days(helpers.BASE_DATE, 8)
		with self.on(add_days(helpers.BASE_DATE, 2)):
			answer = api.record_promise(invoice.name, str(promise_date), "Paying after the board meeting")
		self.assertEqual(helpers.status_of(invoice.name), core.PROMISE_TO_PAY)
		self.assertEqual(
			getdate(frappe.db.get_value("Sales Invoice", invoice.name, "promise_to_pay_date")), promise_date
		)

		with change_settings("O2C Settings", promise_tolerance_days=0):
			# nothing happens up to and including the promised day, though the reminder fell due on day 5
			self.assertEqual(self.walk_runs(invoice, 2, 8), dict.fromkeys(range(2, 9), 1))
			self.assertEqual(helpers.status_of(invoice.name), core.PROMISE_TO_PAY)
			self.assertEqual(
				frappe.db.get_value("Promise to Pay", answer["promise_to_pay"], "status"), "Open"
			)

			# the day after (no tolerance): the promise is judged broken, the case escalated, and the
			# run catches up with the reminder
			self.walk_runs(invoice, 9, 9)
			promise = frappe.get_doc("Promise to Pay", answer["promise_to_pay"])
			self.assertEqual(
				(promise.status, str(promise.judged_on)), ("Broken", str(add_days(helpers.BASE_DATE, 9)))
			)
			self.assertIn(core.EMAIL_REMINDER, [action.action for action in helpers.actions_of(invoice.name)])
			self.assertNotEqual(helpers.status_of(invoice.name), core.PROMISE_TO_PAY)
			self.assertIsNone(frappe.db.get_value("Sales Invoice", invoice.name, "promise_to_pay_date"))
			escalated = frappe.db.count(
				"Comment",
				{
					"reference_doctype": "Collection Case",
					"comment_type": "Info",
					"content": ("like", f"%{promise.name}%"),
				},
			)
			self.assertEqual(escalated, 1)
			# escalated once, not every day after
			self.walk_runs(invoice, 10, 11)
			self.assertEqual(
				frappe.db.count(
					"Comment",
					{
						"reference_doctype": "Collection Case",
						"comment_type": "Info",
						"content": ("like", f"%{promise.name}%"),
					},
				),
				1,
			)

	def walk_runs(self, invoice, first: int, last: int) -> dict[int, int]:
		"""As `walk`, with the whole run (which judges the promises) rather than one chunk."""
		counts = {}
		for offset in range(first, last + 1):
			self.run_collections(add_days(helpers.BASE_DATE, offset))
			counts[offset] = len(helpers.actions_of(invoice.name))
		return counts

	def test_dispute_pauses_and_resolving_it_resumes(self):
		invoice = self.overdue_invoice("_billing-dispute@example.com")
		with self.on(helpers.BASE_DATE):
			api.record_dispute(invoice.name, "Goods arrived damaged")
		self.assertEqual(helpers.status_of(invoice.name), core.DISPUTED)
		self.assertEqual(
			frappe.db.get_value("Sales Invoice", invoice.name, "dispute_reason"), "Goods arrived damaged"
		)

		self.assertEqual(self.walk(invoice, 0, 11), dict.fromkeys(range(0, 12), 0))
		self.assertEqual(helpers.status_of(invoice.name), core.DISPUTED)

		with self.on(add_days(helpers.BASE_DATE, 12)):
			result = api.resolve_dispute(invoice.name)
		self.assertEqual(result["collection_status"], core.OVERDUE)
		self.assertEqual(frappe.db.get_value("Sales Invoice", invoice.name, "disputed"), 0)

		self.walk(invoice, 12, 12)
		self.assertEqual(
			sorted(action.action for action in helpers.actions_of(invoice.name)),
			sorted([core.CREATE_TODO, core.EMAIL_REMINDER, core.CREATE_DUNNING]),
		)
		self.assertEqual(helpers.status_of(invoice.name), core.IN_DUNNING)

	def test_excluded_customer_is_left_alone(self):
		invoice = self.overdue_invoice("_billing-excluded@example.com")
		frappe.db.set_value("Customer", invoice.customer, "exclude_from_collections", 1)
		self.assertEqual(self.walk(invoice, 1, 12), dict.fromkeys(range(1, 13), 0))

	def test_balance_below_the_rule_minimum_is_left_alone(self):
		customer = helpers.customer_with_contacts("_billing-small@example.com")
		helpers.rule(customer, steps=[dict(STEPS[0])], min_outstanding=5000)
		with self.on(helpers.BASE_DATE):
			small = helpers.invoice(customer, helpers.BASE_DATE, due_in_days=0, qty=10)
			large = helpers.invoice(customer, helpers.BASE_DATE, due_in_days=0, qty=60)
		self.run_collections(add_days(helpers.BASE_DATE, 3), [small, large])
		self.assertEqual(helpers.actions_of(small.name), [])
		self.assertEqual([a.action for a in helpers.actions_of(large.name)], [core.CREATE_TODO])
		self.assertEqual(helpers.status_of(small.name), core.OVERDUE)
