# Copyright (c) 2026, o2c_extension developers
# For license information, please see license.txt

from frappe.model.document import Document

from o2c_extension.credit_control import limit_requests


class CreditLimitRequest(Document):
	"""A request to raise a customer's credit limit; decided only through approve / reject
	(`limit_requests.py`), which set the decision fields."""

	def validate(self):
		limit_requests.validate_request(self)
