# Copyright (c) 2026, o2c_extension developers
# For license information, please see license.txt

from frappe.model.document import Document

from o2c_extension.collections import promises


class PromisetoPay(Document):
	"""A customer's promise to pay an invoice (or its case's overdue invoices) by a date.

	Made by `record_promise`, the desk form or `/api/resource` alike: checked and completed from
	its invoices when first saved, judged by the app alone afterwards (see `promises`)."""

	def validate(self):
		if self.is_new():
			promises.prepare(self)
		else:
			promises.check_unchanged(self)

	def after_insert(self):
		promises.apply(self)
