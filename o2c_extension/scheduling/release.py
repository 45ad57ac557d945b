"""Customer releases: reading their lines (as sent over REST, typed in the desk or from a CSV),
and importing one into an agreement as a Schedule Release."""

import frappe
from frappe import _
from frappe.utils import get_user_date_format

from o2c_extension.scheduling import core
from o2c_extension.scheduling.db import AGREEMENT, AGREEMENT_ITEM
from o2c_extension.scheduling.messages import SchedulingInputError, throw_problems

_DATE_PARTS = (("yyyy", "%Y"), ("dd", "%d"), ("mm", "%m"))


def accepted_date_formats() -> tuple[str, ...]:
	"""ISO dates always; the system's date format too, for CSVs typed by people."""
	system = get_user_date_format() or "yyyy-mm-dd"
	for part, directive in _DATE_PARTS:
		system = system.replace(part, directive)
	return ("%Y-%m-%d",) if system == "%Y-%m-%d" else ("%Y-%m-%d", system)


def release_agreement(name: str):
	"""Header and items of the agreement a release goes to; it must be submitted and Active."""
	header = frappe.db.get_value(
		AGREEMENT,
		name,
		["name", "docstatus", "status", "valid_from", "valid_to", "tolerance_percent"],
		as_dict=True,
	)
	if not header:
		frappe.throw(
			_("Scheduling Agreement {0} does not exist.").format(frappe.bold(name)), frappe.DoesNotExistError
		)
	if header.docstatus != 1 or header.status != core.ACTIVE:
		frappe.throw(
			_("Releases can only be imported into an Active Scheduling Agreement; {0} is {1}.").format(
				name, _(header.status)
			),
			SchedulingInputError,
			title=_("Agreement Not Active"),
		)
	header.agreed_items = {
		row.item_code: row
		for row in frappe.get_all(
			AGREEMENT_ITEM, filters={"parent": name}, fields=["item_code", "agreed_qty"]
		)
	}
	return header


def read_lines(agreement, raw_lines: list, where: str) -> list[core.ReleaseLine]:
	"""Checked ReleaseLines, or a SchedulingInputError naming every bad row."""
	if not isinstance(raw_lines, list):
		frappe.throw(
			_("The release lines must be a list of {0}.").format(
				"{item_code, schedule_date, qty, line_type}"
			),
			SchedulingInputError,
		)
	lines, problems = core.read_release_lines(
		raw_lines,
		set(agreement.agreed_items),
		agreement.valid_from,
		agreement.valid_to,
		accepted_date_formats(),
	)
	throw_problems(
		problems,
		where,
		_("Invalid Release"),
		valid_from=agreement.valid_from,
		valid_to=agreement.valid_to,
		agreement=agreement.name,
	)
	return lines


def csv_text_of(doc) -> str:
	"""The pasted text, or the content of the attached file."""
	if doc.get("csv_text"):
		return doc.csv_text
	file = frappe.get_doc("File", {"file_url": doc.csv_file})
	file.check_permission("read")
	content = file.get_content()
	if not isinstance(content, bytes):
		return content
	try:
		return content.decode("utf-8-sig")
	except UnicodeDecodeError:
		frappe.throw(
			_("The file {0} is not UTF-8 text: save the release as CSV UTF-8 and attach it again.").format(
				frappe.bold(file.file_name)
			),
			SchedulingInputError,
			title=_("Invalid Release"),
		)


def import_release(
	scheduling_agreement: str,
	release_no: str,
	release_date,
	lines: list | None = None,
	csv_text: str | None = None,
	csv_file: str | None = None,
):
	"""Create and submit (apply) a Schedule Release; returns it. Everything is checked before the
	first write, so bad input leaves nothing behind."""
	agreement = release_agreement(scheduling_agreement)
	parsed_date = core.parse_date(release_date, accepted_date_formats())
	if not parsed_date:
		frappe.throw(
			_("The release date {0} is not a valid date (use YYYY-MM-DD).").format(
				frappe.bold(release_date or "")
			),
			SchedulingInputError,
		)
	doc = frappe.get_doc(
		{
			"doctype": "Schedule Release",
			"scheduling_agreement": scheduling_agreement,
			"release_no": release_no,
			"release_date": parsed_date,
			"csv_text": csv_text,
			"csv_file": csv_file,
		}
	)
	if lines is not None:
		checked = read_lines(agreement, lines, _("Release line"))
		doc.set(
			"lines",
			[
				{
					"item_code": line.item_code,
					"schedule_date": line.schedule_date,
					"qty": line.qty,
					"line_type": line.line_type,
				}
				for line in checked
			],
		)
	doc.insert()
	doc.submit()
	return doc


def summary(release) -> dict:
	return {
		"schedule_release": release.name,
		"release_no": release.release_no,
		"lines_added": release.lines_added,
		"lines_changed": release.lines_changed,
		"lines_removed": release.lines_removed,
		"lines_unchanged": release.lines_unchanged,
		"item_deltas": {
			row.item_code: {
				"old_open_qty": row.old_open_qty,
				"new_open_qty": row.new_open_qty,
				"qty_delta": row.qty_delta,
			}
			for row in release.item_deltas
		},
	}
