"""The daily collections run on a real site, walking the calendar with a frozen date.

The run commits per invoice (that is what makes it safe to cut off), so these tests commit; the
suite's conftest restores the database afterwards. Every rule here is scoped to a customer made
for the test, so a run never acts on another test's invoices.
"""

import json
import threading
from unittest import mock

import frappe
from frappe.tests.utils import FrappeTestCase
from frappe.utils import add_days, getdate

from o2c_extension.collections import actions, core, runner, setup
from tests.integration import collections_helpers as helpers
from tests.integration import factories, mail_sink, pdf


class WorkerKilled(BaseException):
	"""Stands for the worker process dying: not an Exception, so nothing in the run catches it."""


class CollectionsTestCase(FrappeTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		factories.company()
		helpers.collection_users()
		helpers.outgoing_email_account()
		helpers.item()
		setup.install_defaults()
		for year_offset in (0, 1):
			factories.ensure_fiscal_year(add_days(helpers.BASE_DATE, 365 * year_offset))
		frappe.db.commit()

	def on(self, day):
		"""Freeze the clock on `day` (mid-morning: a midnight timestamp prints without microseconds,
		which Frappe's modified-check then misreads as a concurrent edit)."""
		return self.freeze_time(f"{getdate(day)} 09:30:00.250000")

	def run_collections(self, day, invoices=None):
		"""The run as the scheduler starts it (chunks processed in this process), on `day`."""
		with self.on(day):
			if invoices is None:
				return runner.run(company=factories.COMPANY, enqueue=False)
			return runner.process_chunk([doc.name for doc in invoices])


class TestCollectionsWalk(CollectionsTestCase):
	def test_invoice_walked_through_the_days_gets_each_step_once_in_order(self):
		customer = helpers.customer_with_contacts("_billing-walk@example.com", "_primary-walk@example.com")
		rule = helpers.rule(customer)
		with self.on(helpers.BASE_DATE):
			invoice = helpers.invoice(customer, helpers.BASE_DATE, due_in_days=14)
		self.assertEqual(helpers.status_of(invoice.name), core.NOT_DUE)
		due = getdate(invoice.due_date)

		statuses = {}
		for offset in range(-5, 26):
			day = add_days(due, offset)
			self.run_collections(day)
			logged = helpers.actions_of(invoice.name)
			self.run_collections(day)  # a second run the same day
			self.assertEqual(helpers.actions_of(invoice.name), logged, f"re-run on day {offset} added work")
			statuses[offset] = helpers.status_of(invoice.name)

		logged = helpers.actions_of(invoice.name)
		self.assertEqual(
			[(action.action, getdate(action.action_date)) for action in logged],
			[
				(core.EMAIL_REMINDER, add_days(due, -3)),
				(core.EMAIL_REMINDER, due),
				(core.CREATE_TODO, add_days(due, 3)),
				(core.EMAIL_REMINDER, add_days(due, 7)),
				(core.CREATE_DUNNING, add_days(due, 10)),
				(core.ESCALATE, add_days(due, 20)),
			],
		)
		steps = {
			row.day_offset: core.step_identity(rule.name, row.day_offset, row.action) for row in rule.steps
		}
		self.assertEqual([action.step for action in logged], [steps[o] for o in (-3, 0, 3, 7, 10, 20)])
		schedule_row = invoice.payment_schedule[0].name
		self.assertTrue(all(action.payment_schedule == schedule_row for action in logged))
		self.assertTrue(all(not action.error for action in logged))

		# statuses follow the steps
		self.assertEqual(statuses[-5], core.NOT_DUE)
		self.assertEqual(statuses[-3], core.REMINDED)
		self.assertEqual(statuses[1], core.OVERDUE)
		self.assertEqual(statuses[10], core.IN_DUNNING)
		self.assertEqual(statuses[20], core.ESCALATED)

		# three reminders queued, each to the billing contact only: before anything is overdue with
		# the invoice's print, once it is overdue with the statement of the customer's case
		emails = helpers.emails_for(invoice.name)
		self.assertEqual(len(emails), 3)
		case = helpers.case_of(customer)
		for email, expected in zip(
			emails,
			[
				("Sales Invoice", invoice.name),
				("Sales Invoice", invoice.name),
				("Collection Case", case.name),
			],
			strict=True,
		):
			self.assertEqual(helpers.recipients_of(email.name), ["_billing-walk@example.com"])
			(attachment,) = json.loads(email.attachments)
			self.assertEqual(attachment["print_format_attachment"], 1)
			self.assertEqual((attachment["doctype"], attachment["name"]), expected)
		self.assertEqual(json.loads(emails[2].attachments)[0]["print_format"], "Collection Statement")
		self.assertEqual(
			{action.reference_name for action in logged if action.action == core.EMAIL_REMINDER},
			{email.name for email in emails},
		)
		self.assertIn(invoice.name, emails[0].message)

		# what arrived at the mail server: three mails to the billing contact, each naming the
		# invoice, with the invoice's print, then the statement of the case, attached
		received = mail_sink.deliver(*(email.name for email in emails))
		self.assertEqual([message.recipients for message in received], [["_billing-walk@example.com"]] * 3)
		for message, attached in zip(received, [invoice.name, invoice.name, case.name], strict=True):
			self.assertIn(invoice.name, message.subject)
			self.assertIn(invoice.name, message.html)
			(file_name,) = message.attachments
			self.assertTrue(file_name.endswith(f"{attached}.html"), file_name)
		statement = next(iter(received[2].attachments.values())).decode()
		self.assertIn(case.name, statement)
		self.assertIn(invoice.name, statement)

		# the ToDo went to an agent on the customer's case; the escalation handed the case's one
		# task to the manager, with High priority
		todo_action = next(action for action in logged if action.action == core.CREATE_TODO)
		escalation = next(action for action in logged if action.action == core.ESCALATE)
		# (other test files' users may hold the role too: any agent allowed for the company will do)
		self.assertIn("Collections Agent", frappe.get_roles(todo_action.assigned_to))
		self.assertNotEqual(todo_action.assigned_to, helpers.MANAGER)
		self.assertEqual(escalation.assigned_to, helpers.MANAGER)
		for action in (todo_action, escalation):
			todo = frappe.get_doc("ToDo", action.reference_name)
			self.assertEqual((todo.reference_type, todo.reference_name), ("Collection Case", case.name))
			self.assertEqual(action.status, core.OPEN)
		self.assertEqual(helpers.case_todos(case.name), [escalation.reference_name])
		self.assertEqual(frappe.db.get_value("ToDo", escalation.reference_name, "priority"), "High")
		self.assertEqual((case.assigned_to, case.priority, case.status), (helpers.MANAGER, "High", "Open"))

		# ERPNext's own Dunning, submitted, with the step's Dunning Type, for the overdue row
		dunning_action = next(action for action in logged if action.action == core.CREATE_DUNNING)
		dunning = frappe.get_doc("Dunning", dunning_action.reference_name)
		self.assertEqual(dunning.docstatus, 1)
		self.assertEqual(dunning.dunning_type, helpers.dunning_type())
		self.assertEqual(dunning.dunning_fee, 5)
		self.assertEqual(
			[(row.sales_invoice, row.payment_schedule) for row in dunning.overdue_payments],
			[(invoice.name, schedule_row)],
		)
		self.assertEqual(getdate(dunning.posting_date), add_days(due, 10))

	def test_late_first_run_applies_only_the_latest_step_of_each_action(self):
		customer = helpers.customer_with_contacts("_billing-late@example.com")
		helpers.rule(customer)
		with self.on(helpers.BASE_DATE):
			invoice = helpers.invoice(customer, helpers.BASE_DATE, due_in_days=0)
		self.run_collections(add_days(helpers.BASE_DATE, 12), [invoice])
		self.assertEqual(
			[action.day_offset for action in helpers.actions_of(invoice.name)],
			[3, 7, 10],  # ToDo, the overdue reminder, the Dunning; not the two earlier reminders
		)
		self.assertEqual(len(helpers.emails_for(invoice.name)), 1)


class TestCollectionsInterrupted(CollectionsTestCase):
	def test_run_cut_off_half_way_finishes_on_the_next_run_without_duplicates(self):
		steps = [
			{"day_offset": 0, "action": core.EMAIL_REMINDER, "email_template": setup.DUE_TODAY},
			{"day_offset": 0, "action": core.CREATE_TODO, "assign_to_role": "Collections Agent"},
		]
		customers, invoices = [], []
		with self.on(helpers.BASE_DATE):
			for number in range(5):
				customer = helpers.customer_with_contacts(f"_billing-cut-{number}@example.com")
				helpers.rule(customer, steps=steps)
				customers.append(customer)
				invoices.append(helpers.invoice(customer, helpers.BASE_DATE, due_in_days=0))
		frappe.db.commit()

		real_perform = runner.perform_group
		calls = []

		def dies_on_the_fifth_action(*args, **kwargs):
			calls.append(args[1].customer)
			if len(calls) == 5:
				raise WorkerKilled
			return real_perform(*args, **kwargs)

		with mock.patch.object(runner, "perform_group", side_effect=dies_on_the_fifth_action):
			with self.assertRaises(WorkerKilled):
				self.run_collections(helpers.BASE_DATE, invoices)
		frappe.db.rollback()  # the dead worker's open transaction is gone with it

		# two customers fully done, the third's first action rolled back with it, the rest untouched
		done_counts = [len(helpers.actions_of(doc.name)) for doc in invoices]
		self.assertEqual(sorted(done_counts, reverse=True), [2, 2, 0, 0, 0])
		self.assertEqual(sum(len(helpers.emails_for(doc.name)) for doc in invoices), 2)

		result = self.run_collections(helpers.BASE_DATE, invoices)
		self.assertEqual(result["actions"], 6)
		for customer, doc in zip(customers, invoices, strict=True):
			logged = helpers.actions_of(doc.name)
			self.assertEqual(
				sorted(action.action for action in logged), [core.CREATE_TODO, core.EMAIL_REMINDER]
			)
			self.assertEqual(len(helpers.emails_for(doc.name)), 1)
			# due today, nothing overdue yet: no case; the task is on the customer, one per customer
			self.assertEqual(frappe.db.count("Collection Case", {"customer": customer}), 0, customer)
			(todo,) = helpers.open_todos(doc.name)
			self.assertEqual(frappe.db.get_value("ToDo", todo, "reference_name"), customer)

		# and a third run adds nothing
		self.assertEqual(self.run_collections(helpers.BASE_DATE, invoices)["actions"], 0)

	def test_two_runs_at_once_apply_each_step_once(self):
		customer = helpers.customer_with_contacts("_billing-twins@example.com")
		helpers.rule(
			customer,
			steps=[
				{"day_offset": 1, "action": core.EMAIL_REMINDER, "email_template": setup.OVERDUE},
				{"day_offset": 1, "action": core.CREATE_DUNNING, "dunning_type": helpers.dunning_type()},
			],
		)
		with self.on(helpers.BASE_DATE):
			invoices = [helpers.invoice(customer, helpers.BASE_DATE, due_in_days=0) for _ in range(6)]
		frappe.db.commit()
		names = [doc.name for doc in invoices]
		day = add_days(helpers.BASE_DATE, 1)
		site, sites_path = frappe.local.site, frappe.local.sites_path
		start = threading.Barrier(2)
		errors, applied = [], []

		def worker():
			# a worker process of its own: own Frappe context, own database connection
			frappe.init(site=site, sites_path=sites_path)
			frappe.connect()
			frappe.flags.in_test = True
			try:
				start.wait()
				applied.append(runner.process_chunk(names, day)["actions"])
			except Exception as error:
				errors.append(error)
			finally:
				frappe.destroy()

		with self.on(day):
			threads = [threading.Thread(target=worker) for _ in range(2)]
			for thread in threads:
				thread.start()
			for thread in threads:
				thread.join(timeout=300)
		self.assertEqual(errors, [])
		frappe.db.rollback()  # read what the workers committed

		def dunnings(name):
			return frappe.get_all(
				"Overdue Payment", filters={"sales_invoice": name, "docstatus": 1}, pluck="parent"
			)

		# never twice; an invoice a deadlock victim left undone is finished by the next run
		self.assertEqual(sum(applied), sum(len(helpers.actions_of(name)) for name in names))
		for name in names:
			self.assertLessEqual(len(helpers.actions_of(name)), 2, name)
			self.assertLessEqual(len(helpers.emails_for(name)), 1, name)
			self.assertLessEqual(len(dunnings(name)), 1, name)
		self.run_collections(day, invoices)
		for name in names:
			logged = helpers.actions_of(name)
			self.assertEqual(sorted(a.action for a in logged), [core.CREATE_DUNNING, core.EMAIL_REMINDER])
			self.assertTrue(all(a.status in (core.OPEN, core.COMPLETED) for a in logged), logged)
			self.assertEqual(len(helpers.emails_for(name)), 1, name)
			self.assertEqual(len(dunnings(name)), 1, name)

	def test_step_claimed_by_a_concurrent_run_is_skipped(self):
		customer = helpers.customer_with_contacts("_billing-race@example.com")
		rule = helpers.rule(
			customer,
			steps=[{"day_offset": 0, "action": core.EMAIL_REMINDER, "email_template": setup.DUE_TODAY}],
		)
		with self.on(helpers.BASE_DATE):
			invoice = helpers.invoice(customer, helpers.BASE_DATE, due_in_days=0)
			from o2c_extension.collections.context import load_chunk

			chunk = load_chunk([invoice.name])
			(planned,) = chunk.invoices[0].plan(helpers.BASE_DATE)
			# another worker logs the same step after this one loaded its chunk
			frappe.get_doc(
				{
					"doctype": "Collection Action",
					"sales_invoice": invoice.name,
					"customer": customer,
					"payment_schedule": planned.schedule_row,
					"step": planned.step_key,
					"action": planned.action,
					"action_date": helpers.BASE_DATE,
					"status": core.COMPLETED,
					"rule": rule.name,
				}
			).insert(ignore_permissions=True)
			kit = actions.ActionKit(helpers.BASE_DATE, chunk.rules)
			kit.prefetch([(chunk.invoices[0], planned)])
			self.assertEqual(runner.apply_plan(kit, chunk.invoices[0], [planned], helpers.BASE_DATE), 0)
		self.assertEqual(len(helpers.actions_of(invoice.name)), 1)
		self.assertEqual(helpers.emails_for(invoice.name), [])

	def test_unique_index_refuses_a_second_log_for_the_same_step(self):
		customer = helpers.customer_with_contacts("_billing-unique@example.com")
		with self.on(helpers.BASE_DATE):
			invoice = helpers.invoice(customer, helpers.BASE_DATE)
		row = {
			"doctype": "Collection Action",
			"sales_invoice": invoice.name,
			"customer": customer,
			"step": "some-step",
			"action": core.EMAIL_REMINDER,
			"status": core.COMPLETED,
		}
		frappe.get_doc(row).insert(ignore_permissions=True)
		with self.assertRaises(frappe.UniqueValidationError):
			frappe.get_doc(row).insert(ignore_permissions=True)
		frappe.clear_messages()
		frappe.db.rollback()


class TestCollectionsActions(CollectionsTestCase):
	def test_failed_step_is_logged_and_retried_next_run(self):
		customer = helpers.customer_with_contacts()  # no contact, no e-mail
		helpers.rule(
			customer,
			steps=[{"day_offset": 0, "action": core.EMAIL_REMINDER, "email_template": setup.DUE_TODAY}],
		)
		with self.on(helpers.BASE_DATE):
			invoice = helpers.invoice(customer, helpers.BASE_DATE, due_in_days=0)
		self.run_collections(helpers.BASE_DATE, [invoice])
		(failed,) = helpers.actions_of(invoice.name)
		self.assertEqual(failed.status, core.FAILED)
		self.assertIn(customer, failed.error)

		# someone adds a billing contact: the next run sends it, on the same log entry
		helpers.contact(customer, "_billing-later@example.com", billing=True)
		self.run_collections(add_days(helpers.BASE_DATE, 1), [invoice])
		(retried,) = helpers.actions_of(invoice.name)
		self.assertEqual((retried.name, retried.status, retried.error), (failed.name, core.COMPLETED, None))
		(email,) = helpers.emails_for(invoice.name)
		self.assertEqual(helpers.recipients_of(email.name), ["_billing-later@example.com"])

	def test_reminder_falls_back_to_the_primary_contact_and_attaches_a_pdf(self):
		customer = helpers.customer_with_contacts(primary_email="_primary-only@example.com")
		helpers.rule(
			customer,
			steps=[{"day_offset": -1, "action": core.EMAIL_REMINDER, "email_template": setup.BEFORE_DUE}],
		)
		with self.on(helpers.BASE_DATE):
			invoice = helpers.invoice(customer, helpers.BASE_DATE, due_in_days=1)
		self.run_collections(helpers.BASE_DATE, [invoice])
		(email,) = helpers.emails_for(invoice.name)
		self.assertEqual(helpers.recipients_of(email.name), ["_primary-only@example.com"])
		self.assertIn("Payment reminder", email.message)
		self.assertIn(invoice.name, email.message)
		# what arrives when the Email Queue sends it: the invoice print as a PDF
		pdf.require_renderer()
		with pdf.rendering():
			(message,) = mail_sink.deliver(email.name, pdf=True)
		self.assertEqual(message.recipients, ["_primary-only@example.com"])
		self.assertIn("Payment reminder", message.html)
		self.assertEqual(list(message.attachments), [f"{invoice.name}.pdf"])
		self.assertTrue(message.attachments[f"{invoice.name}.pdf"].startswith(b"%PDF"))

	def test_todos_are_spread_over_the_agents(self):
		# one task per customer's case: four customers, four tasks
		invoices = []
		with self.on(helpers.BASE_DATE):
			for number in range(4):
				customer = helpers.customer_with_contacts(f"_billing-spread-{number}@example.com")
				helpers.rule(
					customer,
					steps=[
						{"day_offset": 1, "action": core.CREATE_TODO, "assign_to_role": "Collections Agent"}
					],
				)
				invoices.append(helpers.invoice(customer, helpers.BASE_DATE, due_in_days=0))
		holders = agent_holders()
		self.assertTrue(set(helpers.AGENTS) <= set(holders))
		load_before = {
			user: frappe.db.count("ToDo", {"allocated_to": user, "status": "Open"}) for user in holders
		}
		self.run_collections(add_days(helpers.BASE_DATE, 1), invoices)
		assigned = [helpers.actions_of(doc.name)[0].assigned_to for doc in invoices]
		self.assertTrue(set(assigned) <= set(holders))
		load_after = {user: load_before[user] + assigned.count(user) for user in holders}
		# least loaded first: the loads end up as if each ToDo went to whoever had the fewest
		self.assertEqual(sorted(load_after.values()), water_fill(sorted(load_before.values()), len(invoices)))

	def test_several_invoices_of_one_customer_get_one_email_one_task_one_dunning(self):
		customer = helpers.customer_with_contacts("_billing-one@example.com")
		helpers.rule(
			customer,
			steps=[
				{"day_offset": 1, "action": core.EMAIL_REMINDER, "email_template": setup.OVERDUE},
				{"day_offset": 1, "action": core.CREATE_TODO, "assign_to_role": "Collections Agent"},
				{"day_offset": 1, "action": core.CREATE_DUNNING, "dunning_type": helpers.dunning_type()},
			],
		)
		with self.on(helpers.BASE_DATE):
			invoices = [helpers.invoice(customer, helpers.BASE_DATE, due_in_days=0) for _ in range(3)]
		self.run_collections(add_days(helpers.BASE_DATE, 1), invoices)
		logged = [action for doc in invoices for action in helpers.actions_of(doc.name)]
		self.assertEqual(len(logged), 9)  # each invoice's steps logged on their own
		by_action = {
			action: {row.reference_name for row in logged if row.action == action}
			for action in (core.EMAIL_REMINDER, core.CREATE_TODO, core.CREATE_DUNNING)
		}
		self.assertEqual([len(names) for names in by_action.values()], [1, 1, 1])
		case = helpers.case_of(customer)
		self.assertEqual(
			{
				row.collection_case
				for row in frappe.get_all(
					"Collection Action", filters={"customer": customer}, fields=["collection_case"]
				)
			},
			{case.name},
		)
		(email,) = by_action[core.EMAIL_REMINDER]
		message = frappe.db.get_value("Email Queue", email, "message")
		for doc in invoices:
			self.assertIn(doc.name, message)
		(dunning,) = by_action[core.CREATE_DUNNING]
		self.assertEqual(
			sorted(frappe.get_all("Overdue Payment", filters={"parent": dunning}, pluck="sales_invoice")),
			sorted(doc.name for doc in invoices),
		)
		self.assertEqual(helpers.case_todos(case.name), list(by_action[core.CREATE_TODO]))

	def test_credit_hold_step_goes_through_the_credit_module(self):
		customer = helpers.customer_with_contacts("_billing-hold@example.com")
		helpers.rule(customer, steps=[{"day_offset": 15, "action": core.CREDIT_HOLD}])
		with self.on(helpers.BASE_DATE):
			invoice = helpers.invoice(customer, helpers.BASE_DATE, due_in_days=0)
		self.run_collections(add_days(helpers.BASE_DATE, 15), [invoice])
		(action,) = helpers.actions_of(invoice.name)
		self.assertEqual((action.status, action.error), (core.COMPLETED, None))
		self.assertEqual(action.reference_doctype, "Credit Hold")
		hold = frappe.get_doc("Credit Hold", action.reference_name)
		self.assertEqual((hold.customer, hold.company), (customer, factories.COMPANY))
		self.assertEqual((hold.reference_doctype, hold.reference_name), ("Sales Invoice", invoice.name))
		self.assertEqual(hold.status, "Pending")
		self.assertIn("15 days overdue", hold.reasons)


def agent_holders() -> list[str]:
	users = frappe.get_all(
		"Has Role", filters={"role": "Collections Agent", "parenttype": "User"}, pluck="parent"
	)
	users = [user for user in users if user not in ("Administrator", "Guest")]
	return frappe.get_all(
		"User", filters={"name": ("in", users), "enabled": 1, "user_type": "System User"}, pluck="name"
	)


def water_fill(loads: list[int], units: int) -> list[int]:
	loads = list(loads)
	for _unit in range(units):
		loads[loads.index(min(loads))] += 1
	return sorted(loads)
