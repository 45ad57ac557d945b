"""The REST methods: bad input refused clearly with nothing written, roles enforced (also over
HTTP, as Frappe's standard error responses), and run_now queueing the run in chunk jobs."""

import frappe
import requests
from frappe.utils import add_days, getdate, nowdate
from frappe.utils.background_jobs import get_job

from o2c_extension.api import collections as api
from o2c_extension.collections import core
from tests.integration import collections_helpers as helpers
from tests.integration import factories
from tests.integration.test_collections_run import CollectionsTestCase
from tests.integration.web import api_credentials, running_server

CLERK = "_o2c-coll-clerk@example.com"
METHOD = "/api/method/o2c_extension.api.collections"


class TestCollectionsApi(CollectionsTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		factories.user(CLERK, ["Accounts User"])

	def tearDown(self):
		frappe.set_user("Administrator")
		frappe.clear_messages()

	def overdue_invoice(self, email: str):
		customer = helpers.customer_with_contacts(email)
		with self.on(helpers.BASE_DATE):
			return helpers.invoice(customer, helpers.BASE_DATE, due_in_days=0)

	def invoice_state(self, name: str):
		return frappe.db.get_value(
			"Sales Invoice", name, ["promise_to_pay_date", "disputed", "dispute_reason", "collection_status"]
		)

	def comments_on(self, name: str) -> int:
		return frappe.db.count("Comment", {"reference_doctype": "Sales Invoice", "reference_name": name})

	def test_promise_date_in_the_past_is_refused_and_nothing_written(self):
		invoice = self.overdue_invoice("_billing-api-past@example.com")
		before, comments = self.invoice_state(invoice.name), self.comments_on(invoice.name)
		with self.on(add_days(helpers.BASE_DATE, 5)):
			with self.assertRaisesRegex(frappe.ValidationError, "in the past"):
				api.record_promise(invoice.name, str(add_days(helpers.BASE_DATE, 4)), "too late")
			with self.assertRaises(frappe.ValidationError):
				api.record_promise(invoice.name, "", "no date")
		self.assertEqual(self.invoice_state(invoice.name), before)
		self.assertEqual(self.comments_on(invoice.name), comments)

	def test_dispute_on_a_paid_invoice_is_refused(self):
		invoice = self.overdue_invoice("_billing-api-paid@example.com")
		with self.on(helpers.BASE_DATE):
			factories.payment_for_invoice(invoice.name)
			before = self.invoice_state(invoice.name)
			with self.assertRaisesRegex(frappe.ValidationError, "already paid"):
				api.record_dispute(invoice.name, "wrong price")
			with self.assertRaisesRegex(frappe.ValidationError, "already paid"):
				api.record_promise(invoice.name, str(add_days(helpers.BASE_DATE, 3)))
		self.assertEqual(self.invoice_state(invoice.name), before)
		self.assertEqual(before[3], core.PAID)

	def test_dispute_needs_a_reason_and_blocks_promises_until_resolved(self):
		invoice = self.overdue_invoice("_billing-api-reason@example.com")
		with self.on(helpers.BASE_DATE):
			with self.assertRaisesRegex(frappe.ValidationError, "reason"):
				api.record_dispute(invoice.name, "  ")
			api.record_dispute(invoice.name, "Short delivery")
			with self.assertRaisesRegex(frappe.ValidationError, "already disputed"):
				api.record_dispute(invoice.name, "again")
			with self.assertRaisesRegex(frappe.ValidationError, "resolve the dispute"):
				api.record_promise(invoice.name, str(add_days(helpers.BASE_DATE, 3)))
			api.resolve_dispute(invoice.name)
			with self.assertRaisesRegex(frappe.ValidationError, "not disputed"):
				api.resolve_dispute(invoice.name)
		self.assertEqual(self.invoice_state(invoice.name), (None, 0, None, core.NOT_DUE))

	def test_roles_are_enforced(self):
		invoice = self.overdue_invoice("_billing-api-roles@example.com")
		actions_before = frappe.db.count("Collection Action")
		frappe.set_user(helpers.AGENTS[0])
		with self.assertRaises(frappe.PermissionError):
			api.run_now(factories.COMPANY)
		frappe.set_user(CLERK)  # may read invoices, is not on the collections team
		with self.assertRaises(frappe.PermissionError):
			api.record_promise(invoice.name, str(add_days(getdate(nowdate()), 3)))
		with self.assertRaises(frappe.PermissionError):
			api.record_dispute(invoice.name, "no")
		frappe.set_user(helpers.AGENTS[1])  # on the team, but the invoice is not shared with them
		with self.assertRaises(frappe.PermissionError):
			api.record_dispute(invoice.name, "no")
		frappe.set_user("Administrator")
		self.assertEqual(frappe.db.count("Collection Action"), actions_before)
		self.assertEqual(self.invoice_state(invoice.name), (None, 0, None, core.NOT_DUE))

	def test_run_now_queues_the_run_in_chunk_jobs(self):
		customer = helpers.customer_with_contacts("_billing-api-run@example.com")
		helpers.rule(
			customer,
			steps=[{"day_offset": 1, "action": core.CREATE_TODO, "assign_to_role": "Collections Agent"}],
		)
		with self.on(helpers.BASE_DATE):
			invoice = helpers.invoice(customer, helpers.BASE_DATE, due_in_days=0)
		frappe.set_user(helpers.MANAGER)
		with self.on(add_days(helpers.BASE_DATE, 1)):
			result = api.run_now(factories.COMPANY)
		frappe.set_user("Administrator")
		self.assertEqual(len(result["jobs"]), result["chunks"])
		self.assertGreaterEqual(result["open_invoices"], 1)
		self.assertEqual(helpers.actions_of(invoice.name), [])  # queued, not done

		# what the workers would do: run each queued chunk
		ran = []
		for job_id in result["jobs"]:
			job = get_job(job_id)
			self.assertIsNotNone(job, job_id)
			self.assertEqual(job.origin.split(":")[-1], "long")
			payload = job.kwargs
			self.assertEqual(payload["method"], "o2c_extension.collections.runner.process_chunk")
			job.delete()
			frappe.get_attr(payload["method"])(**payload["kwargs"])
			ran += payload["kwargs"]["invoice_names"]
		self.assertIn(invoice.name, ran)
		self.assertEqual([a.action for a in helpers.actions_of(invoice.name)], [core.CREATE_TODO])

	def test_run_now_is_refused_when_collections_are_switched_off(self):
		from frappe.tests.utils import change_settings

		with change_settings("O2C Settings", enable_collections=0):
			with self.assertRaisesRegex(frappe.ValidationError, "switched off"):
				api.run_now(factories.COMPANY)

	def test_rest_over_http(self):
		invoice = self.overdue_invoice("_billing-api-http@example.com")
		frappe.db.commit()
		key, secret = api_credentials(helpers.MANAGER)
		agent_key, agent_secret = api_credentials(helpers.AGENTS[0])
		today = getdate(nowdate())
		with running_server() as base_url:
			manager = {"Authorization": f"token {key}:{secret}"}
			agent = {"Authorization": f"token {agent_key}:{agent_secret}"}

			response = requests.post(
				f"{base_url}{METHOD}.record_promise",
				headers=manager,
				data={
					"sales_invoice": invoice.name,
					"promise_date": str(add_days(today, 10)),
					"note": "by wire",
				},
				timeout=60,
			)
			self.assertEqual(response.status_code, 200, response.text)
			self.assertEqual(response.json()["message"]["collection_status"], core.PROMISE_TO_PAY)

			response = requests.post(
				f"{base_url}{METHOD}.record_promise",
				headers=manager,
				data={"sales_invoice": invoice.name, "promise_date": str(add_days(today, -1))},
				timeout=60,
			)
			self.assertEqual(response.status_code, 417, response.text)
			self.assertEqual(response.json()["exc_type"], "ValidationError")
			self.assertIn("in the past", response.text)

			response = requests.post(
				f"{base_url}{METHOD}.run_now", headers=agent, data={"company": factories.COMPANY}, timeout=60
			)
			self.assertEqual(response.status_code, 403, response.text)
			self.assertEqual(response.json()["exc_type"], "PermissionError")
		frappe.db.rollback()
		self.assertEqual(getdate(self.invoice_state(invoice.name)[0]), add_days(today, 10))
