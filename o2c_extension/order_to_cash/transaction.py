"""State that lasts exactly one database transaction."""

import frappe
from frappe.utils import flt


def transaction_memo(name: str) -> dict:
	"""A dict kept on `frappe.local` under `name` until the current transaction commits or rolls
	back (a rollback to a savepoint keeps it)."""
	memo = getattr(frappe.local, name, None)
	if memo is None:
		memo = {}
		setattr(frappe.local, name, memo)

		def forget():
			setattr(frappe.local, name, None)

		frappe.db.after_commit.add(forget)
		frappe.db.after_rollback.add(forget)
	return memo


def unseen_since_snapshot(memo_name: str, latest: dict, seen: dict) -> dict:
	"""Per key, what an only-growing tally gained in transactions this one's snapshot does not
	show: its latest committed value (read under the lock) less the value the snapshot shows.

	Once we hold the lock nobody else can add to the tally until we end. But our own increment is
	made on the latest value, after which the snapshot read shows it and the difference reads 0,
	while the documents behind the unseen part are still invisible: the first difference is kept
	(in the transaction memo `memo_name`) for the rest of the transaction."""
	unseen = transaction_memo(memo_name)
	for key, value in latest.items():
		unseen[key] = max(unseen.get(key, 0.0), flt(value) - flt(seen.get(key)))
	return unseen
