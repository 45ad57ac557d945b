"""Reading and rewriting a submitted agreement's schedule lines, set-based: a release that replaces
hundreds of lines costs a handful of statements, not one per line."""

import frappe
from frappe.utils import now

from o2c_extension.scheduling.db import SCHEDULE_LINE, bulk_update, chunks, insert_rows
from o2c_extension.scheduling.schedule_lines import FORECAST_RELEASE, OPEN, ScheduleLine


def lock_schedule(agreement: str) -> dict[str, str]:
	"""Serialise work on one agreement's schedule (releases, call-off). Items, lines, header: the
	order in which a cumulative refresh writes them, so the two cannot deadlock. Returns the
	status of every line as last committed (a locking read, not the transaction's snapshot)."""
	frappe.db.sql("select name from `tabScheduling Agreement Item` where parent = %s for update", agreement)
	statuses = dict(
		frappe.db.sql(
			"select name, status from `tabScheduling Agreement Schedule Line` where parent = %s for update",
			agreement,
		)
	)
	frappe.db.sql("select name from `tabScheduling Agreement` where name = %s for update", agreement)
	return statuses


def schedule_rows(agreement: str, for_update: bool = False) -> list[frappe._dict]:
	"""The agreement's schedule lines as stored, in their order, with the order that released each
	and the release that added it."""
	# a locking read sees the latest committed lines, not the transaction's snapshot
	lock = " for update" if for_update else ""
	return frappe.db.sql(
		f"""select name, item_code, schedule_date, qty, line_type, status, released_qty, delivered_qty,
			billed_qty, sales_order, schedule_release, release_type
		from `tabScheduling Agreement Schedule Line` where parent = %s order by idx{lock}""",
		agreement,
		as_dict=True,
	)


def read_schedule(agreement: str, for_update: bool = False) -> list[ScheduleLine]:
	return [
		ScheduleLine(
			row.item_code,
			row.schedule_date,
			float(row.qty or 0),
			row.line_type,
			row.status,
			row.name,
			float(row.released_qty or 0),
			float(row.delivered_qty or 0),
			row.release_type or FORECAST_RELEASE,
			row.schedule_release or None,
		)
		for row in schedule_rows(agreement, for_update)
	]


def new_line_name() -> str:
	return frappe.generate_hash(length=10)


def rewrite_schedule(
	agreement: str,
	delete: list[str],
	update: dict[str, dict],
	insert: list[ScheduleLine],
	schedule_release: str | None,
) -> None:
	"""Delete, update and insert schedule lines of a submitted agreement, then number the lines by
	date again. Inserted lines must carry their `name`; they point at `schedule_release` unless they
	name their own (a line a cancelled release puts back)."""
	timestamp = now()
	for batch in chunks(delete):
		frappe.db.delete(SCHEDULE_LINE, {"name": ("in", batch), "parent": agreement})
	bulk_update(SCHEDULE_LINE, update, modified=timestamp)
	if insert:
		user = frappe.session.user
		insert_rows(
			SCHEDULE_LINE,
			[
				"name",
				"creation",
				"modified",
				"owner",
				"modified_by",
				"docstatus",
				"idx",
				"parent",
				"parenttype",
				"parentfield",
				"item_code",
				"schedule_date",
				"qty",
				"line_type",
				"status",
				"released_qty",
				"delivered_qty",
				"billed_qty",
				"schedule_release",
				"release_type",
			],
			[
				(
					line.name,
					timestamp,
					timestamp,
					user,
					user,
					1,
					0,
					agreement,
					"Scheduling Agreement",
					"schedule",
					line.item_code,
					line.schedule_date,
					line.qty,
					line.line_type,
					OPEN,
					0,
					0,
					0,
					line.schedule_release or schedule_release,
					line.release_type,
				)
				for line in insert
			],
		)
	renumber_schedule(agreement)


def renumber_schedule(agreement: str) -> None:
	rows = frappe.db.sql(
		"""select name, idx from `tabScheduling Agreement Schedule Line` where parent = %s
		order by schedule_date, item_code, line_type, creation, name""",
		agreement,
		as_dict=True,
	)
	bulk_update(
		SCHEDULE_LINE,
		{row.name: {"idx": index} for index, row in enumerate(rows, start=1) if row.idx != index},
	)
