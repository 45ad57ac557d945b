# Copyright (c) 2026, o2c_extension developers
# For license information, please see license.txt

import frappe
from frappe import _
from frappe.model.document import Document

from o2c_extension.collections import core

SCOPE_FIELDS = {"customer": "Customer", "customer_group": "Customer Group", "territory": "Territory"}


class CollectionsRule(Document):
	# begin: auto-generated types
	# This code is auto-generated. Do not modify anything in this block.

	from typing import TYPE_CHECKING

	if TYPE_CHECKING:
		from frappe.types import DF

		from o2c_extension.collections.doctype.collections_rule_step.collections_rule_step import (
			CollectionsRuleStep,
		)

		company: DF.Link
		customer: DF.Link | None
		customer_group: DF.Link | None
		enabled: DF.Check
		min_outstanding: DF.Currency
		rule_name: DF.Data
		scope: DF.Literal["", "Customer", "Customer Group", "Territory"]
		steps: DF.Table[CollectionsRuleStep]
		territory: DF.Link | None
	# end: auto-generated types

	def validate(self):
		self.validate_scope()
		self.validate_steps()
		self.validate_dunning_types()
		self.validate_one_rule_per_scope()
		self.sort_steps()

	def validate_scope(self):
		"""Keep only the field the scope names: Frappe pre-fills customer group and territory of a new
		document from the global defaults, so the fields alone cannot say what the rule is for."""
		if not self.scope and self.customer:
			self.scope = "Customer"  # an integrator naming just a customer means that customer
		for field, scope in SCOPE_FIELDS.items():
			if self.scope != scope:
				self.set(field, None)
			elif not self.get(field):
				frappe.throw(
					_("Choose the {0} this rule applies to.").format(_(scope)), title=_("Missing Scope")
				)

	def validate_steps(self):
		specs = [
			core.StepSpec(
				idx=row.idx,
				day_offset=row.day_offset,
				action=row.action,
				email_template=row.email_template,
				assign_to_role=row.assign_to_role,
				dunning_type=row.dunning_type,
			)
			for row in self.steps
		]
		problems = core.validate_steps(specs)
		if problems:
			frappe.throw(
				"<br>".join(self.describe_problem(problem) for problem in problems),
				title=_("Invalid Steps"),
			)

	def describe_problem(self, problem: core.StepProblem) -> str:
		step_meta = frappe.get_meta("Collections Rule Step")
		if problem.kind == "missing_action":
			return _("Step {0}: choose an action.").format(problem.idx)
		if problem.kind == "unknown_action":
			return _("Step {0}: {1} is not a collections action.").format(problem.idx, problem.detail)
		if problem.kind == "missing_setting":
			row = self.steps[problem.idx - 1]
			return _("Step {0}: the action {1} needs a {2}.").format(
				problem.idx, _(row.action), _(step_meta.get_label(problem.detail))
			)
		if problem.kind == "dunning_before_due":
			return _(
				"Step {0}: a Dunning is for overdue payments, so its day offset must be at least 1."
			).format(problem.idx)
		row = self.steps[problem.idx - 1]
		return _("Step {0} repeats step {1}: {2} on day {3}.").format(
			problem.idx, problem.detail, _(row.action), row.day_offset
		)

	def validate_dunning_types(self):
		dunning_types = {row.dunning_type for row in self.steps if row.dunning_type}
		if not dunning_types:
			return
		companies = dict(
			frappe.get_all(
				"Dunning Type",
				filters={"name": ("in", list(dunning_types))},
				fields=["name", "company"],
				as_list=True,
			)
		)
		for row in self.steps:
			if row.dunning_type and companies.get(row.dunning_type) != self.company:
				frappe.throw(
					_("Step {0}: Dunning Type {1} belongs to another company than {2}.").format(
						row.idx, frappe.bold(row.dunning_type), frappe.bold(self.company)
					),
					title=_("Invalid Steps"),
				)

	def validate_one_rule_per_scope(self):
		"""Two enabled rules for the same scope would make "the most specific wins" a coin toss."""
		if not self.enabled:
			return
		filters = {"company": self.company, "enabled": 1, "name": ("!=", self.name or "")}
		for field in SCOPE_FIELDS:
			filters[field] = self.get(field) or ("is", "not set")
		other = frappe.db.get_value("Collections Rule", filters, "name")
		if other:
			frappe.throw(
				_("Collections Rule {0} is already enabled for the same company and scope.").format(
					frappe.bold(other)
				),
				title=_("Duplicate Rule"),
			)

	def sort_steps(self):
		self.steps.sort(key=lambda row: (row.day_offset or 0, row.idx))
		for idx, row in enumerate(self.steps, start=1):
			row.idx = idx
