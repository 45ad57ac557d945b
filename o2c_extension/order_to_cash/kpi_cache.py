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

The workspace's charts and its credit cards are kept in the same hash (`get_figures` /
`put_figures`, one field per chart or card group, and per day for figures over a period), read by
the charts' source (`dashboard_chart_source/order_to_cash_chart`) and the cards (`kpi.py`), and
dropped by the events that change what they count:

- *Invoices by Collection Status*: every event above (an invoice submitted or cancelled, its
  outstanding moved), and a collection status written by the collections (`statuses_changed`:
  those writes name invoices, not companies, so the chart is dropped for every company);
- *Credit Holds by Status* and the credit cards, *Collection Actions*, *Scheduling Agreements by
  Status*: a document of their DocType made, changed (also by `db_set`, which runs `on_change`) or
  deleted (`document_changed`); only those fields are dropped, the receivables stay.

The schedule-adherence card is not kept: it reads the agreements' schedule lines, which releases
and call-offs write in bulk, with no document event, and costs one statement on them.

The entry is dropped at once and again after the commit: a request that computed the figures
from the data before the commit cannot leave them behind. The cache is never shared between
companies (the company is the hash's key) and holds figures only: who may see them is checked on
every call, before the cache is read (`kpi._card`, the chart source).
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


# the chart whose figures change with the invoices' collection status (see `statuses_changed`)
COLLECTION_STATUS_CHART = "Invoices by Collection Status"
# the credit cards' figures (pending holds, hours to a decision): dropped with the holds' chart
CREDIT_CARDS = "credit cards"
# the figures counted from a DocType of the app's own: a document of it changed drops only those
FIGURES_OF_DOCTYPE = {
	"Credit Hold": ("Credit Holds by Status", CREDIT_CARDS),
	"Collection Action": ("Collection Actions",),
	"Scheduling Agreement": ("Scheduling Agreements by Status",),
}
# the collection-status chart of every company, one field per company: dropped at once when the
# collections write statuses of invoices whatever their company
STATUS_CHART_KEY = "o2c_kpi_collection_status_chart"


def _figures_field(what: str, variant: str) -> str:
	return f"figures|{what}|{variant}"


def get_figures(company: str, what: str, variant: str = ""):
	"""The cached figures of `what` (a chart, or `CREDIT_CARDS`) for `company` (`variant`: the day
	and period they cover, for figures over a period), or None."""
	if what == COLLECTION_STATUS_CHART:
		return frappe.cache.hget(STATUS_CHART_KEY, company)
	return frappe.cache.hget(_key(company), _figures_field(what, variant))


def put_figures(company: str, what: str, variant: str, figures) -> None:
	if what == COLLECTION_STATUS_CHART:
		frappe.cache.hset(STATUS_CHART_KEY, company, figures)
		frappe.cache.expire(frappe.cache.make_key(STATUS_CHART_KEY), EXPIRES_IN_SECONDS)
		return
	key = _key(company)
	frappe.cache.hset(key, _figures_field(what, variant), figures)
	frappe.cache.expire(frappe.cache.make_key(key), EXPIRES_IN_SECONDS)


def invalidate(company: str | None, what: str | None = None) -> None:
	"""Drop the company's cached figures (with `what`, only those of that chart or card group) now
	and once more after the transaction commits."""
	if not company:
		return
	_drop(company, what)
	_after_commit_too((company, what))


def statuses_changed(doc=None, method=None) -> None:
	"""The collections wrote the collection status of some invoices (`settlement.write_statuses`; a
	Promise to Pay made or changed pauses its invoices): drop the collection-status chart of every
	company (the writes name invoices, not companies), now and after the commit."""
	_drop(None, COLLECTION_STATUS_CHART)
	_after_commit_too((None, COLLECTION_STATUS_CHART))


def _drop(company: str | None, what: str | None) -> None:
	if what is None:
		frappe.cache.delete_value(_key(company))
		frappe.cache.hdel(STATUS_CHART_KEY, company)
	elif what == COLLECTION_STATUS_CHART:
		if company is None:
			frappe.cache.delete_value(STATUS_CHART_KEY)
		else:
			frappe.cache.hdel(STATUS_CHART_KEY, company)
	else:
		key, prefix = _key(company), _figures_field(what, "")
		for field in frappe.cache.hkeys(key):
			field = frappe.safe_decode(field)
			if field.startswith(prefix):
				frappe.cache.hdel(key, field)


def _after_commit_too(entry: tuple) -> None:
	pending = frappe.flags.setdefault("o2c_kpi_invalidate_after_commit", set())
	if entry not in pending:
		pending.add(entry)
		frappe.db.after_commit.add(lambda: _after_commit(entry))
		# a rollback drops the callbacks: the next event of the company registers them again
		frappe.db.after_rollback.add(lambda: _forget(entry))


def _after_commit(entry: tuple) -> None:
	_drop(*entry)
	_forget(entry)


def _forget(entry: tuple) -> None:
	(frappe.flags.get("o2c_kpi_invalidate_after_commit") or set()).discard(entry)


# --- document events (wired in hooks.py) -------------------------------------------------------


def ledger_entry_changed(doc, method=None) -> None:
	"""Payment Ledger Entry on_submit / on_cancel: a customer's receivables moved."""
	if doc.get("party_type") == "Customer":
		invalidate(doc.get("company"))


def voucher_changed(doc, method=None) -> None:
	"""Sales Invoice submit / cancel, Payment Entry or Journal Entry cancel, Unreconcile Payment
	submit: credit sales changed, or ledger rows were delinked without an event of their own."""
	invalidate(doc.get("company"))


def document_changed(doc, method=None) -> None:
	"""Credit Hold, Collection Action, Scheduling Agreement made, changed or deleted: the figures
	counted from them moved (in the document's company, and the one it had before a change)."""
	before = doc.get_doc_before_save()
	companies = {doc.get("company"), before.get("company") if before else None}
	for what in FIGURES_OF_DOCTYPE[doc.doctype]:
		for company in companies:
			invalidate(company, what)
