"""Scheduling agreements got a cumulative reset date (issue 14) and O2C Settings its default rule:
a site that already had agreements gives each the default a new agreement takes (the start of the
fiscal year its validity starts in), and the settings the default rule. Schedule lines made before
JIT releases existed are Forecast lines."""

import frappe

from o2c_extension.scheduling.cumulative_position import RESET_FISCAL_YEAR, default_reset_date


def execute():
	if not frappe.db.get_single_value("O2C Settings", "cumulative_reset"):
		frappe.db.set_single_value("O2C Settings", "cumulative_reset", RESET_FISCAL_YEAR)
	frappe.db.sql(
		"""update `tabScheduling Agreement Schedule Line` set release_type = 'Forecast'
		where ifnull(release_type, '') = ''"""
	)
	frappe.db.sql(
		"update `tabSchedule Release` set release_type = 'Forecast' where ifnull(release_type, '') = ''"
	)
	for row in frappe.get_all(
		"Scheduling Agreement",
		filters={"cumulative_reset_date": ("is", "not set")},
		fields=["name", "company", "valid_from"],
	):
		if row.company and row.valid_from:
			frappe.db.set_value(
				"Scheduling Agreement",
				row.name,
				"cumulative_reset_date",
				default_reset_date(row.company, row.valid_from),
				update_modified=False,
			)
