# Copyright (c) 2026, o2c_extension developers
# For license information, please see license.txt

"""A customer's scheduling agreement: agreed quantities and rates per item for a validity
period, and a dated delivery schedule (Firm lines are called off into Sales Orders)."""

import json

import frappe
from frappe import _
from frappe.model.document import Document
from frappe.model.mapper import get_mapped_doc
from frappe.utils import add_days, add_months, cint, escape_html, flt, getdate, nowdate

from o2c_extension import access
from o2c_extension.scheduling.cumulative_position import default_reset_date
from o2c_extension.scheduling.cumulatives import refresh_agreements
from o2c_extension.scheduling.db import SCHEDULE_LINE
from o2c_extension.scheduling.input_checks import check_agreement_items, check_schedule_lines, check_validity
from o2c_extension.scheduling.messages import SchedulingInputError, throw_problems
from o2c_extension.scheduling.schedule_lines import (
	ACTIVE,
	AGREEMENT_CANCELLED,
	CANCELLED,
	DRAFT,
	OPEN,
	ScheduleLine,
)


class SchedulingAgreement(Document):
	def validate(self):
		self.set_missing_values()
		self.validate_customer()
		self.validate_terms()
		self.validate_customer_item_codes()
		self.sort_schedule()
		if self.docstatus == 0:
			self.status = DRAFT
			for line in self.schedule:
				line.status = OPEN
			self.set_scheduled_qty()

	def before_update_after_submit(self):
		self.validate_parties_unchanged()
		self.validate_terms()
		self.validate_called_off_lines_unchanged()
		self.sort_schedule()

	def on_submit(self):
		self.db_set("status", ACTIVE)
		refresh_agreements([self.name])
		self.sync_computed_values()

	def on_update_after_submit(self):
		refresh_agreements([self.name])
		self.sync_computed_values()

	def on_cancel(self):
		# releases point at the agreement; they are history, not something that blocks a cancel
		# (Frappe reads this from the instance, right after on_cancel)
		self.ignore_linked_doctypes = ("Schedule Release",)
		self.db_set("status", AGREEMENT_CANCELLED)

	# ------------------------------------------------------------------------------------------

	def sync_computed_values(self):
		"""The refresh wrote statuses, cumulatives and `modified` to the database; the form that
		saved must get them back, or its next save would be refused as stale."""
		saved = frappe.get_doc(self.doctype, self.name)
		for fieldname in ("status", "per_released", "per_delivered", "per_billed", "modified"):
			self.set(fieldname, saved.get(fieldname))
		for table, fieldnames in (
			("items", ("scheduled_qty", "released_qty", "delivered_qty", "billed_qty")),
			("schedule", ("status", "released_qty", "delivered_qty", "billed_qty", "sales_order")),
		):
			saved_rows = {row.name: row for row in saved.get(table)}
			for row in self.get(table):
				if row.name in saved_rows:
					for fieldname in fieldnames:
						row.set(fieldname, saved_rows[row.name].get(fieldname))

	def set_missing_values(self):
		if self.customer and (not self.currency or not self.selling_price_list):
			currency, price_list = frappe.db.get_value(
				"Customer", self.customer, ["default_currency", "default_price_list"]
			) or (None, None)
			self.currency = self.currency or currency
			self.selling_price_list = (
				self.selling_price_list
				or price_list
				or frappe.db.get_single_value("Selling Settings", "selling_price_list")
			)
		if not self.currency and self.company:
			self.currency = frappe.get_cached_value("Company", self.company, "default_currency")
		if self.release_horizon_days is None:
			self.release_horizon_days = cint(
				frappe.db.get_single_value("O2C Settings", "default_release_horizon_days")
			)
		if not self.cumulative_reset_date and self.company and self.valid_from:
			self.cumulative_reset_date = default_reset_date(self.company, self.valid_from)
		self.set_item_uoms()
		self.set_customer_item_codes()

	def set_customer_item_codes(self):
		"""An item row without the customer's item code takes it from ERPNext's Item Customer
		Detail (the item's Customer Items) for this customer: one query."""
		missing = [row for row in self.items if row.item_code and not row.customer_item_code]
		if not missing or not self.customer:
			return
		codes = dict(
			frappe.get_all(
				"Item Customer Detail",
				filters={
					"parenttype": "Item",
					"parent": ("in", list({row.item_code for row in missing})),
					"customer_name": self.customer,
				},
				fields=["parent", "ref_code"],
				as_list=True,
			)
		)
		for row in missing:
			row.customer_item_code = codes.get(row.item_code)

	def validate_customer_item_codes(self):
		seen = {}
		for row in self.items:
			code = (row.customer_item_code or "").strip()
			row.customer_item_code = code or None
			if code and code in seen:
				frappe.throw(
					_("Items rows {0} and {1} carry the same customer item code {2}.").format(
						seen[code], row.idx, frappe.bold(escape_html(code))
					),
					SchedulingInputError,
					title=_("Invalid Items"),
				)
			seen[code] = row.idx

	def set_item_uoms(self):
		"""UOM defaults to the stock UOM; the conversion factor comes from the item (two queries)."""
		codes = list({row.item_code for row in self.items if row.item_code})
		if not codes:
			return
		stock_uoms = dict(
			frappe.get_all(
				"Item", filters={"name": ("in", codes)}, fields=["name", "stock_uom"], as_list=True
			)
		)
		factors = {
			(row.parent, row.uom): flt(row.conversion_factor)
			for row in frappe.get_all(
				"UOM Conversion Detail",
				filters={"parent": ("in", codes), "parenttype": "Item"},
				fields=["parent", "uom", "conversion_factor"],
			)
		}
		for row in self.items:
			row.stock_uom = stock_uoms.get(row.item_code)
			row.uom = row.uom or row.stock_uom
			if row.uom == row.stock_uom:
				row.conversion_factor = 1
			elif factors.get((row.item_code, row.uom)):
				row.conversion_factor = factors[(row.item_code, row.uom)]
			else:
				frappe.throw(
					_("Items row {0}: item {1} has no conversion factor for UOM {2}.").format(
						row.idx, frappe.bold(row.item_code), row.uom
					),
					SchedulingInputError,
				)

	def validate_customer(self):
		if self.customer and cint(frappe.db.get_value("Customer", self.customer, "disabled")):
			frappe.throw(
				_("Customer {0} is disabled.").format(frappe.bold(self.customer)),
				SchedulingInputError,
				title=_("Disabled Customer"),
			)

	def validate_terms(self):
		valid_from, valid_to = getdate(self.valid_from), getdate(self.valid_to)
		context = {"valid_from": valid_from, "valid_to": valid_to}
		throw_problems(check_validity(valid_from, valid_to), "", _("Invalid Validity"), **context)
		if flt(self.tolerance_percent) < 0 or cint(self.release_horizon_days) < 0:
			frappe.throw(
				_("Tolerance and Release Horizon cannot be negative."),
				SchedulingInputError,
				title=_("Invalid Terms"),
			)
		throw_problems(
			check_agreement_items(
				[(row.item_code, flt(row.agreed_qty), flt(row.rate)) for row in self.items]
			),
			_("Items row"),
			_("Invalid Items"),
			**context,
		)
		throw_problems(
			check_schedule_lines(
				[
					ScheduleLine(
						row.item_code,
						getdate(row.schedule_date) if row.schedule_date else None,
						flt(row.qty),
						row.line_type,
					)
					for row in self.schedule
				],
				{row.item_code for row in self.items},
				valid_from,
				valid_to,
			),
			_("Schedule row"),
			_("Invalid Schedule"),
			**context,
		)

	def sort_schedule(self):
		self.schedule.sort(key=lambda row: (getdate(row.schedule_date), row.item_code, row.line_type or ""))
		for index, row in enumerate(self.schedule, start=1):
			row.idx = index

	def set_scheduled_qty(self):
		scheduled = {}
		for line in self.schedule:
			if line.status != CANCELLED:
				scheduled[line.item_code] = scheduled.get(line.item_code, 0) + flt(line.qty)
		for row in self.items:
			row.scheduled_qty = scheduled.get(row.item_code, 0)

	def validate_parties_unchanged(self):
		customer, company = frappe.db.get_value(self.doctype, self.name, ["customer", "company"])
		for label, before, after in (
			(_("Customer"), customer, self.customer),
			(_("Company"), company, self.company),
		):
			if before != after:
				frappe.throw(
					_(
						"The {0} of a submitted Scheduling Agreement cannot be changed (from {1} to {2})."
					).format(label, before, after),
					SchedulingInputError,
					title=_("Not Allowed"),
				)

	def validate_called_off_lines_unchanged(self):
		"""Lines that became orders (or whose order was cancelled) are history: they stay as they are.
		Lines added by hand after submission start Open, with nothing released."""
		saved = {
			row.name: row
			for row in frappe.get_all(
				SCHEDULE_LINE,
				filters={"parent": self.name},
				fields=["name", "item_code", "schedule_date", "qty", "line_type", "status"],
			)
		}
		current = {row.name: row for row in self.schedule}
		for name, before in saved.items():
			if before.status == OPEN:
				continue
			after = current.get(name)
			if after is None or (
				after.item_code != before.item_code
				or getdate(after.schedule_date) != getdate(before.schedule_date)
				or flt(after.qty) != flt(before.qty)
				or after.line_type != before.line_type
			):
				frappe.throw(
					_("The {0} schedule line of item {1} on {2} cannot be changed or removed.").format(
						_(before.status),
						frappe.bold(before.item_code),
						frappe.format(before.schedule_date, "Date"),
					),
					SchedulingInputError,
					title=_("Line Already Called Off"),
				)
		for row in self.schedule:
			if row.name not in saved:
				row.status = OPEN
				row.released_qty = row.delivered_qty = row.billed_qty = 0
				row.sales_order = None
				row.schedule_release = None


@frappe.whitelist()
def make_scheduling_agreement(source_name: str, target_doc=None):
	"""Quotation → Scheduling Agreement: customer, company, currency, price list, items and rates;
	the quoted quantity becomes the agreed quantity."""

	def set_missing_values(source, target):
		if source.quotation_to != "Customer":
			frappe.throw(
				_("Quotation {0} is for a {1}; make the customer first.").format(
					source.name, _(source.quotation_to)
				),
				title=_("No Customer"),
			)
		target.customer = source.party_name
		target.quotation = source.name
		target.valid_from = nowdate()
		valid_till = source.get("valid_till")
		target.valid_to = (
			valid_till
			if valid_till and getdate(valid_till) > getdate(nowdate())
			else add_days(add_months(nowdate(), 12), -1)
		)
		target.run_method("set_missing_values")

	def update_item(source, target, source_parent):
		target.agreed_qty = flt(source.qty)

	target_doc = _checked_target("Quotation", source_name, "Scheduling Agreement", target_doc)
	return get_mapped_doc(
		"Quotation",
		source_name,
		{
			"Quotation": {
				"doctype": "Scheduling Agreement",
				"validation": {"docstatus": ["=", 1], "status": ["!=", "Lost"]},
			},
			"Quotation Item": {
				"doctype": "Scheduling Agreement Item",
				"field_map": {"qty": "agreed_qty"},
				"postprocess": update_item,
			},
		},
		target_doc,
		set_missing_values,
	)


@frappe.whitelist()
def make_sales_order(source_name: str, target_doc=None):
	"""Scheduling Agreement → Sales Order by hand, outside the schedule: the items with what is
	left of their agreed quantity, at the agreement's rates. The tolerance applies on save."""

	def update_item(source, target, source_parent):
		target.qty = flt(source.agreed_qty) - flt(source.released_qty)
		target.scheduling_agreement = source_parent.name

	def set_missing_values(source, target):
		# the link is no_copy (a duplicated order must not carry it): the mapper leaves it out
		target.scheduling_agreement = source.name
		# the customer's order number: the agreement's reference, unless the order was given one
		target.po_no = target.po_no or source.customer_reference
		# the agreement's rate is the contract price
		target.ignore_pricing_rule = 1
		target.run_method("set_missing_values")
		target.run_method("calculate_taxes_and_totals")

	target_doc = _checked_target("Scheduling Agreement", source_name, "Sales Order", target_doc)
	return get_mapped_doc(
		"Scheduling Agreement",
		source_name,
		{
			"Scheduling Agreement": {
				"doctype": "Sales Order",
				"validation": {"docstatus": ["=", 1], "status": ["=", ACTIVE]},
			},
			"Scheduling Agreement Item": {
				"doctype": "Sales Order Item",
				"postprocess": update_item,
				"condition": lambda row: flt(row.agreed_qty) > flt(row.released_qty),
			},
		},
		target_doc,
		set_missing_values,
	)


def _checked_target(source_doctype: str, source_name: str, doctype: str, target_doc):
	"""What a mapper needs first: the right to create a `doctype` and to read its source, and the
	target document the desk maps into (see `_target_doc`)."""
	frappe.has_permission(doctype, "create", throw=True)
	frappe.has_permission(source_doctype, "read", doc=source_name, throw=True)
	# Frappe's read check passes over a Quotation's customer (a Dynamic Link)
	access.check_user_permissions(frappe.get_doc(source_doctype, source_name))
	return _target_doc(target_doc, doctype)


def _target_doc(target_doc, doctype: str):
	"""The unsaved document the desk maps into (a `doctype` document, its dict or JSON), or None."""
	if isinstance(target_doc, Document):
		if target_doc.doctype == doctype:
			return target_doc
		target_doc = None
	elif target_doc is None or (isinstance(target_doc, str) and not target_doc.strip()):
		return None
	elif isinstance(target_doc, str):
		try:
			target_doc = json.loads(target_doc)
		except (ValueError, RecursionError):
			target_doc = None
	if isinstance(target_doc, dict) and target_doc.get("doctype") == doctype:
		try:
			return frappe.get_doc(target_doc)
		except (TypeError, ValueError, AttributeError, KeyError):
			pass
	frappe.throw(
		_("target_doc must be a {0} as a JSON object, or be left out.").format(_(doctype)),
		title=_("Invalid Target Document"),
	)
