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
from frappe.utils import flt, getdate, now_datetime

from o2c_extension.scheduling.cumulative_position import (
	delivered_after_notes,
	item_positions,
	latest_jit_release,
)
from o2c_extension.scheduling.cumulative_totals import compare_cumulatives
from o2c_extension.scheduling.cumulatives import refresh_agreements
from o2c_extension.scheduling.db import AGREEMENT, insert_child_rows_in_bulk, qty_precision
from o2c_extension.scheduling.input_checks import Problem, parse_date
from o2c_extension.scheduling.messages import SchedulingInputError, csv_read_message, throw_problems
from o2c_extension.scheduling.release import (
	csv_text_of,
	read_lines,
	read_statements,
	release_agreement,
	statement_row,
)
from o2c_extension.scheduling.release_csv import CsvReadError, parse_release_csv, statement_rows
from o2c_extension.scheduling.release_merge import (
	ItemPosition,
	JitWindow,
	LineChange,
	ReleaseMerge,
	merge_release,
	plan_revert,
)
from o2c_extension.scheduling.schedule import lock_schedule, new_line_name, read_schedule, rewrite_schedule
from o2c_extension.scheduling.schedule_lines import CANCELLED, FORECAST_RELEASE
from o2c_extension.scheduling.tolerance import release_limit


class ScheduleRelease(Document):
	def db_insert(self, *args, **kwargs):
		super().db_insert(*args, **kwargs)
		# thousands of lines (an EDIFACT delivery schedule) and changes: one statement per table
		insert_child_rows_in_bulk(self)

	def validate(self):
		if self.docstatus == 0:
			self.status = "Draft"
		self.release_no = (self.release_no or "").strip()
		self.release_type = self.release_type or FORECAST_RELEASE
		agreement = release_agreement(self.scheduling_agreement)
		self.customer, self.company = agreement.customer, agreement.company
		self.refuse_duplicate_release_no()
		if not self.lines and (self.csv_text or self.csv_file):
			self.load_lines_from_csv(agreement)
		if self.docstatus == 1:
			return  # being submitted: before_submit reconciles, under the agreement's lock
		lines = read_lines(agreement, self.raw_lines(), _("Release line"))
		statements = read_statements(agreement, self.raw_items(), _("Release item"))
		merge = self.reconcile(agreement, lines, statements)
		self.warn_over_agreed(agreement, merge)
		self.warn_over_released(merge)

	def before_submit(self):
		lock_schedule(self.scheduling_agreement)
		# after the lock: another release of the same number may have been applied meanwhile
		self.refuse_duplicate_release_no(for_update=True)
		agreement = release_agreement(self.scheduling_agreement)
		lines = read_lines(agreement, self.raw_lines(), _("Release line"))
		statements = read_statements(agreement, self.raw_items(), _("Release item"))
		merge = self.reconcile(agreement, lines, statements, for_update=True)
		merge.added = [replace(line, name=new_line_name()) for line in merge.added]
		self.record(merge)
		rewrite_schedule(
			agreement.name,
			delete=[line.name for line in merge.removed],
			update={
				old.name: {
					"qty": new.qty,
					"line_type": new.line_type,
					"release_type": new.release_type,
					"schedule_release": self.name,
				}
				for old, new in merge.changed
			},
			insert=merge.added,
			schedule_release=self.name,
		)
		self.status = "Applied"
		self.applied_on = now_datetime()
		self.warn_over_released(merge)

	def reconcile(self, agreement, lines, statements, for_update: bool = False) -> ReleaseMerge:
		"""Merge the release into the schedule by cumulative quantity (release_merge.py) and record
		on the release, per item, the customer's cumulative received beside ours delivered."""
		precision = qty_precision()
		since = getdate(agreement.cumulative_reset_date or agreement.valid_from)
		ours = item_positions(agreement.name, since)
		stated = {statement.item_code: statement for statement in statements}
		problems = [
			Problem(
				"received_more_than_delivered",
				value=(
					item_code,
					statement.cumulative_received_qty,
					flt(ours.get(item_code, (0, 0))[1], precision),
					since,
				),
			)
			for item_code, statement in stated.items()
			if statement.cumulative_received_qty is not None
			and flt(statement.cumulative_received_qty, precision)
			> flt(ours.get(item_code, (0, 0))[1], precision)
		]
		throw_problems(problems, _("Release item"), _("Invalid Release"), agreement=agreement.name)

		positions = {}
		for item_code in set(agreement.agreed_items):
			called_off, delivered = ours.get(item_code, (0.0, 0.0))
			statement = stated.get(item_code)
			received = (
				statement.cumulative_received_qty
				if statement and statement.cumulative_received_qty is not None
				else delivered
			)
			positions[item_code] = ItemPosition(received, max(called_off, delivered))
		jit = None
		if self.release_type == FORECAST_RELEASE:
			_jit_release, jit_lines = latest_jit_release(agreement.name, exclude=self.name)
			if jit_lines:
				need = {}
				for item_code, schedule_date, qty in jit_lines:
					need.setdefault(item_code, []).append((schedule_date, qty))
				jit = JitWindow(min(line[1] for line in jit_lines), max(line[1] for line in jit_lines), need)
		merge = merge_release(
			read_schedule(agreement.name, for_update=for_update),
			lines,
			precision,
			release_type=self.release_type,
			positions=positions,
			jit=jit,
		)
		after_note = delivered_after_notes(
			agreement.name,
			{
				item: statement.last_delivery_note
				for item, statement in stated.items()
				if statement.last_delivery_note
			},
			since,
		)
		self.record(merge)
		self.record_cumulatives(agreement, merge, stated, ours, after_note, positions)
		return merge

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
		self._revert = plan_revert(
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
		# a removed line comes back under its own name, unless (a release recorded long ago) the
		# name was given to another line since
		taken = set(
			frappe.get_all(
				"Scheduling Agreement Schedule Line",
				filters={"name": ("in", [line.name for line in plan.reinsert if line.name] or [""])},
				pluck="name",
			)
		)
		rewrite_schedule(
			self.scheduling_agreement,
			delete=plan.delete,
			# every line as it was before this release: quantity, line type, release type and the
			# release that had set it
			update={
				name: {
					"qty": qty,
					"line_type": line_type,
					"schedule_release": schedule_release,
					**({"release_type": release_type} if release_type else {}),
				}
				for name, (qty, line_type, release_type, schedule_release) in plan.restore.items()
			},
			insert=[
				line if line.name and line.name not in taken else replace(line, name=new_line_name())
				for line in plan.reinsert
			],
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
			rows = parse_release_csv(csv_text_of(self))
		except CsvReadError as error:
			frappe.throw(csv_read_message(error), SchedulingInputError, title=_("Invalid Release"))
		lines = read_lines(agreement, rows, _("CSV line"))
		if not self.get("items"):
			for statement in read_statements(agreement, statement_rows(rows), _("CSV line")):
				self.append("items", statement_row(statement))
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

	def record(self, merge: ReleaseMerge):
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
					"old_release_type": change.old_release_type,
					"schedule_line": change.line_name,
					"old_schedule_release": change.old_schedule_release,
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

	def record_cumulatives(self, agreement, merge, stated, ours, after_note, positions):
		"""One row per item the release names or states: the customer's cumulative received and
		last delivery note, ours delivered and called off since the reset date, the difference,
		what of it deliveries after the note explain, and what is called off beyond the need."""
		precision = qty_precision()
		items = sorted(set(stated) | set(merge.cumulative_need) | set(merge.over_released))
		rows = []
		for item_code in items:
			statement = stated.get(item_code)
			_called_off, delivered = ours.get(item_code, (0.0, 0.0))
			row = {
				"item_code": item_code,
				"customer_item_code": agreement.agreed_items[item_code].customer_item_code,
				"cumulative_received_qty": statement.cumulative_received_qty if statement else None,
				"cumulative_received_given": int(
					bool(statement) and statement.cumulative_received_qty is not None
				),
				"last_delivery_note": statement.last_delivery_note if statement else None,
				"cumulative_delivered_qty": flt(delivered, precision),
				"called_off_qty": flt(positions[item_code].called_off_qty, precision),
				"cumulative_need_qty": flt(merge.cumulative_need.get(item_code, (0, 0))[1], precision),
				"over_released_qty": flt(merge.over_released.get(item_code, 0), precision),
			}
			if statement and statement.cumulative_received_qty is not None:
				comparison = compare_cumulatives(
					item_code,
					statement.cumulative_received_qty,
					delivered,
					after_note.get(item_code) if statement.last_delivery_note else None,
					precision,
				)
				row.update(
					cumulative_difference=comparison.difference,
					delivered_after_note_qty=comparison.delivered_after_note_qty,
					unexplained_difference=comparison.unexplained_qty,
					cumulative_mismatch=int(comparison.flagged),
				)
			rows.append(row)
		self.set("items", rows)
		self.cumulative_mismatch = int(any(row.get("cumulative_mismatch") for row in rows))

	def raw_items(self) -> list[dict]:
		"""The per-item statements as entered; a cumulative received quantity counts when it was
		given (`cumulative_received_given`: a stored Float cannot tell an empty cell from a 0)."""
		return [
			{
				"row": row.idx,
				"item_code": row.item_code,
				"cumulative_received_qty": row.cumulative_received_qty
				if row.cumulative_received_given or flt(row.cumulative_received_qty)
				else None,
				"last_delivery_note": row.last_delivery_note,
			}
			for row in self.get("items") or []
		]

	def warn_over_released(self, merge: ReleaseMerge):
		"""A release that lowers the need below what is already called off says so, per item."""
		for item_code, qty in merge.over_released.items():
			frappe.msgprint(
				_(
					"Item {0}: already called off {1} more than the customer's cumulative need; "
					"over-released by {1}."
				).format(frappe.bold(item_code), flt(qty, qty_precision())),
				title=_("Over-Released"),
				indicator="orange",
			)

	def line_changes(self) -> list[LineChange]:
		return [
			LineChange(
				row.change_type,
				row.item_code,
				parse_date(row.schedule_date),
				flt(row.old_qty),
				flt(row.new_qty),
				row.old_line_type or None,
				row.new_line_type or None,
				row.schedule_line or None,
				row.old_release_type or None,
				row.old_schedule_release or None,
			)
			for row in self.changes
		]

	def warn_over_agreed(self, agreement, merge: ReleaseMerge):
		"""The release may ask for more than agreed; the call-off will stop at the tolerance."""
		scheduled: dict[str, float] = {}
		for line in merge.lines:
			if line.status != CANCELLED:
				scheduled[line.item_code] = scheduled.get(line.item_code, 0) + line.qty
		for item_code, qty in scheduled.items():
			limit = release_limit(
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
