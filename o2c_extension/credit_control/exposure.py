"""Customer credit exposure in company currency: the one place it is computed.

exposure = receivables outstanding (Payment Ledger Entry), less the advances shown with their order
         + unbilled part of submitted, not closed Sales Orders at their net value after discounts and
           taxes (ERPNext's `base_grand_total * (100 - per_billed) / 100`, as `get_customer_outstanding`
           counts them), less the advance paid against the order and not yet allocated to an invoice
           (never below 0). Orders waiting for a credit decision or rejected are left out: nothing can
           be delivered or billed from them until released.
         + goods delivered and not billed: Delivery Note lines not made from an open order (stand-alone
           notes, and notes of a **closed** order, which ERPNext's own figure drops), less what has
           been invoiced and what has been returned, as their share of the note's grand total (after
           its discount, with its taxes). ERPNext's `get_customer_outstanding` counts these lines
           before the discount, in the note's currency, and ignores returns; this is the correction.
         + the document being checked (added by the caller)

An advance received against an order is a negative row of the Payment Ledger until it is allocated
to an invoice. It is counted once: the order shows its unbilled amount net of that advance, and the
receivables leave the same amount of the advance out of the ledger total, so receivables + open
orders still equal the ledger + the orders' unbilled amounts (ERPNext's figure). An advance greater
than the order's unbilled amount keeps the excess in the receivables.

Receivables are the sum of the customer's non-delinked Payment Ledger rows (invoices, payments,
credit notes, journal entries and unallocated advances), the ledger ERPNext itself uses for
outstanding since v14. They are read by open item, not by history. ERPNext sets a Sales Invoice's
`outstanding_amount` from the ledger rows against it (`update_voucher_outstanding`, in the
receivable account's currency; a payment must use the invoice's receivable account), so those rows
add up to the invoice's outstanding, and to nothing once it is paid (POS and paid-on-the-spot
invoices add nothing). Receivables are therefore
  the `outstanding_amount` of the open Sales Invoices whose receivable account is in the company
  currency (for those the ledger's company-currency amount is the account-currency amount)
+ every other ledger row: not against a Sales Invoice (advances, journal entries on account...),
  or in an account of another currency (summed as the rows' company-currency amount),
the same figure as summing every row, while reading only the open invoices and the few rows that
are neither invoices nor settle one. Tests compare it with the whole ledger and with ERPNext's
General Ledger balance.

Overdue age is the age of the earliest unpaid payment term of the open Sales Invoices (payments
clear the oldest term first, as ERPNext's Accounts Receivable report based on payment terms
allocates them: `order_to_cash.payment_terms`), found by the database in one statement of window
sums over the terms (`EARLIEST_OVERDUE`; tested against the term-by-term `earliest_unpaid_dues`);
dunning is the highest `dunning_level` ERPNext wrote
on an Overdue Payment row of a submitted Dunning for one of those invoices (ERPNext v15 numbers each
reminder per payment-schedule row 1, 2, 3...; Dunning Type carries no level).

A fixed number of set-based statements, whatever the customers' history, for one customer or for
every customer of a company (the Credit Exposure report uses the same function): the UNION ALL of
one select per part (`PARTS`: per customer, or per order / note where the unbilled share is taken
in Python by `core.unbilled_share`), the earliest overdue unpaid term per customer, and only when an open order
has an advance, the advances' unallocated rest. For given customers each part reads the customer's
rows of the composite index created by indexes.py (forced: for one customer MariaDB otherwise
prefers merging single-column indexes and reading the table rows).
"""

from __future__ import annotations

from dataclasses import dataclass

import frappe
from frappe.utils import cint, flt, getdate

from o2c_extension.credit_control.core import Exposure, order_exposure, unbilled_share
from o2c_extension.order_to_cash import payment_terms

# the documents an exposure is made of: a User Permission on Company for any of them restricts it
EXPOSURE_DOCTYPES = ("Sales Invoice", "Sales Order", "Delivery Note", "Credit Hold")
# Sales Orders in these credit states are not exposure (see module docstring).
CREDIT_STATES_NOT_EXPOSED = ("On Credit Hold", "Rejected")


@dataclass(frozen=True)
class Part:
	"""One select of the exposure statement: the rows of `source` meeting `conditions`, grouped by
	customer (or by `group_by`: one row per order or note). `adds_to` is the Exposure field an
	aggregate's `amount` adds to; `index` is forced when the statement is for given customers.
	Every part yields (part, customer, key, amount, percent, advance, dunning_level)."""

	name: str
	source: str
	customer: str
	conditions: tuple[str, ...]
	adds_to: str | None = None
	key: str = "null"
	amount: str = "null"
	percent: str = "null"
	advance: str = "null"
	dunning_level: str = "null"
	joins: str = ""
	index: str | None = None
	group_by: str | None = None

	def select(self, restricted: bool) -> str:
		hint = f" force index ({self.index})" if restricted and self.index else ""
		conditions = (
			[*self.conditions, f"{self.customer} in %(customers)s"] if restricted else self.conditions
		)
		return (
			f"select '{self.name}', {self.customer}, {self.key}, {self.amount}, {self.percent},"
			f" {self.advance}, {self.dunning_level}"
			f" from {self.source}{hint} {self.joins}"
			f" where {' and '.join(conditions)}"
			f" group by {self.group_by or self.customer}"
		)


# what has been returned of a delivery line: the return notes' lines (negative amounts) against it
RETURNED_AMOUNT = (
	"ifnull((select sum(rdi.amount) from `tabDelivery Note Item` rdi"
	" where rdi.dn_detail = dni.name and rdi.docstatus = 1), 0)"
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
	# one row per open order: its unbilled share and advance are taken in Python
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
			"so.name not in %(exclude)s",
		),
		key="so.name",
		amount="so.base_grand_total",
		percent="so.per_billed",
		advance="so.advance_paid",
		index="o2c_customer_open_index",
		group_by="so.name",
	),
	# one row per note: the grand total and the billed (or returned) percent of it, counting only
	# the lines not made from an open order (those are counted with the order) nor from an invoice
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
			"dn.total != 0",
			"(ifnull(dni.against_sales_order, '') = '' or so.status = 'Closed')",
			"ifnull(dni.against_sales_invoice, '') = ''",
		),
		key="dn.name",
		amount="dn.base_grand_total",
		percent=(f"100 - 100 * sum(greatest(dni.amount - dni.billed_amt + {RETURNED_AMOUNT}, 0)) / dn.total"),
		joins=(
			"join `tabDelivery Note Item` dni on dni.parent = dn.name and dni.parenttype = 'Delivery Note'"
			" left join `tabSales Order` so on so.name = dni.against_sales_order"
		),
		index="o2c_customer_unbilled_index",
		group_by="dn.name",
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
	re-checked out of the open orders, as the caller passes its amount as `document_amount` (its
	advance then stays in the receivables)."""
	exposure = get_exposures(company, [customer], exclude_sales_order).get(customer, Exposure())
	return exposure.with_document(flt(document_amount))


def get_exposures(
	company: str,
	customers: list[str] | tuple[str, ...] | None = None,
	exclude_sales_order: str | list[str] | None = None,
) -> dict[str, Exposure]:
	"""Exposure per customer; `customers` None means every customer of the company;
	`exclude_sales_order`, one order or several, are left out of the open orders. Customers with no
	exposure, nothing overdue and no dunning are left out."""
	if customers is not None and not customers:
		return {}
	currency = frappe.get_cached_value("Company", company, "default_currency")
	rows = frappe.db.sql(
		STATEMENTS[customers is not None],
		{
			"company": company,
			"currency": currency,
			"customers": tuple(customers or ()),
			"exclude": (exclude_sales_order,)
			if isinstance(exclude_sales_order, str)
			else tuple(exclude_sales_order or ("",)),
			"not_exposed": CREDIT_STATES_NOT_EXPOSED,
		},
	)

	found: dict[str, dict] = {}
	orders: list[tuple[str, str, float]] = []  # (customer, order, unbilled)
	with_advance: list[str] = []
	for part_name, customer, key, amount, percent, advance, dunning_level in rows:
		values = found.setdefault(customer, {})
		if part_name == "open_orders":
			orders.append((customer, key, unbilled_share(flt(amount), flt(percent))))
			if flt(advance) > 0:
				with_advance.append(key)
		elif part_name == "unbilled_deliveries":
			share = unbilled_share(flt(amount), flt(percent))
			values["unbilled_deliveries"] = values.get("unbilled_deliveries", 0.0) + share
		elif PART_BY_NAME[part_name].adds_to:
			adds_to = PART_BY_NAME[part_name].adds_to
			values[adds_to] = values.get(adds_to, 0.0) + flt(amount)
		if dunning_level:
			values["highest_dunning_level"] = cint(dunning_level)

	advances = unallocated_advances(company, with_advance) if with_advance else {}
	for customer, order, unbilled in orders:
		shown, used = order_exposure(unbilled, advances.get(order, 0.0))
		values = found[customer]
		values["open_orders"] = values.get("open_orders", 0.0) + shown
		values["receivables"] = values.get("receivables", 0.0) + used

	today = getdate()
	for customer, due in earliest_overdue_dues(company, customers, today).items():
		found.setdefault(customer, {})["oldest_overdue_days"] = payment_terms.days_overdue(due, today)

	precision = currency_precision()
	result = {}
	for customer, values in found.items():
		exposure = Exposure(
			receivables=flt(values.get("receivables"), precision),
			open_orders=flt(values.get("open_orders"), precision),
			unbilled_deliveries=flt(values.get("unbilled_deliveries"), precision),
			oldest_overdue_days=values.get("oldest_overdue_days", 0),
			highest_dunning_level=values.get("highest_dunning_level", 0),
		)
		if exposure != Exposure():
			result[customer] = exposure
	return result


def unallocated_advances(company: str, orders: list[str]) -> dict[str, float]:
	"""order -> advance paid against it (Payment Entry or Journal Entry) and not yet allocated to an
	invoice, in company currency: the voucher's Payment Ledger rows still against itself (or the
	order), shared among the orders it paid in proportion to its Advance Payment Ledger rows."""
	rows = frappe.db.sql(
		"""
		select adv.against_voucher_no,
			-ifnull((select sum(ple.amount) from `tabPayment Ledger Entry` ple
				where ple.voucher_no = adv.voucher_no and ple.voucher_type = adv.voucher_type
				and ple.delinked = 0 and ple.party_type = 'Customer' and ple.company = adv.company
				and ple.against_voucher_no in (adv.voucher_no, adv.against_voucher_no)), 0)
			* adv.amount / (select sum(other.amount) from `tabAdvance Payment Ledger Entry` other
				where other.voucher_type = adv.voucher_type and other.voucher_no = adv.voucher_no
				and other.event = 'Submit' and other.delinked = 0)
		from `tabAdvance Payment Ledger Entry` adv
		where adv.company = %(company)s and adv.against_voucher_type = 'Sales Order'
			and adv.against_voucher_no in %(orders)s and adv.event = 'Submit' and adv.delinked = 0
		""",
		{"company": company, "orders": tuple(orders)},
	)
	advances: dict[str, float] = {}
	for order, amount in rows:
		advances[order] = advances.get(order, 0.0) + flt(amount)
	return advances


# What of a payment term counts against the invoice's outstanding, in the receivable account's
# currency: the term's amount in the invoice's currency when the account is in another currency
# than the company's (ERPNext then bills in the account's currency), else its company-currency
# amount (equal to the invoice-currency one when the invoice is in the company's currency). Negative
# amounts count as nothing, as `payment_terms.unpaid_terms` takes them.
TERM_AMOUNT = (
	"greatest(case when si.party_account_currency = %(currency)s then ps.base_payment_amount"
	" else ps.payment_amount end, 0)"
)
TERM_ORDER = "partition by si.name order by ps.due_date, ps.idx"

# The earliest overdue unpaid term per customer, set-based: `payment_terms.unpaid_terms` (payments
# clear the earliest terms first) as window sums over each open invoice's Payment Schedule, both
# read from their covering indexes (`o2c_customer_open_invoice_index`,
# `o2c_schedule_terms_index`). With `to_clear` = the terms' total - the outstanding, what is still
# unpaid of term i (in due-date order, `cumulative` = the terms up to and including it) is
# least(amount, greatest(0, cumulative - to_clear)); when the outstanding is above the terms'
# total (to_clear < 0) the excess stays on the first term. An invoice without terms (or whose terms
# have no due date) is one term: its outstanding, due on the invoice's due date. Only terms due
# before today can be overdue: the others are left out after the window sums, which need them all.
EARLIEST_OVERDUE = f"""
select term.customer, min(term.due_date)
from (
	select si.customer, si.outstanding_amount as outstanding,
		coalesce(ps.due_date, si.due_date) as due_date,
		coalesce({TERM_AMOUNT}, si.outstanding_amount) as amount,
		coalesce(sum({TERM_AMOUNT}) over ({TERM_ORDER} rows unbounded preceding),
			si.outstanding_amount) as cumulative,
		coalesce(sum({TERM_AMOUNT}) over (partition by si.name), si.outstanding_amount) as total,
		row_number() over ({TERM_ORDER}) as position
	from `tabSales Invoice` si{{invoice_index}}
	left join `tabPayment Schedule` ps force index (o2c_schedule_terms_index)
		on ps.parent = si.name and ps.parenttype = 'Sales Invoice' and ps.due_date is not null
	where si.company = %(company)s and si.docstatus = 1 and si.outstanding_amount > %(epsilon)s
		{{customer_condition}}
) term
where term.due_date < %(today)s
	and case when term.total < term.outstanding
		then term.amount + case when term.position = 1 then term.outstanding - term.total else 0 end
		else least(term.amount, greatest(0, term.cumulative - (term.total - term.outstanding)))
	end > %(epsilon)s
group by term.customer
"""


def earliest_overdue_dues(
	company: str, customers: list[str] | tuple[str, ...] | None = None, today=None
) -> dict[str, object]:
	"""customer -> due date of the earliest unpaid payment term of its open Sales Invoices in
	`company`, where that term is due before `today` (default today): the overdue age's start, as
	`earliest_unpaid_dues` finds it term by term; customers with nothing overdue are left out. One
	statement (`EARLIEST_OVERDUE`), one row per customer."""
	restricted = customers is not None
	if restricted and not customers:
		return {}
	statement = EARLIEST_OVERDUE.format(
		invoice_index=" force index (o2c_customer_open_invoice_index)" if restricted else "",
		customer_condition="and si.customer in %(customers)s" if restricted else "",
	)
	rows = frappe.db.sql(
		statement,
		{
			"company": company,
			"customers": tuple(customers or ()),
			"currency": frappe.get_cached_value("Company", company, "default_currency"),
			"epsilon": 0.5 / 10 ** currency_precision(),
			"today": getdate(today),
		},
	)
	return {customer: getdate(due) for customer, due in rows}


def earliest_unpaid_dues(
	company: str, customers: list[str] | tuple[str, ...] | None = None
) -> dict[str, object]:
	"""customer -> due date of the earliest unpaid payment term of its open Sales Invoices in
	`company` (`payment_terms.earliest_unpaid_due` per invoice, the earliest of them); customers
	with nothing outstanding are left out. Term by term in Python: the reference the set-based
	`earliest_overdue_dues` is tested against (it reads every open invoice with its terms)."""
	restricted = customers is not None
	if restricted and not customers:
		return {}
	rows = frappe.db.sql(
		f"""
		select si.customer, si.name, si.outstanding_amount, si.due_date, ps.due_date,
			case when si.party_account_currency = si.currency then ps.payment_amount
				else ps.base_payment_amount end
		from `tabSales Invoice` si{" force index (o2c_customer_open_invoice_index)" if restricted else ""}
		left join `tabPayment Schedule` ps on ps.parent = si.name and ps.parenttype = 'Sales Invoice'
		where si.company = %(company)s and si.docstatus = 1 and si.outstanding_amount > 0
			{"and si.customer in %(customers)s" if restricted else ""}
		order by si.name, ps.due_date, ps.idx
		""",
		{"company": company, "customers": tuple(customers or ())},
	)
	invoices: dict[str, tuple[str, float, object, list]] = {}
	for customer, invoice, outstanding, invoice_due, term_due, term_amount in rows:
		entry = invoices.setdefault(invoice, (customer, flt(outstanding), invoice_due, []))
		if term_due:
			entry[3].append(payment_terms.Term(getdate(term_due), flt(term_amount)))
	epsilon = 0.5 / 10 ** currency_precision()
	earliest: dict[str, object] = {}
	for customer, outstanding, invoice_due, terms in invoices.values():
		terms = terms or ([payment_terms.Term(getdate(invoice_due), outstanding)] if invoice_due else [])
		due = payment_terms.earliest_unpaid_due(terms, outstanding, epsilon)
		if due and (customer not in earliest or due < earliest[customer]):
			earliest[customer] = due
	return earliest


def currency_precision() -> int:
	"""Precision of company-currency amounts (the site's currency precision)."""
	return cint(frappe.get_precision("Credit Hold", "exposure")) or 2
