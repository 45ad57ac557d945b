"""REST methods of the Scheduling capability (`/api/method/o2c_extension.api.scheduling.<name>`)."""

import json

import frappe
from frappe import _

from o2c_extension.scheduling import edifact_import
from o2c_extension.scheduling import release as releases
from o2c_extension.scheduling.call_off import call_off
from o2c_extension.scheduling.db import AGREEMENT
from o2c_extension.scheduling.edifact_import import read_upload
from o2c_extension.scheduling.messages import SchedulingInputError
from o2c_extension.scheduling.schedule_lines import ACTIVE


@frappe.whitelist(methods=["POST"])
def import_release(
	scheduling_agreement: str,
	release_no: str,
	release_date: str,
	lines,
	release_type: str | None = None,
	items=None,
) -> dict:
	"""Import a customer release: `lines` = [{item_code (ours or the customer's), schedule_date,
	qty, line_type}]; `release_type` Forecast (default) or JIT; `items` = the customer's statement
	per item [{item_code, cumulative_received_qty, last_delivery_note}].

	Reconciles by cumulative quantity and replaces the agreement's Open lines (a JIT release: those
	inside its date range); returns the Schedule Release and what it changed.
	"""
	frappe.has_permission(AGREEMENT, "write", doc=scheduling_agreement, throw=True)
	release = releases.import_release(
		scheduling_agreement,
		release_no,
		release_date,
		lines=_parse_lines(lines),
		release_type=release_type,
		items=None if items in (None, "") else _parse_lines(items),
	)
	return releases.summary(release)


@frappe.whitelist(methods=["POST"])
def import_edifact(content: str | None = None, file_url: str | None = None) -> dict:
	"""Import an EDIFACT interchange of DELFOR / DELJIT messages (D96A, D97A), sent as `content`
	or uploaded as a File (`file_url`, the desk's upload): one Schedule Release per message.

	Returns {"releases": [summary + message_ref], "errors": [{message_ref, release_no, error}]}; a
	message that cannot be matched or read writes nothing; when none could be applied, or the
	interchange itself is broken, the request is refused (417) with the reasons. A large
	interchange is imported in the background instead (`edifact_import.import_or_enqueue`): the
	answer says so ("queued": True) and the user is notified of the releases when it is done."""
	frappe.has_permission("Schedule Release", "create", throw=True)
	frappe.has_permission("Schedule Release", "submit", throw=True)
	if not content and file_url:
		content = read_upload(file_url)
	if not content:
		frappe.throw(_("Send the EDIFACT interchange (content) or upload its file."), SchedulingInputError)
	return edifact_import.import_or_enqueue(content)


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
	if status != ACTIVE:
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
