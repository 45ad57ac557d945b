"""Customer credit exposure in company currency: the one place it is computed.

exposure = receivables outstanding (Payment Ledger Entry)
         + unbilled part of submitted, not closed Sales Orders (orders waiting for a credit decision
           or rejected are left out: nothing can be delivered or billed from them until released)
         + unbilled Delivery Notes not made from an order
         + the document being checked (added by the caller)

Receivables are the sum of the customer's non-delinked Payment Ledger rows (invoices, payments,
credit notes, journal entries and unallocated advances), the ledger ERPNext itself uses for
outstanding since v14. They are read by open item, not by history. ERPNext sets a Sales Invoice's
`outstanding_amount` from the ledger rows against it (`update_voucher_outstanding`, in the
receivable account's currency; a payment must use the invoice's receivable account), so those rows
add up to the invoice's outstanding, and to nothing once it is paid. Receivables are therefore
  the `outstanding_amount` of the open Sales Invoices whose receivable account is in the company
  currency (for those the ledger's company-currency amount is the account-currency amount)
+ every other ledger row: not against a Sales Invoice (advances, journal entries on account...),
  or in an account of another currency (summed as the rows' company-currency amount),
the same figure as summing every row, while reading only the open invoices and the few rows that
are neither invoices nor settle one. Tests compare it with the whole ledger and with ERPNext's
`get_customer_outstanding`.

Overdue and dunning come from the open Sales Invoices (outstanding > 0): the oldest due date that has
passed, and the highest `dunning_level` ERPNext wrote on an Overdue Payment row of a submitted
Dunning for one of those invoices (ERPNext v15 numbers each reminder per payment-schedule row 1, 2,
3...; Dunning Type carries no level).

Everything comes from one statement, the UNION ALL of one aggregate per part (`PARTS`), whatever
the customers' history, for one customer or for every customer of a company (the Credit Exposure
report uses the same function). For given customers each part reads the customer's rows of the
composite index created by indexes.py (forced: for one customer MariaDB otherwise prefers merging
single-column indexes and reading the table rows).
"""

from __future__ import annotations

from dataclasses import dataclass

import frappe
from frappe.utils import cint, date_diff, flt, getdate

from o2c_extension.credit_control.core import Exposure

# Sales Orders in these credit states are not exposure (see module docstring).
CREDIT_STATES_NOT_EXPOSED = ("On Credit Hold", "Rejected")


@dataclass(frozen=True)
class Part:
	"""One aggregate of the exposure statement: the rows of `source` meeting `conditions`, per
	customer. `adds_to` is the Exposure field its amount adds to; `index` is forced when the
	statement is for given customers."""

	name: str
	source: str
	customer: str
	conditions: tuple[str, ...]
	adds_to: str | None = None
	amount: str = "null"
	oldest_due: str = "null"
	dunning_level: str = "null"
	joins: str = ""
	index: str | None = None

	def select(self, restricted: bool) -> str:
		hint = f" force index ({self.index})" if restricted and self.index else ""
		conditions = (
			[*self.conditions, f"{self.customer} in %(customers)s"] if restricted else self.conditions
		)
		return (
			f"select '{self.name}', {self.customer}, {self.amount}, {self.oldest_due}, {self.dunning_level}"
			f" from {self.source}{hint} {self.joins}"
			f" where {' and '.join(conditions)}"
			f" group by {self.customer}"
		)


PARTS = (
	Part(
		"ledger",
		"`tabPayment Ledger Entry` ple",
		"ple.party",
		(
			"ple.party_type = 'Customer'",
			"ple.company = %(company)s",
			"ple.delinked = 0",
			# not against a Sales Invoice, or in a foreign-currency account; the redundant
			# `against_voucher_type = 'Sales Invoice'` lets MariaDB read both as index ranges
			"(ple.against_voucher_type is null or ple.against_voucher_type != 'Sales Invoice'"
			" or (ple.against_voucher_type = 'Sales Invoice'"
			" and (ple.account_currency is null or ple.account_currency != %(currency)s)))",
		),
		adds_to="receivables",
		amount="sum(ple.amount)",
		index="o2c_party_unapplied_index",
	),
	Part(
		"invoices",
		"`tabSales Invoice` si",
		"si.customer",
		("si.company = %(company)s", "si.docstatus = 1", "si.outstanding_amount != 0"),
		adds_to="receivables",
		amount="sum(case when si.party_account_currency = %(currency)s then si.outstanding_amount else 0 end)",
		oldest_due="min(case when si.outstanding_amount > 0 then si.due_date end)",
		index="o2c_customer_open_invoice_index",
	),
	Part(
		"dunning",
		"`tabDunning` d",
		"d.customer",
		(
			"d.company = %(company)s",
			"d.docstatus = 1",
			"si.customer = d.customer",
			"si.company = d.company",
			"si.docstatus = 1",
			"si.outstanding_amount > 0",
		),
		dunning_level="max(op.dunning_level)",
		joins=(
			"join `tabOverdue Payment` op on op.parent = d.name and op.parenttype = 'Dunning'"
			" join `tabSales Invoice` si on si.name = op.sales_invoice"
		),
		index="o2c_customer_dunning_index",
	),
	Part(
		"open_orders",
		"`tabSales Order` so",
		"so.customer",
		(
			"so.company = %(company)s",
			"so.docstatus = 1",
			"so.per_billed < 100",
			"so.status != 'Closed'",
			"ifnull(so.credit_status, '') not in %(not_exposed)s",
			"so.name != %(exclude)s",
		),
		adds_to="open_orders",
		amount="sum(so.base_grand_total * (100 - so.per_billed) / 100)",
		index="o2c_customer_open_index",
	),
	# Lines not made from an order (those are counted with the order) and not from an invoice,
	# minus what has been invoiced (billed_amt), grossed up to the note's grand total.
	Part(
		"unbilled_deliveries",
		"`tabDelivery Note` dn",
		"dn.customer",
		(
			"dn.company = %(company)s",
			"dn.docstatus = 1",
			"dn.per_billed < 100",
			"dn.is_return = 0",
			"dn.status not in ('Closed', 'Stopped')",
			"dn.net_total != 0",
			"ifnull(dni.against_sales_order, '') = ''",
			"ifnull(dni.against_sales_invoice, '') = ''",
		),
		adds_to="unbilled_deliveries",
		amount="sum(greatest(dni.amount - dni.billed_amt, 0) * dn.base_grand_total / dn.net_total)",
		joins="join `tabDelivery Note Item` dni on dni.parent = dn.name and dni.parenttype = 'Delivery Note'",
		index="o2c_customer_unbilled_index",
	),
)
PART_BY_NAME = {part.name: part for part in PARTS}
# the statement for given customers (True) and for every customer of the company (False)
STATEMENTS = {
	restricted: "\nunion all\n".join(part.select(restricted) for part in PARTS)
	for restricted in (True, False)
}


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
	"""Exposure per customer; `customers` None means every customer of the company. Customers
	with no exposure, nothing overdue and no dunning are left out."""
	if customers is not None and not customers:
		return {}
	rows = frappe.db.sql(
		STATEMENTS[customers is not None],
		{
			"company": company,
			"currency": frappe.get_cached_value("Company", company, "default_currency"),
			"customers": tuple(customers or ()),
			"exclude": exclude_sales_order or "",
			"not_exposed": CREDIT_STATES_NOT_EXPOSED,
		},
	)

	found: dict[str, dict] = {}
	for part_name, customer, amount, oldest_due, dunning_level in rows:
		values = found.setdefault(customer, {})
		adds_to = PART_BY_NAME[part_name].adds_to
		if adds_to:
			values[adds_to] = values.get(adds_to, 0.0) + flt(amount)
		if oldest_due:
			values["oldest_due"] = oldest_due
		if dunning_level:
			values["highest_dunning_level"] = cint(dunning_level)

	precision = currency_precision()
	today = getdate()
	result = {}
	for customer, values in found.items():
		oldest_due = values.pop("oldest_due", None)
		exposure = Exposure(
			receivables=flt(values.get("receivables"), precision),
			open_orders=flt(values.get("open_orders"), precision),
			unbilled_deliveries=flt(values.get("unbilled_deliveries"), precision),
			oldest_overdue_days=max(0, date_diff(today, oldest_due)) if oldest_due else 0,
			highest_dunning_level=values.get("highest_dunning_level", 0),
		)
		if exposure != Exposure():
			result[customer] = exposure
	return result


def currency_precision() -> int:
	"""Precision of company-currency amounts (the site's currency precision)."""
	return cint(frappe.get_precision("Credit Hold", "exposure")) or 2
