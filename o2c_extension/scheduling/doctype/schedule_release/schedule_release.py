# Copyright (c) 2026, o2c_extension developers
# For license information, please see license.txt

"""One customer release for a scheduling agreement.

Saved, it shows what it would change (a preview against the agreement's current schedule);
submitted, it replaces the agreement's Open lines and records what it changed. Cancelling the
latest release puts the lines back, as long as none of them has been called off since.
"""

from dataclasses import replace

import frappe
from frappe import _
from frappe.model.document import Document
from frappe.utils import flt, now_datetime

from o2c_extension.scheduling import core
from o2c_extension.scheduling.cumulatives import refresh_agreements
from o2c_extension.scheduling.db import AGREEMENT, qty_precision
from o2c_extension.scheduling.messages import SchedulingInputError, csv_read_message
from o2c_extension.scheduling.release import csv_text_of, read_lines, release_agreement
from o2c_extension.scheduling.schedule import lock_schedule, new_line_name, read_schedule, rewrite_schedule


class ScheduleRelease(Document):
	def validate(self):
		if self.docstatus == 0:
			self.status = "Draft"
		self.release_no = (self.release_no or "").strip()
		agreement = release_agreement(self.scheduling_agreement)
		self.refuse_duplicate_release_no()
		if not self.lines and (self.csv_text or self.csv_file):
			self.load_lines_from_csv(agreement)
		lines = read_lines(agreement, self.raw_lines(), _("Release line"))
		merge = core.merge_release(read_schedule(agreement.name), lines, qty_precision())
		self.record(merge)
		if self.docstatus == 0:
			self.warn_over_agreed(agreement, merge)

	def before_submit(self):
		lock_schedule(self.scheduling_agreement)
		# after the lock: another release of the same number may have been applied meanwhile
		self.refuse_duplicate_release_no(for_update=True)
		agreement = release_agreement(self.scheduling_agreement)
		lines = read_lines(agreement, self.raw_lines(), _("Release line"))
		merge = core.merge_release(read_schedule(agreement.name, for_update=True), lines, qty_precision())
		merge.added = [replace(line, name=new_line_name()) for line in merge.added]
		self.record(merge)
		rewrite_schedule(
			agreement.name,
			delete=[line.name for line in merge.removed],
			update={
				old.name: {"qty": new.qty, "line_type": new.line_type, "schedule_release": self.name}
				for old, new in merge.changed
			},
			insert=merge.added,
			schedule_release=self.name,
		)
		self.status = "Applied"
		self.applied_on = now_datetime()

	def on_submit(self):
		frappe.db.set_value(
			AGREEMENT,
			self.scheduling_agreement,
			{"last_release_no": self.release_no, "last_release_date": self.release_date},
		)
		refresh_agreements([self.scheduling_agreement])

	def before_cancel(self):
		"""Check everything before the first write: only the latest release, lines still as it left them."""
		if frappe.db.get_value(AGREEMENT, self.scheduling_agreement, "docstatus") != 1:
			frappe.throw(
				_("Scheduling Agreement {0} is not submitted; its releases cannot be undone.").format(
					self.scheduling_agreement
				)
			)
		lock_schedule(self.scheduling_agreement)
		later = frappe.db.sql(
			"""select name from `tabSchedule Release`
			where scheduling_agreement = %s and docstatus = 1 and name != %s and applied_on > %s
			order by applied_on desc limit 1 for update""",
			(self.scheduling_agreement, self.name, self.applied_on),
		)
		if later:
			frappe.throw(
				_(
					"Only the latest release of an agreement can be cancelled; {0} was applied after this one."
				).format(later[0][0]),
				title=_("Not the Latest Release"),
			)
		self._revert = core.plan_revert(
			read_schedule(self.scheduling_agreement, for_update=True), self.line_changes(), qty_precision()
		)
		if self._revert.conflicts:
			frappe.throw(
				_(
					"The release cannot be undone: these lines were called off or changed since it was applied:"
				)
				+ "<br>"
				+ "<br>".join(
					f"{change.item_code} · {frappe.format(change.schedule_date, 'Date')}"
					for change in self._revert.conflicts
				),
				title=_("Release Already Used"),
			)

	def on_cancel(self):
		# the agreement's lines point back at the release that set them; that must not block a
		# cancel (Frappe reads this from the instance, right after on_cancel)
		self.ignore_linked_doctypes = ("Scheduling Agreement",)
		plan = self._revert
		rewrite_schedule(
			self.scheduling_agreement,
			delete=plan.delete,
			update={
				name: {"qty": qty, "line_type": line_type, "schedule_release": None}
				for name, (qty, line_type) in plan.restore.items()
			},
			insert=[replace(line, name=new_line_name()) for line in plan.reinsert],
			schedule_release=None,
		)
		previous = (
			frappe.db.get_value(
				"Schedule Release",
				{
					"scheduling_agreement": self.scheduling_agreement,
					"docstatus": 1,
					"name": ("!=", self.name),
				},
				["release_no", "release_date"],
				order_by="applied_on desc",
				as_dict=True,
			)
			or frappe._dict()
		)
		frappe.db.set_value(
			AGREEMENT,
			self.scheduling_agreement,
			{"last_release_no": previous.release_no, "last_release_date": previous.release_date},
		)
		self.db_set("status", "Cancelled")
		refresh_agreements([self.scheduling_agreement])

	# ------------------------------------------------------------------------------------------

	def refuse_duplicate_release_no(self, for_update: bool = False):
		lock = " for update" if for_update else ""
		existing = frappe.db.sql(
			f"""select name from `tabSchedule Release`
			where scheduling_agreement = %s and release_no = %s and docstatus < 2 and name != %s{lock}""",
			(self.scheduling_agreement, self.release_no, self.name or ""),
		)
		if existing:
			frappe.throw(
				_("Release {0} of Scheduling Agreement {1} has already been imported ({2}).").format(
					frappe.bold(self.release_no), self.scheduling_agreement, existing[0][0]
				),
				SchedulingInputError,
				title=_("Duplicate Release"),
			)

	def load_lines_from_csv(self, agreement):
		try:
			rows = core.parse_release_csv(csv_text_of(self))
		except core.CsvReadError as error:
			frappe.throw(csv_read_message(error), SchedulingInputError, title=_("Invalid Release"))
		lines = read_lines(agreement, rows, _("CSV line"))
		for line in lines:
			self.append(
				"lines",
				{
					"item_code": line.item_code,
					"schedule_date": line.schedule_date,
					"qty": line.qty,
					"line_type": line.line_type,
				},
			)

	def raw_lines(self) -> list[dict]:
		return [
			{
				"row": row.idx,
				"item_code": row.item_code,
				"schedule_date": row.schedule_date,
				"qty": row.qty,
				"line_type": row.line_type,
			}
			for row in self.lines
		]

	def record(self, merge: core.ReleaseMerge):
		self.lines_added = len(merge.added)
		self.lines_changed = len(merge.changed)
		self.lines_removed = len(merge.removed)
		self.lines_unchanged = len(merge.unchanged)
		self.set(
			"changes",
			[
				{
					"change_type": change.change_type,
					"item_code": change.item_code,
					"schedule_date": change.schedule_date,
					"old_qty": change.old_qty,
					"new_qty": change.new_qty,
					"old_line_type": change.old_line_type,
					"new_line_type": change.new_line_type,
					"schedule_line": change.line_name,
				}
				for change in merge.changes
			],
		)
		self.set(
			"item_deltas",
			[
				{
					"item_code": item_code,
					"old_open_qty": before,
					"new_open_qty": after,
					"qty_delta": flt(after - before, qty_precision()),
				}
				for item_code, (before, after) in merge.item_deltas.items()
			],
		)

	def line_changes(self) -> list[core.LineChange]:
		return [
			core.LineChange(
				row.change_type,
				row.item_code,
				core.parse_date(row.schedule_date),
				flt(row.old_qty),
				flt(row.new_qty),
				row.old_line_type or None,
				row.new_line_type or None,
				row.schedule_line or None,
			)
			for row in self.changes
		]

	def warn_over_agreed(self, agreement, merge: core.ReleaseMerge):
		"""The release may ask for more than agreed; the call-off will stop at the tolerance."""
		scheduled: dict[str, float] = {}
		for line in merge.lines:
			if line.status != core.CANCELLED:
				scheduled[line.item_code] = scheduled.get(line.item_code, 0) + line.qty
		for item_code, qty in scheduled.items():
			limit = core.release_limit(
				flt(agreement.agreed_items[item_code].agreed_qty),
				flt(agreement.tolerance_percent),
				qty_precision(),
			)
			if qty > limit:
				frappe.msgprint(
					_(
						"Item {0}: the schedule would total {1}, more than the {2} the agreement allows; "
						"Sales Orders beyond that will be refused."
					).format(frappe.bold(item_code), flt(qty, qty_precision()), limit),
					indicator="orange",
					alert=True,
				)
