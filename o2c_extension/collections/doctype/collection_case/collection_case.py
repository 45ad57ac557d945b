# Copyright (c) 2026, o2c_extension developers
# For license information, please see license.txt

"""A customer's account under collection in one company (see `collections/cases.py`).

Every field of a case is the app's record of the account: the run, payments, promises and
disputes keep it (inside `sealed_fields.app_writes`). A desk form, a REST call or an import can
neither make a case nor change one; a call or note is logged on it as a Comment."""

import frappe
from frappe import _
from frappe.model.document import Document

from o2c_extension.collections.cases import STATE_FIELDS
from o2c_extension.order_to_cash.sealed_fields import app_is_writing


class CollectionCase(Document):
	def before_validate(self):
		if app_is_writing():
			return
		if self.is_new():
			frappe.throw(
				_("Collection Cases are opened by the collections run; they cannot be made by hand."),
				frappe.PermissionError,
				title=_("Not Permitted"),
			)
		before = self.get_doc_before_save()
		for fieldname in ("customer", "company", *STATE_FIELDS):
			self.set(fieldname, before.get(fieldname) if before else None)

	def on_trash(self):
		if self.status != "Closed" and not app_is_writing():
			frappe.throw(
				_("Collection Case {0} is open: it closes by itself when nothing is overdue.").format(
					self.name
				),
				title=_("Case Open"),
			)

	def statement_lines(self):
		"""The open terms of the account, for the "Collection Statement" print format."""
		from frappe.utils import getdate, nowdate

		from o2c_extension.collections.reminder import statement_lines

		return statement_lines(self.customer, self.company, getdate(nowdate()))
