"""Credit Policy got an explicit `applies_to`: fill it for policies made before, from the scope
field they already use (company-wide policies keep it empty)."""

import frappe


def execute():
	policy = frappe.qb.DocType("Credit Policy")
	for applies_to, field in (("Customer", policy.customer), ("Customer Group", policy.customer_group)):
		(
			frappe.qb.update(policy)
			.set(policy.applies_to, applies_to)
			.where(
				(field.isnotnull())
				& (field != "")
				& ((policy.applies_to.isnull()) | (policy.applies_to == ""))
			)
			.run()
		)
