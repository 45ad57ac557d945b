"""State that lasts exactly one database transaction."""

import frappe


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
