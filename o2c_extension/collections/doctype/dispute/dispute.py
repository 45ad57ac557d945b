# Copyright (c) 2026, o2c_extension developers
# For license information, please see license.txt

from frappe.model.document import Document

from o2c_extension.collections import disputes


class Dispute(Document):
	"""The customer contests part (or all) of an invoice: only the disputed amount pauses.

	Made by `record_dispute`, the desk form or `/api/resource` alike: checked and completed from
	its invoice when first saved; ended by `resolve_dispute` (or a credit note) alone."""

	def validate(self):
		if self.is_new():
			disputes.prepare(self)
		else:
			disputes.check_unchanged(self)

	def after_insert(self):
		disputes.apply(self)
