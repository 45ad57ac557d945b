"""Serialising tolerance checks per scheduling agreement.

The check that a Sales Order keeps an item within agreed × (1 + tolerance) locks the agreement's
item rows (SELECT ... FOR UPDATE) before it reads what is already released; the lock is held until
the checking transaction commits or rolls back, so a second check on the same agreement waits.
Item rows are the agreement's lock because every writer takes them first: `lock_schedule` (items,
lines, header) and a cumulative refresh (writes items, lines, header in that order), so a check
cannot deadlock with either.

As in credit_control/locks.py, the lock alone is not enough on MariaDB's REPEATABLE READ: the
waiting transaction took its read snapshot earlier, so after the first one commits it still cannot
see that order. Every passing check therefore adds what it released to the item's `release_tally`
in the same transaction, and a check reads the tally twice: with the locking read (the latest
committed value) and from its snapshot. The difference is released by transactions it cannot see;
the check counts it as released. The tally only ever grows: only differences are read, never its
value.
"""

from __future__ import annotations

from collections.abc import Iterable

import frappe
from frappe.query_builder import Case
from frappe.utils import flt

from o2c_extension.order_to_cash.transaction import unseen_since_snapshot
from o2c_extension.scheduling.db import AGREEMENT_ITEM


def lock_agreements(agreements: Iterable[str]) -> dict[tuple[str, str], frappe._dict]:
	"""Take the tolerance lock of the agreements (all their item rows, in name order, so two checks
	on several agreements cannot deadlock). Returns per (agreement, item_code) the item row, as last
	committed (`name`, `agreed_qty`, `conversion_factor`), with `unseen`: the quantity (agreement
	UOM) released by committed transactions this transaction's snapshot does not show."""
	latest = lock_agreement_items(agreements)
	if not latest:
		return {}
	seen = dict(
		frappe.db.sql(
			f"select name, release_tally from `tab{AGREEMENT_ITEM}` where name in %(names)s",
			{"names": tuple(row.name for row in latest)},
		)
	)
	unseen = unseen_since_snapshot(
		"o2c_unseen_release", {row.name: row.release_tally for row in latest}, seen
	)
	rows = {}
	for row in latest:
		row.unseen = unseen[row.name]
		rows[(row.parent, row.item_code)] = row
	return rows


def lock_agreement_items(agreements: Iterable[str]) -> list[frappe._dict]:
	"""Lock the agreements' item rows (in name order) and return them as last committed."""
	names = tuple(sorted({name for name in agreements if name}))
	if not names:
		return []
	return frappe.db.sql(
		f"""select name, parent, item_code, agreed_qty, conversion_factor, release_tally
		from `tab{AGREEMENT_ITEM}` where parent in %(names)s order by parent, idx for update""",
		{"names": names},
		as_dict=True,
	)


def record_released(quantities: dict[str, float]) -> None:
	"""Add to the tallies what this transaction released, per agreement item row name (agreement
	UOM). Call while holding the agreements' locks. One statement."""
	quantities = {name: flt(qty) for name, qty in quantities.items() if flt(qty) > 0}
	if not quantities:
		return
	table = frappe.qb.DocType(AGREEMENT_ITEM)
	increment = Case()
	for name, qty in quantities.items():
		increment = increment.when(table.name == name, qty)
	(
		frappe.qb.update(table)
		.set(table.release_tally, table.release_tally + increment.else_(0))
		.where(table.name.isin(list(quantities)))
		.run()
	)
