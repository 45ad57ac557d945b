# Copyright (c) 2026, o2c_extension developers
# For license information, please see license.txt

import frappe
from frappe import _
from frappe.model.document import Document
from frappe.utils import now_datetime


class CreditHold(Document):
	"""A credit decision waiting or taken. Created by the credit check (or Collections); changed
	only through release / reject / re-check (holds.py), which go through `record_decision`."""

	def validate(self):
		if not self.is_new() and not self.flags.o2c_decision:
			frappe.throw(_("A Credit Hold changes only through Release or Reject."), title=_("Not Allowed"))

	def after_insert(self):
		from o2c_extension.credit_control import notifications

		notifications.hold_created(self)

	def on_update(self):
		from o2c_extension.credit_control import notifications

		before = self.get_doc_before_save()
		notifications.hold_decided(self, before.status if before else None)

	def assert_pending(self):
		if self.status != "Pending":
			frappe.throw(
				_("Credit Hold {0} is already {1}; only Pending holds can be decided.").format(
					self.name, _(self.status)
				),
				title=_("Already Decided"),
			)

	def record_decision(
		self, status: str, comment: str, exposure: float | None = None, log_as: str | None = None
	):
		"""Decide the hold and keep the decision in its audit trail."""
		self.assert_pending()
		now = now_datetime()
		self.status = status
		self.decided_by = frappe.session.user
		self.decided_on = now
		self.decision_comment = comment
		self.append(
			"decisions",
			{
				"decision": log_as or status,
				"decided_by": frappe.session.user,
				"decided_on": now,
				"exposure": exposure,
				"comment": comment,
			},
		)
		self.flags.o2c_decision = True
		self.flags.ignore_permissions = True
		self.save()


def on_doctype_update():
	frappe.db.add_index("Credit Hold", ["customer", "company", "status"], "customer_company_status_index")
	frappe.db.add_index("Credit Hold", ["reference_doctype", "reference_name"], "reference_index")
