"""A re-run of the collections run evaluates only the invoices something relevant happened to
since the last, or whose account has a step due: each invoice the run finished carries what it
read (see `collections/context.py`), which a payment, a customer change or a rule change makes
stale, and its account's next evaluation date.

The clock ticks here (frozen at the start of each day, then running): the key follows `modified`,
and under a clock that does not move two saves of the same day would carry the same timestamp.
"""

from unittest import mock

import frappe
from frappe.utils import add_days, getdate

from o2c_extension.collections import context, core, runner, setup
from tests.integration import collections_helpers as helpers
from tests.integration import factories
from tests.integration.test_collections_run import CollectionsTestCase

TODO_DAY_3 = {"day_offset": 3, "action": core.CREATE_TODO, "assign_to_role": "Collections Agent"}


class TestCollectionsSameDayRerun(CollectionsTestCase):
	def on(self, day):
		return self.freeze_time(f"{getdate(day)} 09:30:00.250000", tick=True)

	def to_evaluate(self, day, customer: str) -> list[str]:
		"""What a run on `day` would evaluate of the customer's invoices."""
		with self.on(day):
			return context.open_invoice_names(
				getdate(day), factories.COMPANY, customer=customer, skip_evaluated=True
			)

	def three_invoices(self, email: str | None, steps=None):
		customer = helpers.customer_with_contacts(email)
		rule = helpers.rule(customer, steps=steps or [dict(TODO_DAY_3)])
		with self.on(helpers.BASE_DATE):
			invoices = [helpers.invoice(customer, helpers.BASE_DATE, due_in_days=0) for _ in range(3)]
		frappe.db.commit()
		return customer, rule, invoices

	def test_rerun_skips_what_it_finished_until_something_relevant_changes(self):
		customer, _rule, invoices = self.three_invoices("_billing-rerun@example.com")
		names = sorted(doc.name for doc in invoices)
		day = add_days(helpers.BASE_DATE, 1)  # the ToDo falls due on day 3: nothing to do yet
		self.assertEqual(self.to_evaluate(day, customer), names)
		self.run_collections(day)
		self.assertEqual(self.to_evaluate(day, customer), [])
		for name in names:
			self.assertEqual(helpers.status_of(name), core.OVERDUE)

		# a partial payment: that invoice (only) is evaluated again the same day
		with self.on(day):
			factories.payment_for_invoice(names[0], amount=100)
		self.assertEqual(self.to_evaluate(day, customer), [names[0]])
		self.run_collections(day)
		self.assertEqual(self.to_evaluate(day, customer), [])

		# the customer changed (its group decides which rule applies): all its invoices
		with self.on(day):
			doc = frappe.get_doc("Customer", customer)
			doc.customer_details = "moved to another desk"
			doc.save()
		self.assertEqual(self.to_evaluate(day, customer), names)
		self.run_collections(day)

		# any Collections Rule saved or deleted: everything
		other = helpers.rule(helpers.customer_with_contacts(), steps=[dict(TODO_DAY_3)])
		self.assertEqual(self.to_evaluate(day, customer), names)
		self.run_collections(day)
		self.assertEqual(self.to_evaluate(day, customer), [])
		frappe.delete_doc("Collections Rule", other.name)
		self.assertEqual(self.to_evaluate(day, customer), names)
		self.run_collections(day)

		# the next day nothing falls due (issue 16: the run reads only the accounts with work due);
		# the day after, the ToDo of day 3 does, for every invoice of the account
		self.assertEqual(self.to_evaluate(day, customer), [])
		self.assertEqual(self.to_evaluate(add_days(day, 1), customer), [])
		self.assertEqual(self.to_evaluate(add_days(day, 2), customer), names)
		self.assertEqual(helpers.actions_of(names[0]), [])

	def test_rule_changed_the_same_day_applies_its_new_step_at_once(self):
		customer, rule, invoices = self.three_invoices("_billing-rerun-rule@example.com")
		day = add_days(helpers.BASE_DATE, 1)
		self.run_collections(day)
		self.assertEqual(self.to_evaluate(day, customer), [])

		with self.on(day):
			rule.reload()
			rule.steps[0].day_offset = 1
			rule.save()
		self.run_collections(day)
		for doc in invoices:
			self.assertEqual([a.action for a in helpers.actions_of(doc.name)], [core.CREATE_TODO])
		self.assertEqual(self.to_evaluate(day, customer), [])

	def test_invoices_with_actions_applied_are_finished_for_the_day(self):
		customer, _rule, invoices = self.three_invoices("_billing-rerun-acted@example.com")
		day = add_days(helpers.BASE_DATE, 3)
		self.run_collections(day)
		for doc in invoices:
			self.assertEqual([a.action for a in helpers.actions_of(doc.name)], [core.CREATE_TODO])
		self.assertEqual(self.to_evaluate(day, customer), [])

	def test_a_failed_step_is_tried_again_by_a_same_day_rerun(self):
		reminder = {"day_offset": 0, "action": core.EMAIL_REMINDER, "email_template": setup.DUE_TODAY}
		customer, _rule, invoices = self.three_invoices(None, steps=[reminder])  # no e-mail address
		names = sorted(doc.name for doc in invoices)
		self.run_collections(helpers.BASE_DATE)
		failed = {name: helpers.actions_of(name) for name in names}
		self.assertTrue(all(logged[0].status == core.FAILED for logged in failed.values()))
		self.assertEqual(self.to_evaluate(helpers.BASE_DATE, customer), names)

		helpers.contact(customer, "_billing-rerun-later@example.com", billing=True)
		self.run_collections(helpers.BASE_DATE)
		for name in names:
			(sent,) = helpers.actions_of(name)
			self.assertEqual((sent.name, sent.status), (failed[name][0].name, core.COMPLETED))
		self.assertEqual(self.to_evaluate(helpers.BASE_DATE, customer), [])

	def test_a_change_committed_while_the_chunk_ran_is_not_marked_as_seen(self):
		customer, _rule, invoices = self.three_invoices("_billing-rerun-race@example.com")
		names = sorted(doc.name for doc in invoices)
		day = add_days(helpers.BASE_DATE, 1)
		real_load = runner.load_chunk

		def load_then_someone_pays(*args, **kwargs):
			chunk = real_load(*args, **kwargs)
			# what a payment does to the invoice after the chunk read it
			frappe.db.set_value("Sales Invoice", names[1], "remarks", "paid meanwhile")
			return chunk

		with self.on(day), mock.patch.object(runner, "load_chunk", side_effect=load_then_someone_pays):
			runner.process_chunk(names)
		self.assertEqual(self.to_evaluate(day, customer), [names[1]])

	def test_a_run_of_all_companies_skips_them_too(self):
		customer, _rule, invoices = self.three_invoices("_billing-rerun-all@example.com")
		day = add_days(helpers.BASE_DATE, 1)
		with self.on(day):
			first = runner.run(enqueue=False)
		self.assertGreaterEqual(first["open_invoices"], len(invoices))
		self.assertEqual(self.to_evaluate(day, customer), [])
