"""Released / delivered / billed quantities of scheduling agreements, recomputed from the submitted
Sales Orders, Delivery Notes and Sales Invoices that carry the agreement on their item rows.

Recomputing (instead of adding and subtracting on each event) makes a repeated or missed event
harmless: the next refresh writes the same numbers. A refresh costs a fixed number of queries
whatever the number of agreements, items, lines or documents.

A document event refreshes twice (`refresh_in_step`): at once, so the submitting transaction and
its user see the new figures, and again right after it commits. The first refresh reads the
transaction's snapshot (MariaDB's REPEATABLE READ), which does not show documents another
transaction committed meanwhile: of two orders submitted at the same moment the later would write
totals without the earlier one. The second refresh takes the agreement's lock before it reads
anything, so its snapshot starts after every transaction that held the lock before it committed:
the last one to commit writes totals that count them all.
"""

from collections import defaultdict
from collections.abc import Iterable
from functools import partial

import frappe
from frappe.utils import getdate, now, nowdate

from o2c_extension.order_to_cash.transaction import transaction_memo
from o2c_extension.scheduling.cumulative_totals import AgreementItem, Flow, compute_cumulatives
from o2c_extension.scheduling.db import (
	AGREEMENT,
	AGREEMENT_ITEM,
	CREDIT_REJECTED,
	SCHEDULE_LINE,
	bulk_update,
	live_order,
	qty_precision,
)
from o2c_extension.scheduling.locks import lock_agreement_items
from o2c_extension.scheduling.schedule_lines import ScheduleLine


def read_flows(
	agreements: list[str], exclude_order: str | None = None, orders_only: bool = False
) -> dict[str, list[Flow]]:
	"""Per agreement, the quantities (stock units) of its submitted documents, grouped by item and
	schedule line. Three aggregate queries (one with `orders_only`), whatever the number of
	documents."""
	flows: dict[str, list[Flow]] = defaultdict(list)
	if not agreements:
		return flows
	values = {
		"agreements": tuple(agreements),
		"exclude": exclude_order or "",
		"credit_rejected": CREDIT_REJECTED,
	}

	# a Closed order releases only what it delivered, and so does one whose credit was rejected; a
	# rejected order (cancelled later or not) is no order of its line: the line is Open again
	for row in frappe.db.sql(
		f"""
		select soi.scheduling_agreement, soi.item_code, soi.schedule_line,
			sum(case when so.docstatus = 1 then
				(case when so.status = 'Closed' or not {live_order()}
					then soi.delivered_qty * soi.conversion_factor
				else soi.stock_qty end) else 0 end),
			max(case when {live_order()} then so.name end),
			max(case when so.docstatus = 2 and ifnull(so.credit_status, '') != %(credit_rejected)s
				then so.name end)
		from `tabSales Order Item` soi
		join `tabSales Order` so on so.name = soi.parent
		where soi.scheduling_agreement in %(agreements)s and so.docstatus > 0 and so.name != %(exclude)s
		group by soi.scheduling_agreement, soi.item_code, soi.schedule_line
		""",
		values,
	):
		flows[row[0]].append(
			Flow(
				row[1],
				row[2] or None,
				called_off=float(row[3] or 0),
				sales_order=row[4],
				cancelled_order=row[5],
			)
		)
	if orders_only:
		return flows

	for row in frappe.db.sql(
		"""
		select dni.scheduling_agreement, dni.item_code, dni.schedule_line, sum(dni.stock_qty)
		from `tabDelivery Note Item` dni
		where dni.scheduling_agreement in %(agreements)s and dni.docstatus = 1
		group by dni.scheduling_agreement, dni.item_code, dni.schedule_line
		""",
		values,
	):
		flows[row[0]].append(Flow(row[1], row[2] or None, delivered=float(row[3] or 0)))

	# an invoice that updates stock is also the delivery
	for row in frappe.db.sql(
		"""
		select sii.scheduling_agreement, sii.item_code, sii.schedule_line, sum(sii.stock_qty),
			sum(case when si.update_stock = 1 then sii.stock_qty else 0 end)
		from `tabSales Invoice Item` sii
		join `tabSales Invoice` si on si.name = sii.parent
		where sii.scheduling_agreement in %(agreements)s and sii.docstatus = 1
		group by sii.scheduling_agreement, sii.item_code, sii.schedule_line
		""",
		values,
	):
		flows[row[0]].append(
			Flow(row[1], row[2] or None, billed=float(row[3] or 0), delivered=float(row[4] or 0))
		)
	return flows


def read_agreements(names: list[str]):
	"""Headers, items and schedule lines of submitted agreements: three queries."""
	headers = frappe.db.sql(
		"""
		select name, docstatus, valid_to, status, per_released, per_delivered, per_billed
		from `tabScheduling Agreement` where name in %(names)s and docstatus = 1
		""",
		{"names": tuple(names)},
		as_dict=True,
	)
	if not headers:
		return [], {}, {}
	submitted = tuple(header.name for header in headers)
	items: dict[str, list] = defaultdict(list)
	for row in frappe.db.sql(
		"""
		select parent, name, item_code, agreed_qty, conversion_factor,
			scheduled_qty, released_qty, delivered_qty, billed_qty
		from `tabScheduling Agreement Item` where parent in %(names)s order by parent, idx
		""",
		{"names": submitted},
		as_dict=True,
	):
		items[row.parent].append(row)
	lines: dict[str, list] = defaultdict(list)
	for row in frappe.db.sql(
		"""
		select parent, name, item_code, schedule_date, qty, line_type, status,
			released_qty, delivered_qty, billed_qty, sales_order
		from `tabScheduling Agreement Schedule Line` where parent in %(names)s order by parent, idx
		""",
		{"names": submitted},
		as_dict=True,
	):
		lines[row.parent].append(row)
	return headers, items, lines


def refresh_agreements(names: Iterable[str], today=None) -> None:
	"""Recompute cumulatives, line statuses and agreement status of the given agreements and write
	the rows whose values changed."""
	names = sorted({name for name in names if name})
	if not names:
		return
	today = getdate(today or nowdate())
	precision = qty_precision()
	headers, items, lines = read_agreements(names)
	if not headers:
		return
	flows = read_flows([header.name for header in headers])

	item_updates, line_updates, header_updates = {}, {}, {}
	for header in headers:
		agreement_items = [
			AgreementItem(
				row.name, row.item_code, float(row.agreed_qty or 0), float(row.conversion_factor or 1)
			)
			for row in items[header.name]
		]
		schedule = [
			ScheduleLine(
				row.item_code, row.schedule_date, float(row.qty or 0), row.line_type, row.status, row.name
			)
			for row in lines[header.name]
		]
		totals = compute_cumulatives(
			agreement_items, schedule, flows[header.name], header.docstatus, header.valid_to, today, precision
		)

		for row in items[header.name]:
			values = {
				"scheduled_qty": totals.scheduled_qty[row.name],
				"released_qty": totals.items[row.name].released_qty,
				"delivered_qty": totals.items[row.name].delivered_qty,
				"billed_qty": totals.items[row.name].billed_qty,
			}
			if _changed(row, values):
				item_updates[row.name] = values
		for row in lines[header.name]:
			values = totals.lines[row.name]
			if _changed(row, values):
				line_updates[row.name] = values
		values = {
			"status": totals.status,
			"per_released": totals.per_released,
			"per_delivered": totals.per_delivered,
			"per_billed": totals.per_billed,
		}
		touched = any(row.name in item_updates for row in items[header.name]) or any(
			row.name in line_updates for row in lines[header.name]
		)
		if touched or _changed(header, values):
			header_updates[header.name] = values

	bulk_update(AGREEMENT_ITEM, item_updates)
	bulk_update(SCHEDULE_LINE, line_updates)
	# touching `modified` makes a form opened before this change refuse to overwrite it
	bulk_update(AGREEMENT, header_updates, modified=now())


def refresh_in_step(names: Iterable[str]) -> None:
	"""Refresh now, and once more right after this transaction commits (see the module docstring)."""
	names = {name for name in names if name}
	if not names:
		return
	refresh_agreements(names)
	pending = transaction_memo("o2c_agreements_to_refresh_after_commit")
	if not pending:
		frappe.db.after_commit.add(partial(_refresh_after_commit, pending))
	pending.update(dict.fromkeys(names))


def _refresh_after_commit(pending: dict) -> None:
	names = sorted(pending)
	try:
		# a plain COMMIT, not frappe.db.commit(), which would run the remaining callbacks now: end
		# the transaction Frappe began after committing, so the locking read below comes first in
		# a new one and the snapshot the refresh reads is taken once the lock is ours
		frappe.db.sql("commit")
		lock_agreement_items(names)
		refresh_agreements(names)
		frappe.db.commit()
	except Exception:
		# the documents are committed; the figures are put right by the next event or daily refresh
		frappe.db.sql("rollback")
		frappe.log_error(title="o2c_extension: agreement refresh after commit", defer_insert=True)


def _changed(row, values: dict) -> bool:
	for fieldname, value in values.items():
		current = row.get(fieldname)
		if isinstance(value, float):
			if abs(float(current or 0) - value) > 1e-9:
				return True
		elif (current or None) != (value or None):
			return True
	return False


def agreements_of(doc) -> set[str]:
	"""The agreements a transaction refers to, on its header or any item row."""
	names = {row.get("scheduling_agreement") for row in doc.get("items") or []}
	names.add(doc.get("scheduling_agreement"))
	names.discard(None)
	names.discard("")
	return names
