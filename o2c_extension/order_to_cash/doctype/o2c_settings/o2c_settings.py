# Copyright (c) 2026, o2c_extension developers
# For license information, please see license.txt

import frappe
from frappe import _
from frappe.model.document import Document
from frappe.utils import cint


class O2CSettings(Document):
	def validate(self):
		if not 0 <= cint(self.daily_job_hour) <= 23:
			frappe.throw(_("Daily Job Hour must be between 0 and 23."), title=_("Invalid Hour"))
		if cint(self.default_release_horizon_days) < 0:
			frappe.throw(_("Default Release Horizon (Days) cannot be negative."))


def is_enabled(capability: str) -> bool:
	"""`capability` is one of "scheduling", "credit_control", "collections"."""
	return bool(cint(frappe.db.get_single_value("O2C Settings", f"enable_{capability}")))
