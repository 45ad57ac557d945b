"""The receivables KPIs of a company (DSO, overdue share, CEI), kept for the day in Redis.

They are read from the company's whole Payment Ledger (`kpi.receivables_kpis`): seconds on a
company with 100,000 open invoices, while the workspace asks for them on every visit. So they are
computed once per company and day and kept in the site's Redis cache (one hash per company, one
field per day and period) until something that changes them happens:

- a Payment Ledger Entry of a customer is made (every invoice, payment, credit note, journal entry
  and reconciliation makes some: ERPNext's `create_payment_ledger_entry` submits each row);
- a Sales Invoice, Payment Entry or Journal Entry is cancelled (ERPNext delinks their ledger rows
  by a plain UPDATE, which fires no document event) or a reconciliation is undone (Unreconcile
  Payment);
- a Sales Invoice is submitted or cancelled (credit sales of the period).

The entry is dropped at once and again after the commit: a request that computed the figures
from the data before the commit cannot leave them behind. The cache is never shared between
companies (the company is the hash's key) and holds figures only: who may see them is checked on
every call, before the cache is read (`kpi._card`).
"""

from __future__ import annotations

import frappe

KEY = "o2c_kpi_receivables"
# a day's entry outlives the day by a little, then Redis drops the hash of a company nobody asks for
EXPIRES_IN_SECONDS = 2 * 24 * 3600


def _key(company: str) -> str:
	return f"{KEY}|{company}"


def _field(as_of, period_days: int) -> str:
	return f"{as_of}|{int(period_days)}"


def get(company: str, as_of, period_days: int) -> dict | None:
	"""The cached receivables KPIs of `company` for `as_of` and `period_days`, or None."""
	return frappe.cache.hget(_key(company), _field(as_of, period_days))


def put(company: str, as_of, period_days: int, values: dict) -> None:
	key = _key(company)
	frappe.cache.hset(key, _field(as_of, period_days), values)
	frappe.cache.expire(frappe.cache.make_key(key), EXPIRES_IN_SECONDS)


def invalidate(company: str | None) -> None:
	"""Drop the company's cached figures now and once more after the transaction commits."""
	if not company:
		return
	frappe.cache.delete_value(_key(company))
	pending = frappe.flags.setdefault("o2c_kpi_invalidate_after_commit", set())
	if company not in pending:
		pending.add(company)
		frappe.db.after_commit.add(lambda: _after_commit(company))
		# a rollback drops the callbacks: the next event of the company registers them again
		frappe.db.after_rollback.add(lambda: _forget(company))


def _after_commit(company: str) -> None:
	frappe.cache.delete_value(_key(company))
	_forget(company)


def _forget(company: str) -> None:
	(frappe.flags.get("o2c_kpi_invalidate_after_commit") or set()).discard(company)


# --- document events (wired in hooks.py) -------------------------------------------------------


def ledger_entry_changed(doc, method=None) -> None:
	"""Payment Ledger Entry on_submit / on_cancel: a customer's receivables moved."""
	if doc.get("party_type") == "Customer":
		invalidate(doc.get("company"))


def voucher_changed(doc, method=None) -> None:
	"""Sales Invoice submit / cancel, Payment Entry or Journal Entry cancel, Unreconcile Payment
	submit: credit sales changed, or ledger rows were delinked without an event of their own."""
	invalidate(doc.get("company"))
