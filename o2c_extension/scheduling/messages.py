"""Translated messages for the input problems the pure core reports."""

import frappe
from frappe import _
from frappe.utils import escape_html, formatdate

from o2c_extension.scheduling.input_checks import Problem
from o2c_extension.scheduling.release_csv import CsvReadError
from o2c_extension.scheduling.schedule_lines import MAX_QTY


class SchedulingInputError(frappe.ValidationError):
	"""Bad input to an agreement or a release; nothing has been written."""


def problem_message(problem: Problem, where: str, valid_from=None, valid_to=None, agreement=None) -> str:
	"""`where` names the kind of row (already translated): "Schedule row", "Release line", "CSV line"."""
	row, value = problem.row, problem.value
	messages = {
		"valid_to_before_valid_from": lambda: _("Valid To ({0}) cannot be before Valid From ({1}).").format(
			formatdate(valid_to), formatdate(valid_from)
		),
		"no_items": lambda: _("Add at least one item to the agreement."),
		"duplicate_item": lambda: _(
			"{0} {1}: item {2} is listed twice; an agreement has one row per item."
		).format(where, row, frappe.bold(value)),
		"agreed_qty_not_positive": lambda: _(
			"{0} {1}: the agreed quantity of item {2} must be greater than zero."
		).format(where, row, frappe.bold(value)),
		"negative_rate": lambda: _("{0} {1}: the rate of item {2} cannot be negative.").format(
			where, row, frappe.bold(value)
		),
		"item_not_on_agreement": lambda: _("{0} {1}: item {2} is not one of the agreement's items.").format(
			where, row, frappe.bold(value)
		),
		"unknown_item": lambda: _("{0} {1}: item {2} is not on Scheduling Agreement {3}.").format(
			where, row, frappe.bold(value), agreement
		),
		"missing_item": lambda: _("{0} {1}: the item code is missing.").format(where, row),
		"qty_not_positive": lambda: _("{0} {1}: the quantity must be greater than zero (got {2}).").format(
			where, row, value
		),
		"bad_qty": lambda: _("{0} {1}: {2} is not a quantity.").format(
			where, row, frappe.bold(escape_html(str(value if value is not None else "")[:60]))
		),
		"qty_too_large": lambda: _(
			"{0} {1}: the quantity {2} is too large; a line may carry at most {3}."
		).format(where, row, frappe.format(value, "Float"), frappe.format(MAX_QTY, "Int")),
		"item_total_too_large": lambda: _(
			"Item {0}: the lines total {1}, more than the {2} one item may total."
		).format(frappe.bold(value[0]), frappe.format(value[1], "Float"), frappe.format(MAX_QTY, "Int")),
		"bad_date": lambda: _("{0} {1}: {2} is not a valid date (use YYYY-MM-DD).").format(
			where, row, frappe.bold(value or "")
		),
		"date_outside_validity": lambda: _(
			"{0} {1}: the date {2} is outside the agreement's validity ({3} to {4})."
		).format(where, row, formatdate(value), formatdate(valid_from), formatdate(valid_to)),
		"bad_line_type": lambda: _("{0} {1}: the line type {2} is neither Firm nor Forecast.").format(
			where, row, frappe.bold(value)
		),
		"duplicate_line": lambda: _("{0} {1}: item {2} on {3} is already in line {4}.").format(
			where, row, frappe.bold(value[0]), formatdate(value[1]), value[2]
		),
		"bad_cumulative_qty": lambda: _(
			"{0} {1}: the cumulative received quantity {2} is not a number."
		).format(where, row, frappe.bold(escape_html(str(value if value is not None else "")[:60]))),
		"negative_cumulative_qty": lambda: _(
			"{0} {1}: the cumulative received quantity cannot be negative (got {2})."
		).format(where, row, value),
		"duplicate_statement": lambda: _(
			"{0} {1}: item {2} has its cumulative received quantity stated twice."
		).format(where, row, frappe.bold(value)),
		"received_more_than_delivered": lambda: _(
			"Item {0}: the customer states a cumulative received quantity of {1}, more than the {2} we "
			"delivered since the cumulative reset date {3}."
		).format(frappe.bold(value[0]), value[1], value[2], formatdate(value[3])),
		"empty_release": lambda: _("The release has no lines."),
		"bad_line": lambda: _(
			"{0} {1}: expected an object with item_code, schedule_date, qty and line_type."
		).format(where, row),
	}
	return messages[problem.kind]()


def csv_read_message(error: CsvReadError) -> str:
	return _("The CSV cannot be read (line {0}): {1}.").format(error.line, escape_html(error.reason))


def throw_problems(problems: list[Problem], where: str, title: str, **context) -> None:
	if not problems:
		return
	frappe.throw(
		"<br>".join(problem_message(problem, where, **context) for problem in problems),
		exc=SchedulingInputError,
		title=title,
	)


def edifact_message(code: str, args: tuple) -> str:
	"""The translated sentence of an EDIFACT reading error (edifact.ERRORS holds the same in
	English for the pure reader); values quoted from the interchange are escaped."""
	args = tuple(escape_html(str(arg)) if arg is not None else "" for arg in args)
	sentences = {
		"syntax": lambda: _("The interchange cannot be read: {0}"),
		"empty": lambda: _("The interchange is empty."),
		"terminator": lambda: _(
			"The interchange does not end with its segment terminator {0}: check the segment terminator "
			"(the UNA service string advice, or the apostrophe by default)."
		),
		"no_unb": lambda: _(
			"The interchange must start with a UNB segment (after an optional UNA); segment {0} is {1}."
		),
		"unh_without_unt": lambda: _("Segment {0} ({1}): message {2} was not closed with a UNT segment."),
		"unt_without_unh": lambda: _("Segment {0} (UNT): a UNT segment without a UNH segment before it."),
		"segment_after_unz": lambda: _(
			"Segment {0} ({1}) follows the UNZ segment that ends the interchange."
		),
		"outside_message": lambda: _("Segment {0} ({1}) is outside any message (between UNH and UNT)."),
		"no_messages": lambda: _("The interchange holds no message (UNH ... UNT)."),
		"unz_count": lambda: _("The UNZ segment counts {0} messages; the interchange holds {1}."),
		"segment_count": lambda: _(
			"Message {0}: its UNT segment (segment {1}) counts {2} segments; the message has {3}."
		),
		"unt_reference": lambda: _("Message {0}: its UNT segment (segment {1}) names message {2}."),
		"message_type": lambda: _("Message {0} is a {1} message; only DELFOR and DELJIT are read."),
		"version": lambda: _("Message {0} is of directory {1}; only D96A and D97A are read."),
		"release_no": lambda: _("Message {0} has no document number in its BGM segment."),
		"release_date": lambda: _("Message {0} has no readable document date (DTM+137)."),
		"buyer": lambda: _("Message {0} names no buyer (NAD+BY)."),
		"item": lambda: _("Message {0} has a line without an item number (LIN or PIA)."),
		"quantity": lambda: _("Message {0} has an unreadable quantity {1} for item {2}."),
		"negative_quantity": lambda: _("Message {0} has a negative quantity {1} for item {2}."),
		"date": lambda: _("Message {0} has an unreadable date {1} for item {2}."),
		"no_lines": lambda: _("Message {0} has no schedule lines (QTY+113 with a date)."),
	}
	return sentences[code]().format(*args)
