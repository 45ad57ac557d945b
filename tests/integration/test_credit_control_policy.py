"""Credit Policy: bad input refused with nothing written, and which policy applies to whom."""

import frappe
from erpnext.selling.doctype.customer.customer import get_credit_limit
from frappe.tests.utils import FrappeTestCase

from o2c_extension.credit_control.policies import get_erpnext_limits, get_policies, get_policy
from tests.integration import credit_control_helpers as helpers
from tests.integration import factories


def customer_group(name: str, parent: str = "All Customer Groups") -> str:
	if not frappe.db.exists("Customer Group", name):
		frappe.get_doc(
			{
				"doctype": "Customer Group",
				"customer_group_name": name,
				"parent_customer_group": parent,
				"is_group": 1,
			}
		).insert()
	return name


class TestCreditPolicyValidation(FrappeTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		factories.company()

	def assertRefused(self, message, **fields):
		before = frappe.db.count("Credit Policy")
		with self.assertRaisesRegex(frappe.ValidationError, message):
			helpers.credit_policy(**fields)
		self.assertEqual(frappe.db.count("Credit Policy"), before)

	def test_negative_limit_and_tolerance_are_refused(self):
		customer = factories.customer()
		self.assertRefused("Credit Limit cannot be negative", customer=customer, credit_limit=-1)
		self.assertRefused("Tolerance .* cannot be negative", customer=customer, tolerance_percent=-5)
		self.assertRefused("Max Overdue Days cannot be negative", customer=customer, max_overdue_days=-1)

	def test_customer_and_group_together_are_refused(self):
		self.assertRefused(
			"not both", customer=factories.customer(), customer_group=customer_group("_O2C Credit Group A")
		)

	def test_a_customer_scope_alone_is_not_given_the_default_customer_group(self):
		policy = helpers.credit_policy(customer=factories.customer(), credit_limit=10)
		self.assertFalse(policy.customer_group)
		self.assertEqual(policy.title, f"Customer {policy.customer}")

	def test_a_customer_scope_made_as_rest_makes_it_keeps_no_group(self):
		# POST /api/resource builds the document with frappe.new_doc, which pre-fills the site's
		# default Customer Group before the caller's fields are applied
		customer = factories.customer()
		policy = frappe.new_doc("Credit Policy", company=factories.company(), customer=customer)
		self.assertTrue(policy.customer_group)  # the pre-filled default
		policy.insert()
		self.assertEqual(
			(policy.applies_to, policy.customer, policy.customer_group), ("Customer", customer, None)
		)

		group = customer_group("_O2C Credit Group C")
		policy = frappe.new_doc("Credit Policy", company=factories.company(), customer_group=group)
		policy.insert()
		self.assertEqual(
			(policy.applies_to, policy.customer, policy.customer_group), ("Customer Group", None, group)
		)

	def test_applies_to_decides_and_empties_the_field_it_hides(self):
		customer, group = factories.customer(), customer_group("_O2C Credit Group D")
		policy = helpers.credit_policy(applies_to="Customer Group", customer=customer, customer_group=group)
		self.assertEqual((policy.customer, policy.customer_group), (None, group))
		self.assertRefused("Select the Customer this Credit Policy applies to", applies_to="Customer")

		company_wide = frappe.new_doc("Credit Policy", company=factories.company(), credit_limit=5)
		company_wide.insert()  # nothing chosen: every customer, the pre-filled group dropped
		self.addCleanup(frappe.delete_doc, "Credit Policy", company_wide.name, force=True)
		self.assertEqual((company_wide.applies_to, company_wide.customer_group), ("", None))

	def test_two_enabled_policies_with_the_same_scope_are_refused(self):
		customer = factories.customer()
		helpers.credit_policy(customer=customer, credit_limit=10)
		self.assertRefused("already enabled", customer=customer, credit_limit=20)

		group = customer_group("_O2C Credit Group B")
		helpers.credit_policy(customer_group=group, credit_limit=10)
		self.assertRefused("already enabled", customer_group=group, credit_limit=20)

		# a disabled second policy may wait, but cannot be enabled while the first is
		second = helpers.credit_policy(customer=customer, credit_limit=20, enabled=0)
		second.enabled = 1
		with self.assertRaisesRegex(frappe.ValidationError, "already enabled"):
			second.save()
		self.assertEqual(frappe.db.get_value("Credit Policy", second.name, "enabled"), 0)

	def test_two_company_wide_policies_are_refused(self):
		first = helpers.credit_policy(credit_limit=10)
		self.addCleanup(frappe.delete_doc, "Credit Policy", first.name, force=True)
		self.assertRefused("already enabled", credit_limit=20)


class TestWhichPolicyApplies(FrappeTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		factories.company()

	def test_most_specific_enabled_policy_wins(self):
		parent = customer_group("_O2C Credit Parent")
		child = customer_group("_O2C Credit Child", parent)
		in_child = factories.customer(customer_group=child)
		in_parent = factories.customer(customer_group=parent)
		own_policy = factories.customer(customer_group=child)
		elsewhere = factories.customer()

		company_wide = helpers.credit_policy(credit_limit=1)
		parent_policy = helpers.credit_policy(customer_group=parent, credit_limit=2)
		child_policy = helpers.credit_policy(customer_group=child, credit_limit=3)
		customer_policy = helpers.credit_policy(customer=own_policy, credit_limit=4)
		helpers.credit_policy(customer=elsewhere, credit_limit=5, enabled=0)

		policies = get_policies(factories.COMPANY, [in_child, in_parent, own_policy, elsewhere])
		self.assertEqual(policies[in_child].name, child_policy.name)
		self.assertEqual(policies[in_parent].name, parent_policy.name)
		self.assertEqual(policies[own_policy].name, customer_policy.name)
		self.assertEqual(policies[elsewhere].name, company_wide.name)  # its own policy is disabled

		company_wide.enabled = 0
		company_wide.save()
		self.assertIsNone(get_policy(elsewhere, factories.COMPANY))
		self.assertIsNone(get_policy(in_child, "_Another Company"))

	def test_erpnext_limits_match_erpnext_for_many_customers_at_once(self):
		group = customer_group("_O2C Credit Limit Group")
		with_own = factories.customer()
		helpers.erpnext_credit_limit(with_own, 1234)
		in_group = factories.customer(customer_group=group)
		group_doc = frappe.get_doc("Customer Group", group)
		group_doc.set("credit_limits", [{"company": factories.COMPANY, "credit_limit": 777}])
		group_doc.save()
		plain = factories.customer()

		limits = get_erpnext_limits(factories.COMPANY, [with_own, in_group, plain])
		for customer in (with_own, in_group, plain):
			self.assertEqual(limits[customer], get_credit_limit(customer, factories.COMPANY), customer)
		self.assertEqual(limits[with_own], 1234)
		self.assertEqual(limits[in_group], 777)
