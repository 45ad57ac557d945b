# Copyright (c) 2026, o2c_extension developers
# For license information, please see license.txt

import frappe
from frappe.model.document import Document


class CustomerCreditScore(Document):
	"""Written by the daily credit job (`scores.store_scores`) only."""


def on_doctype_update():
	frappe.db.add_unique("Customer Credit Score", ["customer", "company"], "customer_company_unique")
