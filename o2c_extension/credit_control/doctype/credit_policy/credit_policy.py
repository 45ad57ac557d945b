# Copyright (c) 2026, o2c_extension developers
# For license information, please see license.txt

import frappe
from frappe import _
from frappe.model.document import Document
from frappe.utils import cint, flt

from o2c_extension.credit_control.core import PolicyScope, resolve_scope


def scope_error_message(error: str) -> str:
	return {
		"both_scopes": _("A Credit Policy applies to a Customer or to a Customer Group, not both."),
		"customer_missing": _("Select the Customer this Credit Policy applies to."),
		"customer_group_missing": _("Select the Customer Group this Credit Policy applies to."),
		"risk_class_missing": _("Select the Risk Class (A, B, C or D) this Credit Policy applies to."),
		"unknown_scope": _(
			"Applies To must be empty (all customers), Customer, Customer Group or Risk Class."
		),
	}[error]


class CreditPolicy(Document):
	def validate(self):
		self.validate_amounts()
		self.validate_scope()
		self.validate_unique_scope()
		self.title = self.scope_label()

	def on_update(self):
		from o2c_extension.credit_control.limit_requests import log_limit_change

		log_limit_change(self)

	def validate_amounts(self):
		for fieldname, value in (
			("credit_limit", flt(self.credit_limit)),
			("tolerance_percent", flt(self.tolerance_percent)),
			("max_overdue_days", cint(self.max_overdue_days)),
			("max_dunning_level", cint(self.max_dunning_level)),
		):
			if value < 0:
				frappe.throw(
					_("{0} cannot be negative.").format(_(self.meta.get_label(fieldname))),
					title=_("Invalid Credit Policy"),
				)

	def validate_scope(self):
		scope = resolve_scope(
			self.applies_to,
			self.customer,
			self.customer_group,
			# the default Customer Group Frappe pre-fills into new documents (ERPNext sets one)
			prefilled_group=frappe.defaults.get_defaults().get("customer_group") if self.is_new() else None,
			risk_class=self.get("risk_class"),
		)
		if not isinstance(scope, PolicyScope):
			frappe.throw(scope_error_message(scope), title=_("Invalid Credit Policy"))
		self.applies_to = scope.applies_to
		self.customer = scope.customer
		self.customer_group = scope.customer_group
		self.risk_class = scope.risk_class

	def validate_unique_scope(self):
		if not self.enabled:
			return
		duplicate = frappe.db.get_value(
			"Credit Policy",
			{
				"company": self.company,
				"enabled": 1,
				"customer": self.customer or ("is", "not set"),
				"customer_group": self.customer_group or ("is", "not set"),
				"risk_class": self.risk_class or ("is", "not set"),
				"name": ("!=", self.name or ""),
			},
			"name",
		)
		if duplicate:
			frappe.throw(
				_("Credit Policy {0} is already enabled for {1} in company {2}.").format(
					duplicate, self.scope_label(), self.company
				),
				title=_("Duplicate Credit Policy"),
			)

	def scope_label(self) -> str:
		if self.customer:
			return _("Customer {0}").format(self.customer)
		if self.customer_group:
			return _("Customer Group {0}").format(self.customer_group)
		if self.get("risk_class"):
			return _("Risk Class {0}").format(self.risk_class)
		return _("All Customers")


def on_doctype_update():
	from o2c_extension.credit_control.indexes import ensure_indexes

	ensure_indexes()
