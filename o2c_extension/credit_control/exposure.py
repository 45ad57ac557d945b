"""Customer credit exposure in company currency: the one place it is computed.

exposure = receivables outstanding (Payment Ledger Entry)
         + unbilled part of submitted, not closed Sales Orders (orders waiting for a credit decision
           or rejected are left out: nothing can be delivered or billed from them until released)
         + unbilled Delivery Notes not made from an order
         + the document being checked (added by the caller)

Four set-based queries whatever the customers' history, for one customer or for every customer of a
company (the Credit Exposure report uses the same functions). They filter on the composite indexes
created by indexes.py, so each reads only the customer's open rows, not its whole history.

Overdue and dunning come from the open Sales Invoices (outstanding > 0): the oldest due date that has
passed, and the highest `dunning_level` ERPNext wrote on an Overdue Payment row of a submitted
Dunning for one of those invoices (ERPNext v15 numbers each reminder per payment-schedule row 1, 2,
3...; Dunning Type carries no level).
"""

from __future__ import annotations

import frappe
from frappe.utils import cint, date_diff, flt, getdate, nowdate

from o2c_extension.credit_control.core import Exposure

# Sales Orders in these credit states are not exposure (see module docstring).
CREDIT_STATES_NOT_EXPOSED = ("On Credit Hold", "Rejected")


def get_exposure(
	customer: str,
	company: str,
	document_amount: float = 0.0,
	exclude_sales_order: str | None = None,
) -> Exposure:
	"""Exposure of one customer; `exclude_sales_order` keeps a submitted order that is being
	re-checked out of the open orders, as the caller passes its amount as `document_amount`."""
	exposure = get_exposures(company, [customer], exclude_sales_order).get(customer, Exposure())
	return exposure.with_document(flt(document_amount))


def get_exposures(
	company: str,
	customers: list[str] | tuple[str, ...] | None = None,
	exclude_sales_order: str | None = None,
) -> dict[str, Exposure]:
	"""Exposure per customer; `customers` None means every customer with any exposure."""
	if customers is not None and not customers:
		return {}
	params = {
		"company": company,
		"customers": tuple(customers or ()),
		"exclude": exclude_sales_order or "",
		"today": getdate(nowdate()),
		"not_exposed": CREDIT_STATES_NOT_EXPOSED,
	}
	receivables = _receivables(params, customers is not None)
	open_orders = _open_orders(params, customers is not None)
	unbilled = _unbilled_deliveries(params, customers is not None)
	open_invoices = _open_invoice_risk(params, customers is not None)

	precision = currency_precision()
	today = params["today"]
	result = {}
	for customer in set(receivables) | set(open_orders) | set(unbilled) | set(open_invoices):
		oldest_due, dunning_level = open_invoices.get(customer, (None, 0))
		result[customer] = Exposure(
			receivables=flt(receivables.get(customer), precision),
			open_orders=flt(open_orders.get(customer), precision),
			unbilled_deliveries=flt(unbilled.get(customer), precision),
			oldest_overdue_days=max(0, date_diff(today, oldest_due)) if oldest_due else 0,
			highest_dunning_level=cint(dunning_level),
		)
	return result


def currency_precision() -> int:
	"""Precision of company-currency amounts (the site's currency precision)."""
	return cint(frappe.get_precision("Credit Hold", "exposure")) or 2


def _customer_filter(column: str, restricted: bool) -> str:
	return f"and {column} in %(customers)s" if restricted else ""


def _receivables(params: dict, restricted: bool) -> dict[str, float]:
	# Every non-delinked ledger row of the party: invoices, payments, credit notes, journal entries
	# and unallocated advances, as the ledger ERPNext itself uses for outstanding since v14.
	# For one customer MariaDB prefers merging the single-column party and company indexes, which
	# reads every ledger row; the covering index (credit_control/indexes.py) answers from the index.
	index_hint = "force index (o2c_party_exposure_index)" if restricted else ""
	rows = frappe.db.sql(
		f"""
		select ple.party, sum(ple.amount)
		from `tabPayment Ledger Entry` ple {index_hint}
		where ple.party_type = 'Customer'
			and ple.company = %(company)s
			and ple.delinked = 0
			{_customer_filter("ple.party", restricted)}
		group by ple.party
		""",
		params,
	)
	return dict(rows)


def _open_orders(params: dict, restricted: bool) -> dict[str, float]:
	rows = frappe.db.sql(
		f"""
		select so.customer, sum(so.base_grand_total * (100 - so.per_billed) / 100)
		from `tabSales Order` so
		where so.company = %(company)s
			and so.docstatus = 1
			and so.per_billed < 100
			and so.status != 'Closed'
			and ifnull(so.credit_status, '') not in %(not_exposed)s
			and so.name != %(exclude)s
			{_customer_filter("so.customer", restricted)}
		group by so.customer
		""",
		params,
	)
	return dict(rows)


def _unbilled_deliveries(params: dict, restricted: bool) -> dict[str, float]:
	# Lines not made from an order (those are counted with the order) and not from an invoice,
	# minus what has been invoiced (billed_amt), grossed up to the note's grand total.
	rows = frappe.db.sql(
		f"""
		select dn.customer,
			sum(greatest(dni.amount - dni.billed_amt, 0) * dn.base_grand_total / dn.net_total)
		from `tabDelivery Note` dn
		join `tabDelivery Note Item` dni
			on dni.parent = dn.name and dni.parenttype = 'Delivery Note'
		where dn.company = %(company)s
			and dn.docstatus = 1
			and dn.per_billed < 100
			and dn.is_return = 0
			and dn.status not in ('Closed', 'Stopped')
			and dn.net_total != 0
			and ifnull(dni.against_sales_order, '') = ''
			and ifnull(dni.against_sales_invoice, '') = ''
			{_customer_filter("dn.customer", restricted)}
		group by dn.customer
		""",
		params,
	)
	return dict(rows)


def _open_invoice_risk(params: dict, restricted: bool) -> dict[str, tuple]:
	"""customer -> (oldest past due date of an open invoice or None, highest dunning level)."""
	rows = frappe.db.sql(
		f"""
		select si.customer,
			min(case when si.due_date < %(today)s then si.due_date end),
			max(ifnull(dunned.level, 0))
		from `tabSales Invoice` si
		left join (
			select op.sales_invoice, max(op.dunning_level) as level
			from `tabDunning` d
			join `tabOverdue Payment` op on op.parent = d.name and op.parenttype = 'Dunning'
			where d.company = %(company)s
				and d.docstatus = 1
				{_customer_filter("d.customer", restricted)}
			group by op.sales_invoice
		) dunned on dunned.sales_invoice = si.name
		where si.company = %(company)s
			and si.docstatus = 1
			and si.outstanding_amount > 0
			{_customer_filter("si.customer", restricted)}
		group by si.customer
		""",
		params,
	)
	return {customer: (oldest_due, level) for customer, oldest_due, level in rows}
