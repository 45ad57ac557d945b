"""Customer releases: reading their lines (as sent over REST, typed in the desk or from a CSV),
and importing one into an agreement as a Schedule Release."""

import frappe
from frappe import _
from frappe.utils import escape_html, get_user_date_format

from o2c_extension.scheduling.db import AGREEMENT, AGREEMENT_ITEM
from o2c_extension.scheduling.input_checks import (
	ItemStatement,
	parse_date,
	read_item_statements,
	read_release_lines,
)
from o2c_extension.scheduling.messages import SchedulingInputError, throw_problems
from o2c_extension.scheduling.schedule_lines import (
	ACTIVE,
	FORECAST_RELEASE,
	RELEASE_TYPES,
	CustomerReleaseLine,
)

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
		[
			"name",
			"docstatus",
			"status",
			"customer",
			"company",
			"customer_reference",
			"valid_from",
			"valid_to",
			"tolerance_percent",
			"cumulative_reset_date",
		],
		as_dict=True,
	)
	if not header:
		frappe.throw(
			_("Scheduling Agreement {0} does not exist.").format(frappe.bold(name)), frappe.DoesNotExistError
		)
	if header.docstatus != 1 or header.status != ACTIVE:
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
			AGREEMENT_ITEM,
			filters={"parent": name},
			fields=["item_code", "agreed_qty", "customer_item_code"],
		)
	}
	header.customer_items = customer_item_codes(header.customer, header.agreed_items)
	return header


def customer_item_codes(customer: str, agreed_items: dict) -> dict[str, str]:
	"""The customer's item code -> ours, for the agreement's items: the agreement's own
	`customer_item_code`, else ERPNext's Item Customer Detail (`ref_code`) for the customer."""
	codes = {}
	if agreed_items:
		for row in frappe.get_all(
			"Item Customer Detail",
			filters={"parenttype": "Item", "parent": ("in", list(agreed_items)), "customer_name": customer},
			fields=["parent", "ref_code"],
		):
			if row.ref_code:
				codes[row.ref_code.strip()] = row.parent
	for item_code, row in agreed_items.items():
		if row.get("customer_item_code"):
			codes[row.customer_item_code.strip()] = item_code
	return codes


def read_lines(agreement, raw_lines: list, where: str) -> list[CustomerReleaseLine]:
	"""Checked ReleaseLines, or a SchedulingInputError naming every bad row."""
	if not isinstance(raw_lines, list):
		frappe.throw(
			_("The release lines must be a list of {0}.").format(
				"{item_code, schedule_date, qty, line_type}"
			),
			SchedulingInputError,
		)
	lines, problems = read_release_lines(
		raw_lines,
		set(agreement.agreed_items),
		agreement.valid_from,
		agreement.valid_to,
		accepted_date_formats(),
		agreement.customer_items,
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


def read_statements(agreement, raw_items: list, where: str) -> list[ItemStatement]:
	"""The release's checked per-item statements (cumulative received, last delivery note)."""
	if not isinstance(raw_items, list):
		frappe.throw(
			_("The release items must be a list of {0}.").format(
				"{item_code, cumulative_received_qty, last_delivery_note}"
			),
			SchedulingInputError,
		)
	statements, problems = read_item_statements(
		raw_items, set(agreement.agreed_items), agreement.customer_items
	)
	throw_problems(problems, where, _("Invalid Release"), agreement=agreement.name)
	return statements


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
	release_type: str | None = None,
	items: list | None = None,
	edi_message_ref: str | None = None,
):
	"""Create and submit (apply) a Schedule Release; returns it. Everything is checked before the
	first write, so bad input leaves nothing behind. `items` are the per-item statements
	({item_code or customer_item_code, cumulative_received_qty, last_delivery_note})."""
	release_type = release_type or FORECAST_RELEASE
	if release_type not in RELEASE_TYPES:
		frappe.throw(
			_("The release type {0} is neither Forecast nor JIT.").format(
				frappe.bold(escape_html(str(release_type)))
			),
			SchedulingInputError,
			title=_("Invalid Release"),
		)
	agreement = release_agreement(scheduling_agreement)
	parsed_date = parse_date(release_date, accepted_date_formats())
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
			"release_type": release_type,
			"edi_message_ref": edi_message_ref,
		}
	)
	if items is not None:
		statements = read_statements(agreement, items, _("Release item"))
		doc.set("items", [statement_row(statement) for statement in statements])
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
	frappe.has_permission("Schedule Release", "submit", throw=True)
	# inserted as submitted: one validation and one write of its (maybe thousands of) rows
	doc.docstatus = 1
	doc.insert()
	return doc


def statement_row(statement: ItemStatement) -> dict:
	return {
		"item_code": statement.item_code,
		"cumulative_received_qty": statement.cumulative_received_qty,
		"cumulative_received_given": int(statement.cumulative_received_qty is not None),
		"last_delivery_note": statement.last_delivery_note,
	}


def summary(release) -> dict:
	return {
		"schedule_release": release.name,
		"release_no": release.release_no,
		"release_type": release.release_type,
		"cumulative_mismatch": bool(release.cumulative_mismatch),
		"items": {
			row.item_code: {
				"cumulative_received_qty": row.cumulative_received_qty,
				"last_delivery_note": row.last_delivery_note,
				"cumulative_delivered_qty": row.cumulative_delivered_qty,
				"cumulative_difference": row.cumulative_difference,
				"delivered_after_note_qty": row.delivered_after_note_qty,
				"unexplained_difference": row.unexplained_difference,
				"cumulative_mismatch": bool(row.cumulative_mismatch),
				"called_off_qty": row.called_off_qty,
				"over_released_qty": row.over_released_qty,
			}
			for row in release.get("items") or []
		},
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
