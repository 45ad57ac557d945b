"""A Collection Action's `step` is the step's identity (rule, day offset, action: see
`core.step_identity`), no longer the name of the Collections Rule Step row, which changes when a
rule's steps are re-saved or typed again. Log entries made before get their identity from the
rule, day offset and action they recorded. Where a re-saved rule had already applied the same step
twice to the same payment term, the earliest applied entry takes the identity and the repeats
keep a name of their own (their history stays; they count as done once).

Dispute reasons stored before the app kept user text as plain text are escaped the same way
(`promises.plain_text`), so none is shown as live HTML.
"""

import frappe

from o2c_extension.collections import core
from o2c_extension.collections.promises import plain_text


def execute():
	migrate_step_identity()
	escape_dispute_reasons()


def migrate_step_identity():
	action = frappe.qb.DocType("Collection Action")
	rows = (
		frappe.qb.from_(action)
		.select(
			action.name,
			action.sales_invoice,
			action.payment_schedule,
			action.rule,
			action.day_offset,
			action.action,
			action.step,
			action.status,
			action.creation,
		)
		.where(action.rule.isnotnull() & (action.rule != ""))
		.orderby(action.creation)
		.run(as_dict=True)
	)
	updates = new_step_keys(rows)
	frappe.db.bulk_update("Collection Action", updates, update_modified=False)


def new_step_keys(rows: list) -> dict[str, dict]:
	"""{log entry: {"step": its identity}} for the entries still keyed by a step row's name."""
	taken = {
		(row.sales_invoice, row.payment_schedule or "", row.step)
		for row in rows
		if row.step == core.step_identity(row.rule, row.day_offset, row.action)
	}
	ordered = sorted(rows, key=lambda row: (row.status not in core.APPLIED_STATUSES, row.creation, row.name))
	updates = {}
	for row in ordered:
		identity = core.step_identity(row.rule, row.day_offset, row.action)
		if row.step == identity or (row.step or "").startswith(core.BROKEN_PROMISE_STEP):
			continue
		key = (row.sales_invoice, row.payment_schedule or "", identity)
		step = identity if key not in taken else f"{identity}~{row.name}"[: core.MAX_STEP_IDENTITY]
		taken.add((row.sales_invoice, row.payment_schedule or "", step))
		updates[row.name] = {"step": step}
	return updates


def escape_dispute_reasons():
	invoice = frappe.qb.DocType("Sales Invoice")
	rows = (
		frappe.qb.from_(invoice)
		.select(invoice.name, invoice.dispute_reason)
		.where(invoice.dispute_reason.like("%<%") | invoice.dispute_reason.like("%>%"))
		.run(as_dict=True)
	)
	frappe.db.bulk_update(
		"Sales Invoice",
		{row.name: {"dispute_reason": plain_text(row.dispute_reason)} for row in rows},
		update_modified=False,
	)
