"""Translated messages for the input problems the pure core reports."""

import frappe
from frappe import _
from frappe.utils import escape_html, formatdate

from o2c_extension.scheduling import core


class SchedulingInputError(frappe.ValidationError):
	"""Bad input to an agreement or a release; nothing has been written."""


def problem_message(problem: core.Problem, where: str, valid_from=None, valid_to=None, agreement=None) -> str:
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
		).format(where, row, frappe.format(value, "Float"), frappe.format(core.MAX_QTY, "Int")),
		"item_total_too_large": lambda: _(
			"Item {0}: the lines total {1}, more than the {2} one item may total."
		).format(frappe.bold(value[0]), frappe.format(value[1], "Float"), frappe.format(core.MAX_QTY, "Int")),
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
		"empty_release": lambda: _("The release has no lines."),
		"bad_line": lambda: _(
			"{0} {1}: expected an object with item_code, schedule_date, qty and line_type."
		).format(where, row),
	}
	return messages[problem.kind]()


def csv_read_message(error: core.CsvReadError) -> str:
	return _("The CSV cannot be read (line {0}): {1}.").format(error.line, escape_html(error.reason))


def throw_problems(problems: list[core.Problem], where: str, title: str, **context) -> None:
	if not problems:
		return
	frappe.throw(
		"<br>".join(problem_message(problem, where, **context) for problem in problems),
		exc=SchedulingInputError,
		title=title,
	)
