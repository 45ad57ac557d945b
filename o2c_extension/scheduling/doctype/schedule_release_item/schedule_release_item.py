# Copyright (c) 2026, o2c_extension developers
# For license information, please see license.txt

from frappe.model.document import Document


class ScheduleReleaseItem(Document):
	pass
