"""O2C Settings got the credit management settings (hold reminders, credit score weights, full
marks and risk class thresholds): a site that already had the settings takes their defaults, as a
new site does, instead of empty values."""

import frappe

FIELDS = (
	"hold_reminder_hours",
	"score_weight_days_late",
	"score_weight_overdue_share",
	"score_weight_broken_promises",
	"score_weight_dunning_level",
	"score_weight_utilisation",
	"score_days_late_full",
	"score_dunning_level_full",
	"score_broken_promises_full",
	"score_utilisation_full",
	"risk_class_a_min",
	"risk_class_b_min",
	"risk_class_c_min",
)


def execute():
	meta = frappe.get_meta("O2C Settings")
	stored = set(
		frappe.db.sql_list(
			"select field from `tabSingles` where doctype = 'O2C Settings' and field in %(fields)s",
			{"fields": FIELDS},
		)
	)
	for fieldname in FIELDS:
		field = meta.get_field(fieldname)
		if field and field.default is not None and fieldname not in stored:
			frappe.db.set_single_value("O2C Settings", fieldname, field.default)
