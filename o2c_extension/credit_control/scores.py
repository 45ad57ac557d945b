"""Credit scores, the thin layer: reads the factors of many customers at once (a fixed number of
set-based queries per company), scores them with `scoring.py` and keeps the result per customer
and company (Customer Credit Score), refreshed by the daily credit job."""

from __future__ import annotations

from collections import defaultdict

import frappe
from frappe import _
from frappe.query_builder.functions import Count
from frappe.utils import add_days, cint, flt, getdate, now_datetime, nowdate

from o2c_extension.credit_control import core, scoring
from o2c_extension.credit_control.exposure import currency_precision, get_exposures
from o2c_extension.credit_control.policies import get_policies, get_terms
from o2c_extension.order_to_cash import payment_terms
from o2c_extension.order_to_cash.currency import to_company_currency

LOOKBACK_DAYS = 365
CHUNK_SIZE = 200


def score_settings(settings=None) -> scoring.ScoreSettings:
	"""The weights, full marks and class thresholds of O2C Settings (or of `settings`, a form being
	saved)."""
	return scoring.settings_from(settings or frappe.get_cached_doc("O2C Settings"))


def score_customers(company: str, customers: list[str]) -> dict[str, scoring.Score]:
	"""customer -> its score in `company`, from its behaviour as of today."""
	customers = sorted(set(filter(None, customers)))
	if not customers:
		return {}
	factors = get_factors(company, customers)
	settings = score_settings()
	return {customer: scoring.score(factors[customer], settings) for customer in customers}


def get_factors(company: str, customers: list[str]) -> dict[str, scoring.Factors]:
	today = getdate(nowdate())
	days_late = _days_late(company, customers, add_days(today, -LOOKBACK_DAYS))
	overdue = _overdue_shares(company, customers, today)
	broken = _broken_promises(company, customers, add_days(today, -LOOKBACK_DAYS))
	exposures = get_exposures(company, customers)
	terms = get_terms(company, get_policies(company, customers))
	result = {}
	for customer in customers:
		exposure = exposures.get(customer, core.Exposure())
		utilisation = core.utilisation_percent(exposure.total, terms[customer].credit_limit)
		result[customer] = scoring.Factors(
			days_late=days_late.get(customer, 0.0),
			overdue_share=round(overdue.get(customer, 0.0), 2),
			broken_promises=broken.get(customer, 0),
			dunning_level=cint(exposure.highest_dunning_level),
			utilisation=round(utilisation or 0.0, 2),
		)
	return result


def _days_late(company: str, customers: list[str], since) -> dict[str, float]:
	"""Average days paid late, weighted by amount, over the payments (Payment Entry, Journal Entry)
	posted since `since` against the customers' Sales Invoices; credit notes are not payments."""
	payments = frappe.db.sql(
		"""
		select ple.party, ple.against_voucher_no, ple.posting_date, -sum(ple.amount)
		from `tabPayment Ledger Entry` ple
		where ple.company = %(company)s and ple.party_type = 'Customer' and ple.party in %(customers)s
			and ple.delinked = 0 and ple.against_voucher_type = 'Sales Invoice'
			and ple.voucher_type in ('Payment Entry', 'Journal Entry')
			and ple.posting_date >= %(since)s
		group by ple.party, ple.against_voucher_no, ple.voucher_no, ple.posting_date
		having sum(ple.amount) < 0
		""",
		{"company": company, "customers": tuple(customers), "since": since},
	)
	if not payments:
		return {}
	invoices = sorted({row[1] for row in payments})
	schedule = frappe.db.sql(
		"""
		select si.name, coalesce(ps.due_date, si.due_date), coalesce(ps.base_payment_amount, si.base_grand_total)
		from `tabSales Invoice` si
		left join `tabPayment Schedule` ps on ps.parent = si.name and ps.parenttype = 'Sales Invoice'
		where si.name in %(invoices)s
		""",
		{"invoices": tuple(invoices)},
	)
	terms: dict[str, list[scoring.DueTerm]] = defaultdict(list)
	for invoice, due, amount in schedule:
		if due:
			terms[invoice].append(scoring.DueTerm(getdate(due), flt(amount)))
	paid: dict[tuple[str, str], list[scoring.Payment]] = defaultdict(list)
	for customer, invoice, posting_date, amount in payments:
		paid[(customer, invoice)].append(scoring.Payment(getdate(posting_date), flt(amount)))
	by_customer: dict[str, list] = defaultdict(list)
	for (customer, invoice), invoice_payments in paid.items():
		by_customer[customer].append((terms.get(invoice, []), invoice_payments))
	return {customer: scoring.average_days_late(items) for customer, items in by_customer.items()}


def _overdue_shares(company: str, customers: list[str], today) -> dict[str, float]:
	"""Percent of the customers' open invoice balance whose payment term is past due."""
	rows = frappe.db.sql(
		"""
		select si.customer, si.name, si.outstanding_amount, si.due_date, si.party_account_currency,
			si.conversion_rate, ps.due_date,
			case when si.party_account_currency = si.currency then ps.payment_amount
				else ps.base_payment_amount end
		from `tabSales Invoice` si
		left join `tabPayment Schedule` ps on ps.parent = si.name and ps.parenttype = 'Sales Invoice'
		where si.company = %(company)s and si.docstatus = 1 and si.outstanding_amount > 0
			and si.customer in %(customers)s
		order by si.name, ps.due_date, ps.idx
		""",
		{"company": company, "customers": tuple(customers)},
	)
	company_currency = frappe.get_cached_value("Company", company, "default_currency")
	invoices: dict[str, list] = {}
	for customer, invoice, outstanding, invoice_due, account_currency, rate, term_due, term_amount in rows:
		entry = invoices.setdefault(
			invoice, [customer, flt(outstanding), invoice_due, account_currency, rate, []]
		)
		if term_due:
			entry[5].append(payment_terms.Term(getdate(term_due), flt(term_amount)))
	epsilon = 0.5 / 10 ** currency_precision()
	open_total: dict[str, float] = defaultdict(float)
	overdue: dict[str, float] = defaultdict(float)
	for customer, outstanding, invoice_due, account_currency, rate, terms in invoices.values():
		terms = terms or ([payment_terms.Term(getdate(invoice_due), outstanding)] if invoice_due else [])
		open_total[customer] += to_company_currency(
			outstanding, account_currency, company_currency, flt(rate)
		)
		for term in payment_terms.unpaid_terms(terms, outstanding, epsilon):
			if term.due_date < today:
				overdue[customer] += to_company_currency(
					term.unpaid, account_currency, company_currency, flt(rate)
				)
	return {
		customer: min(100.0, overdue[customer] / total * 100)
		for customer, total in open_total.items()
		if total > 0
	}


def _broken_promises(company: str, customers: list[str], since) -> dict[str, int]:
	"""Promises to pay broken since `since` (Collections' Promise to Pay; none before it exists)."""
	if not customers or not frappe.db.exists("DocType", "Promise to Pay"):
		return {}
	meta = frappe.get_meta("Promise to Pay")
	if not all(meta.has_field(field) for field in ("customer", "status")):
		return {}
	promise = frappe.qb.DocType("Promise to Pay")
	query = (
		frappe.qb.from_(promise)
		.select(promise.customer, Count(promise.name).as_("broken"))
		.where(promise.customer.isin(customers))
		.where(promise.status == "Broken")
		.where(promise.creation >= since)
		.groupby(promise.customer)
	)
	if meta.has_field("company"):
		query = query.where(promise.company == company)
	return {row.customer: cint(row.broken) for row in query.run(as_dict=True)}


# --- stored scores -------------------------------------------------------------------------


def store_scores(company: str, scores: dict[str, scoring.Score]) -> None:
	"""Keep each customer's score in `company` (one Customer Credit Score per customer and company)."""
	if not scores:
		return
	existing = dict(
		frappe.get_all(
			"Customer Credit Score",
			filters={"company": company, "customer": ("in", list(scores))},
			fields=["customer", "name"],
			as_list=True,
		)
	)
	now = now_datetime()
	for customer, result in scores.items():
		values = {
			"credit_score": result.credit_score,
			"risk_class": result.risk_class,
			"days_late": result.factors.days_late,
			"overdue_share": result.factors.overdue_share,
			"broken_promises": result.factors.broken_promises,
			"dunning_level": result.factors.dunning_level,
			"utilisation": result.factors.utilisation,
			"scored_on": now,
		}
		if customer in existing:
			frappe.db.set_value("Customer Credit Score", existing[customer], values, update_modified=True)
		else:
			doc = frappe.get_doc(
				{"doctype": "Customer Credit Score", "customer": customer, "company": company, **values}
			)
			doc.insert(ignore_permissions=True)


def stored_scores(company: str, customers: list[str]) -> dict[str, frappe._dict]:
	"""customer -> its stored credit_score, risk_class and scored_on in `company`."""
	if not customers:
		return {}
	rows = frappe.get_all(
		"Customer Credit Score",
		filters={"company": company, "customer": ("in", list(customers))},
		fields=["customer", "credit_score", "risk_class", "scored_on"],
	)
	return {row.customer: row for row in rows}


def risk_classes(company: str, customers: list[str]) -> dict[str, str]:
	"""customer -> its stored risk class in `company` (customers never scored are left out)."""
	return {
		customer: row.risk_class
		for customer, row in stored_scores(company, customers).items()
		if row.risk_class
	}


def scored_customers(company: str) -> list[str]:
	"""Customers with something to score in `company`: an invoice in the last 12 months or still open."""
	since = add_days(nowdate(), -LOOKBACK_DAYS)
	return frappe.db.sql_list(
		"""
		select distinct customer from `tabSales Invoice`
		where company = %(company)s and docstatus = 1 and (posting_date >= %(since)s or outstanding_amount > 0)
		order by customer
		""",
		{"company": company, "since": since},
	)


def refresh_all() -> int:
	"""Daily: score every customer with business in each company and store the scores, a chunk
	of customers at a time (each chunk committed on its own outside tests). Returns how many."""
	count = 0
	for company in frappe.get_all("Company", pluck="name", order_by="name"):
		customers = scored_customers(company)
		for start in range(0, len(customers), CHUNK_SIZE):
			chunk = customers[start : start + CHUNK_SIZE]
			savepoint = "o2c_credit_scores"
			frappe.db.savepoint(savepoint)
			try:
				store_scores(company, score_customers(company, chunk))
			except Exception:
				frappe.db.rollback(save_point=savepoint)
				frappe.log_error(title=_("Credit scores could not be refreshed for {0}").format(company))
				continue
			count += len(chunk)
			if not frappe.flags.in_test:
				frappe.db.commit()
	return count
