"""REST methods of the Scheduling capability (`/api/method/o2c_extension.api.scheduling.<name>`)."""

import json

import frappe
from frappe import _

from o2c_extension.scheduling import core
from o2c_extension.scheduling import release as releases
from o2c_extension.scheduling.call_off import call_off
from o2c_extension.scheduling.db import AGREEMENT
from o2c_extension.scheduling.messages import SchedulingInputError


@frappe.whitelist(methods=["POST"])
def import_release(scheduling_agreement: str, release_no: str, release_date: str, lines) -> dict:
	"""Import a customer release: `lines` = [{item_code, schedule_date, qty, line_type}].

	Replaces the agreement's Open lines; returns the Schedule Release and what it changed.
	"""
	frappe.has_permission(AGREEMENT, "write", doc=scheduling_agreement, throw=True)
	release = releases.import_release(
		scheduling_agreement,
		release_no,
		release_date,
		lines=_parse_lines(lines),
	)
	return releases.summary(release)


def _parse_lines(lines):
	"""`lines` as sent: a list, or a list in JSON text (what a form post or a GET carries)."""
	if not isinstance(lines, str):
		return lines
	try:
		return json.loads(lines)
	except (ValueError, RecursionError):
		frappe.throw(
			_("The release lines are not valid JSON: send a list of {0}.").format(
				"{item_code, schedule_date, qty, line_type}"
			),
			SchedulingInputError,
			title=_("Invalid Release"),
		)


@frappe.whitelist(methods=["POST"])
def import_release_csv(
	scheduling_agreement: str,
	release_no: str,
	release_date: str,
	csv_text: str | None = None,
	csv_file: str | None = None,
) -> dict:
	"""The desk's "Import Release": the same as import_release, from pasted CSV text or a file."""
	frappe.has_permission(AGREEMENT, "write", doc=scheduling_agreement, throw=True)
	if not (csv_text or csv_file):
		frappe.throw(_("Paste the release or attach a CSV file."))
	release = releases.import_release(
		scheduling_agreement, release_no, release_date, csv_text=csv_text, csv_file=csv_file
	)
	return releases.summary(release)


@frappe.whitelist(methods=["POST"])
def release_now(scheduling_agreement: str) -> list[str]:
	"""Call off what is due on one agreement now; returns the Sales Orders made."""
	frappe.has_permission(AGREEMENT, "write", doc=scheduling_agreement, throw=True)
	frappe.has_permission("Sales Order", "create", throw=True)
	frappe.has_permission("Sales Order", "submit", throw=True)
	status = frappe.db.get_value(AGREEMENT, scheduling_agreement, "status")
	if status != core.ACTIVE:
		frappe.throw(
			_("Only an Active Scheduling Agreement can be called off; {0} is {1}.").format(
				scheduling_agreement, _(status or "")
			),
			title=_("Agreement Not Active"),
		)
	result = call_off([scheduling_agreement])
	if result.failures:
		frappe.msgprint(
			"<br>".join(
				_("Schedule date {0}: {1}").format(frappe.format(schedule_date, "Date"), error)
				for _agreement, schedule_date, error in result.failures
			),
			title=_("Some Sales Orders could not be made"),
			indicator="red",
		)
	return result.sales_orders
