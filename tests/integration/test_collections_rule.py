"""Collections Rule: bad steps are refused with a clear message and nothing is saved; the scope
picks the most specific rule, customer groups and territories including their sub-trees.

Nothing here commits: each test is rolled back, so the company-wide rules made here never reach
another test's collections run."""

import frappe
from frappe.tests.utils import FrappeTestCase

from o2c_extension.collections import core, setup
from o2c_extension.collections.context import RuleBook
from tests.integration import collections_helpers as helpers
from tests.integration import factories


class TestCollectionsRule(FrappeTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		factories.company()
		setup.install_defaults()

	def tearDown(self):
		frappe.db.rollback()

	def assert_refused(self, message_part: str, steps=None, **fields):
		before = frappe.db.count("Collections Rule")
		with self.assertRaises(frappe.ValidationError) as caught:
			helpers.rule(steps=steps, **fields)
		self.assertIn(message_part, str(caught.exception))
		self.assertEqual(frappe.db.count("Collections Rule"), before)
		frappe.clear_messages()

	def test_step_needing_a_template_role_or_dunning_type_without_one_is_refused(self):
		customer = factories.customer()
		self.assert_refused(
			"needs a Email Template",
			steps=[{"day_offset": 0, "action": core.EMAIL_REMINDER}],
			customer=customer,
		)
		self.assert_refused(
			"needs a Assign to Role", steps=[{"day_offset": 3, "action": core.CREATE_TODO}], customer=customer
		)
		self.assert_refused(
			"needs a Dunning Type",
			steps=[{"day_offset": 10, "action": core.CREATE_DUNNING}],
			customer=customer,
		)

	def test_duplicate_day_and_action_is_refused(self):
		steps = [
			{"day_offset": 3, "action": core.CREATE_TODO, "assign_to_role": "Collections Agent"},
			{"day_offset": 3, "action": core.CREATE_TODO, "assign_to_role": "Collections Manager"},
		]
		self.assert_refused("repeats step 1", steps=steps, customer=factories.customer())

	def test_dunning_before_the_due_date_is_refused(self):
		steps = [{"day_offset": 0, "action": core.CREATE_DUNNING, "dunning_type": helpers.dunning_type()}]
		self.assert_refused("at least 1", steps=steps, customer=factories.customer())

	def test_scope_needs_its_value_and_clears_the_others(self):
		self.assert_refused("Choose the Customer this rule", steps=one_step(), scope="Customer")
		rule = helpers.rule(
			steps=one_step(),
			scope="Territory",
			territory="All Territories",
			customer_group="All Customer Groups",
		)
		self.assertEqual(
			(rule.scope, rule.territory, rule.customer_group, rule.customer),
			("Territory", "All Territories", None, None),
		)
		# naming only a customer scopes the rule to that customer; the pre-filled group is dropped
		customer = factories.customer()
		rule = helpers.rule(steps=one_step(), customer=customer)
		self.assertEqual(
			(rule.scope, rule.customer, rule.customer_group, rule.territory),
			("Customer", customer, None, None),
		)

	def test_one_enabled_rule_per_scope(self):
		customer = factories.customer()
		helpers.rule(customer, steps=one_step())
		self.assert_refused("already enabled", steps=one_step(), customer=customer)
		helpers.rule(customer, steps=one_step(), enabled=0)  # a disabled spare is fine

	def test_steps_are_kept_in_day_order(self):
		rule = helpers.rule(
			factories.customer(),
			steps=[
				{"day_offset": 10, "action": core.ESCALATE},
				{"day_offset": -2, "action": core.EMAIL_REMINDER, "email_template": setup.BEFORE_DUE},
			],
		)
		self.assertEqual([(row.idx, row.day_offset) for row in rule.steps], [(1, -2), (2, 10)])

	def test_most_specific_rule_wins_with_group_and_territory_trees(self):
		parent = customer_group("_O2C Coll Parent Group", "All Customer Groups", is_group=1)
		child = customer_group("_O2C Coll Child Group", parent)
		customer = factories.customer(customer_group=child)
		other = factories.customer()
		company_wide = helpers.rule(steps=one_step())
		by_territory = helpers.rule(steps=one_step(), scope="Territory", territory="All Territories")
		by_group = helpers.rule(steps=one_step(), scope="Customer Group", customer_group=parent)
		by_customer = helpers.rule(customer, steps=one_step())

		def chosen(name):
			book = RuleBook.load({factories.COMPANY})
			group, territory = frappe.db.get_value("Customer", name, ["customer_group", "territory"])
			rule = book.rule_for(factories.COMPANY, name, group, territory)
			return rule.key if rule else None

		self.assertEqual(chosen(customer), by_customer.name)
		frappe.db.set_value("Collections Rule", by_customer.name, "enabled", 0)
		self.assertEqual(chosen(customer), by_group.name)  # the parent group covers the child
		self.assertEqual(chosen(other), by_territory.name)
		frappe.db.set_value("Collections Rule", by_territory.name, "enabled", 0)
		self.assertEqual(chosen(other), company_wide.name)

	def test_role_permissions(self):
		helpers.collection_users()
		factories.user("_o2c-coll-accounts-user@example.com", ["Accounts User"])
		factories.user("_o2c-coll-accounts-manager@example.com", ["Accounts Manager"])
		expected = {
			# user: (rule read, rule write, action read, action write)
			helpers.MANAGER: (True, True, True, True),
			helpers.AGENTS[0]: (True, False, True, True),
			"_o2c-coll-accounts-manager@example.com": (True, True, True, False),
			"_o2c-coll-accounts-user@example.com": (True, False, True, False),
		}
		for user, (rule_read, rule_write, action_read, action_write) in expected.items():
			self.assertEqual(
				(
					bool(frappe.has_permission("Collections Rule", "read", user=user)),
					bool(frappe.has_permission("Collections Rule", "write", user=user)),
					bool(frappe.has_permission("Collection Action", "read", user=user)),
					bool(frappe.has_permission("Collection Action", "write", user=user)),
				),
				(rule_read, rule_write, action_read, action_write),
				user,
			)

	def test_agents_may_annotate_a_logged_action_but_not_rewrite_it(self):
		helpers.collection_users()
		invoice = factories.sales_invoice(factories.customer(), [(helpers.item(), 1, 100)])
		action = frappe.get_doc(
			{
				"doctype": "Collection Action",
				"sales_invoice": invoice.name,
				"customer": invoice.customer,
				"step": "s1",
				"action": core.CREATE_TODO,
				"status": core.OPEN,
			}
		).insert(ignore_permissions=True)
		frappe.set_user(helpers.AGENTS[0])
		try:
			action.reload()
			action.note = "Called the customer, they will pay on Friday"
			action.save()
			action.status = core.CLOSED
			with self.assertRaisesRegex(frappe.PermissionError, "Status"):
				action.save()
		finally:
			frappe.set_user("Administrator")
		self.assertEqual(frappe.db.get_value("Collection Action", action.name, "status"), core.OPEN)


def one_step() -> list[dict]:
	return [{"day_offset": 20, "action": core.ESCALATE}]


def customer_group(name: str, parent: str, is_group: int = 0) -> str:
	if not frappe.db.exists("Customer Group", name):
		frappe.get_doc(
			{
				"doctype": "Customer Group",
				"customer_group_name": name,
				"parent_customer_group": parent,
				"is_group": is_group,
			}
		).insert()
	return name
