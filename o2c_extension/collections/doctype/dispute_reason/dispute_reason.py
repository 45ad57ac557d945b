# Copyright (c) 2026, o2c_extension developers
# For license information, please see license.txt

from frappe.model.document import Document

from o2c_extension.collections.promises import plain_text


class DisputeReason(Document):
	def validate(self):
		self.reason_code = (self.reason_code or "").strip()
		if self.description:
			self.description = plain_text(self.description)
