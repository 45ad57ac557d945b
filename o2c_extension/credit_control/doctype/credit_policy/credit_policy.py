# Copyright (c) 2026, o2c_extension developers
# For license information, please see license.txt

import frappe
from frappe import _
from frappe.model.document import Document
from frappe.utils import cint, flt

from o2c_extension.credit_control.core import scope_error

SCOPE_FIELDS = ("customer", "customer_group")


class CreditPolicy(Document):
	def _set_defaults(self):
		# Frappe fills empty Link fields from global defaults (ERPNext sets a default Customer
		# Group); for a policy an empty scope field means "not scoped by it", so keep it empty.
		scope = {fieldname: self.get(fieldname) for fieldname in SCOPE_FIELDS}
		super()._set_defaults()
		if self.is_new():
			self.update(scope)

	def validate(self):
		self.validate_amounts()
		self.validate_scope()
		self.validate_unique_scope()
		self.title = self.scope_label()

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
		if scope_error(self.customer, self.customer_group) == "both_scopes":
			frappe.throw(
				_("A Credit Policy applies to a Customer or to a Customer Group, not both."),
				title=_("Invalid Credit Policy"),
			)

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
		return _("All Customers")


def on_doctype_update():
	from o2c_extension.credit_control.indexes import ensure_indexes

	ensure_indexes()
