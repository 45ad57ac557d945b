# Copyright (c) 2026, o2c_extension developers
# For license information, please see license.txt

import frappe
from frappe import _
from frappe.model.document import Document


class CreditLimitChange(Document):
	"""One change of a credit limit, written by the app (`limit_requests.log_limit_change`) only."""

	def validate(self):
		if not self.is_new():
			frappe.throw(
				_("A Credit Limit Change is a record of the past and cannot be edited."),
				title=_("Not Allowed"),
			)


def on_doctype_update():
	frappe.db.add_index("Credit Limit Change", ["customer", "company"], "customer_company_index")
