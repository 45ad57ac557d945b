# Copyright (c) 2026, o2c_extension developers
# For license information, please see license.txt

import frappe
from frappe import _
from frappe.model import data_fieldtypes
from frappe.model.document import Document

from o2c_extension.collections import core
from o2c_extension.collections.promises import plain_text

# only these may be changed by hand; the rest is the run's record of what it did
EDITABLE_FIELDS = ("note",)
UNIQUE_CONSTRAINT = "unique_invoice_schedule_row_step"


class CollectionAction(Document):
	# begin: auto-generated types
	# This code is auto-generated. Do not modify anything in this block.

	from typing import TYPE_CHECKING

	if TYPE_CHECKING:
		from frappe.types import DF

		action: DF.Literal["Email Reminder", "Create ToDo", "Create Dunning", "Credit Hold", "Escalate"]
		action_date: DF.Date | None
		assigned_to: DF.Link | None
		company: DF.Link | None
		customer: DF.Link | None
		day_offset: DF.Int
		due_date: DF.Date | None
		error: DF.SmallText | None
		note: DF.SmallText | None
		payment_schedule: DF.Data | None
		reference_doctype: DF.Link | None
		reference_name: DF.DynamicLink | None
		rule: DF.Link | None
		sales_invoice: DF.Link
		status: DF.Literal["Pending", "Open", "Completed", "Closed", "Failed", "Cancelled"]
		step: DF.Data | None
	# end: auto-generated types

	def before_insert(self):
		# NULL never collides in a unique index: "no schedule row" must be a value
		self.payment_schedule = self.payment_schedule or core.NO_SCHEDULE_ROW
		self.step = self.step or ""

	def validate(self):
		if self.note:
			self.note = plain_text(self.note)
		if self.is_new():
			return
		before = self.get_doc_before_save()
		if not before or _can_edit_log():
			return
		changed = [
			_(self.meta.get_label(field.fieldname))
			for field in self.meta.fields
			if field.fieldtype in data_fieldtypes
			and field.fieldname not in EDITABLE_FIELDS
			and self.get(field.fieldname) != before.get(field.fieldname)
		]
		if changed:
			frappe.throw(
				_("Only a Collections Manager can change {0} of a Collection Action.").format(
					", ".join(changed)
				),
				frappe.PermissionError,
			)


def _can_edit_log() -> bool:
	return bool({"Collections Manager", "System Manager"} & set(frappe.get_roles()))


def on_doctype_update():
	# Each step once per invoice and payment-schedule row, even under concurrent runs.
	frappe.db.add_unique(
		"Collection Action", ["sales_invoice", "payment_schedule", "step"], UNIQUE_CONSTRAINT
	)
