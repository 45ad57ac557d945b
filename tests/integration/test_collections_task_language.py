"""A collections task is written in the language of the collector who holds it (User › Language,
else the system language), whatever the language of the run that assigns it."""

import frappe
from frappe import _
from frappe.tests.utils import FrappeTestCase

from o2c_extension.collections import cases
from o2c_extension.order_to_cash.language import in_language
from tests.integration import factories

GERMAN_AGENT = "_o2c-h6-agent-de@example.com"
ENGLISH_AGENT = "_o2c-h6-agent-en@example.com"


def describe(lang: str) -> str:
	with in_language(lang):
		return "<p>{}</p>".format(_("Collect the account of {0}: {1} overdue.").format("Kunde", "5,00 €"))


class TestTaskLanguage(FrappeTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		frappe.set_user("Administrator")
		factories.company()
		for user, language in ((GERMAN_AGENT, "de"), (ENGLISH_AGENT, "en")):
			factories.user(user, ["Collections Agent"])
			frappe.db.set_value("User", user, "language", language)

	def task_of(self, customer: str) -> frappe._dict:
		(todo,) = frappe.get_all(
			"ToDo",
			filters={"reference_type": "Customer", "reference_name": customer, "status": "Open"},
			fields=["allocated_to", "description"],
		)
		return todo

	def test_the_task_is_in_the_language_of_its_holder(self):
		frappe.local.lang = "en"
		german, english = factories.customer(), factories.customer()
		cases.assign_case(german, describe, "Medium", lambda: GERMAN_AGENT, doctype="Customer")
		cases.assign_case(english, describe, "Medium", lambda: ENGLISH_AGENT, doctype="Customer")
		self.assertEqual(frappe.local.lang, "en")
		self.assertEqual(self.task_of(german), {"allocated_to": GERMAN_AGENT, "description": describe("de")})
		self.assertIn("Konto von Kunde einfordern", describe("de"))
		self.assertEqual(
			self.task_of(english), {"allocated_to": ENGLISH_AGENT, "description": describe("en")}
		)
		# a later step adds to the open task, in its holder's language again
		_todo, created = cases.assign_case(
			german,
			lambda lang: describe(lang) + "<p>2</p>",
			"Medium",
			lambda: ENGLISH_AGENT,
			doctype="Customer",
		)
		self.assertFalse(created)
		self.assertEqual(self.task_of(german).description, describe("de") + describe("de") + "<p>2</p>")
