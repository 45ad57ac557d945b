"""Reads the numbers behind the Order to Cash KPIs and serves them to the workspace's number cards.

The formulas live in `kpi_core.py`; this module only runs a handful of set-based queries per KPI
(Payment Ledger Entry for receivables, as ERPNext itself does since v14) and checks permissions.
"""

import json

import frappe
from frappe import _
from frappe.utils import add_days, flt, getdate, nowdate

from o2c_extension.order_to_cash import kpi_core

DEFAULT_PERIOD_DAYS = 90


def receivables_position(company: str, as_of) -> dict:
	"""Customer receivables at the end of `as_of`: total, overdue part and not-yet-due part."""
	rows = frappe.db.sql(
		"""
		SELECT ple.against_voucher_type, ple.against_voucher_no, SUM(ple.amount) AS outstanding,
			MAX(CASE WHEN ple.voucher_no = ple.against_voucher_no THEN ple.due_date END) AS due_date
		FROM `tabPayment Ledger Entry` ple
		WHERE ple.company = %(company)s AND ple.party_type = 'Customer' AND ple.delinked = 0
			AND ple.posting_date <= %(as_of)s
		GROUP BY ple.against_voucher_type, ple.against_voucher_no
		""",
		{"company": company, "as_of": as_of},
		as_dict=True,
	)
	as_of = getdate(as_of)
	total = overdue = 0.0
	for row in rows:
		total += flt(row.outstanding)
		if flt(row.outstanding) > 0 and row.due_date and getdate(row.due_date) < as_of:
			overdue += flt(row.outstanding)
	return {"total": total, "overdue": overdue, "current": total - overdue}


def credit_sales(company: str, from_date, to_date) -> float:
	"""Net invoiced (credit notes reduce it) in company currency over the period."""
	value = frappe.db.sql(
		"""
		SELECT COALESCE(SUM(base_grand_total), 0) FROM `tabSales Invoice`
		WHERE company = %s AND docstatus = 1 AND is_pos = 0 AND posting_date BETWEEN %s AND %s
		""",
		(company, from_date, to_date),
	)[0][0]
	return flt(value)


def compute_kpis(company: str, as_of=None, period_days: int = DEFAULT_PERIOD_DAYS) -> dict:
	"""All KPIs for one company over the `period_days` ending on `as_of` (default today)."""
	as_of = getdate(as_of or nowdate())
	return {
		"company": company,
		"as_of": str(as_of),
		"period_days": period_days,
		**receivables_kpis(company, as_of, period_days),
		**credit_kpis(company, as_of, period_days),
		**scheduling_kpis(company, as_of, period_days),
	}


def receivables_kpis(company: str, as_of, period_days: int) -> dict:
	period_start = add_days(as_of, -period_days + 1)
	closing = receivables_position(company, as_of)
	opening = receivables_position(company, add_days(period_start, -1))
	sales = credit_sales(company, period_start, as_of)
	return {
		"dso": kpi_core.days_sales_outstanding(closing["total"], sales, period_days),
		"overdue_receivables_percent": kpi_core.overdue_receivables_percent(
			closing["overdue"], closing["total"]
		),
		"collection_effectiveness_index": kpi_core.collection_effectiveness_index(
			opening["total"], sales, closing["total"], closing["current"]
		),
	}


def credit_kpis(company: str, as_of, period_days: int) -> dict:
	period_start = add_days(as_of, -period_days + 1)
	return {
		"pending_credit_holds": pending_credit_holds(company),
		"mean_hours_to_credit_decision": kpi_core.mean_hours(
			credit_decision_hours(company, period_start, as_of)
		),
	}


def scheduling_kpis(company: str, as_of, period_days: int) -> dict:
	period_start = add_days(as_of, -period_days + 1)
	return {
		"schedule_adherence_percent": kpi_core.schedule_adherence_percent(
			schedule_lines_due(company, period_start, as_of)
		)
	}


def pending_credit_holds(company: str) -> int:
	return frappe.db.count("Credit Hold", {"company": company, "status": "Pending"})


def credit_decision_hours(company: str, from_date, to_date) -> list[float]:
	rows = frappe.db.sql(
		"""
		SELECT TIMESTAMPDIFF(SECOND, creation, decided_on) / 3600.0
		FROM `tabCredit Hold`
		WHERE company = %s AND decided_on IS NOT NULL AND status != 'Pending'
			AND DATE(decided_on) BETWEEN %s AND %s
		""",
		(company, from_date, to_date),
	)
	return [flt(row[0]) for row in rows]


def schedule_lines_due(company: str, from_date, to_date) -> list[tuple[float, float]]:
	"""(scheduled qty, qty delivered by the schedule date) for each Firm line due in the period."""
	rows = frappe.db.sql(
		"""
		SELECT line.qty,
			COALESCE(SUM(CASE WHEN dn.posting_date <= line.schedule_date THEN dn_item.qty END), 0)
		FROM `tabScheduling Agreement Schedule Line` line
		JOIN `tabScheduling Agreement` agreement ON agreement.name = line.parent
		LEFT JOIN `tabDelivery Note Item` dn_item
			ON dn_item.schedule_line = line.name AND dn_item.docstatus = 1
		LEFT JOIN `tabDelivery Note` dn ON dn.name = dn_item.parent
		WHERE agreement.company = %s AND agreement.docstatus = 1 AND line.line_type = 'Firm'
			AND line.status != 'Cancelled' AND line.schedule_date BETWEEN %s AND %s
		GROUP BY line.name, line.qty
		""",
		(company, from_date, to_date),
	)
	return [(flt(qty), flt(delivered)) for qty, delivered in rows]


# Number card methods: `filters` is what the workspace card sends (JSON list or dict).

# KPI key -> (function computing its group, DocType whose read permission it needs, field type)
CARDS = {
	"dso": (receivables_kpis, "Sales Invoice", "Float"),
	"overdue_receivables_percent": (receivables_kpis, "Sales Invoice", "Percent"),
	"collection_effectiveness_index": (receivables_kpis, "Sales Invoice", "Percent"),
	"pending_credit_holds": (credit_kpis, "Credit Hold", "Int"),
	"mean_hours_to_credit_decision": (credit_kpis, "Credit Hold", "Float"),
	"schedule_adherence_percent": (scheduling_kpis, "Scheduling Agreement", "Percent"),
}


def _company_from(filters) -> str:
	if isinstance(filters, str):
		filters = json.loads(filters or "null")
	company = None
	if isinstance(filters, dict):
		company = filters.get("company")
	elif isinstance(filters, list):
		company = next((f[2] for f in filters if len(f) >= 3 and f[1] == "company"), None)
		if company is None:
			company = next((f[3] for f in filters if len(f) >= 4 and f[1] == "company"), None)
	company = (
		company
		or frappe.defaults.get_user_default("Company")
		or frappe.db.get_single_value("Global Defaults", "default_company")
	)
	if not company:
		frappe.throw(_("Set a default Company to see Order to Cash KPIs."))
	return company


def _card(kpi: str, filters=None) -> dict:
	compute_group, doctype, fieldtype = CARDS[kpi]
	company = _company_from(filters)
	frappe.has_permission(doctype, "read", throw=True)
	frappe.has_permission("Company", "read", doc=company, throw=True)
	value = compute_group(company, getdate(nowdate()), DEFAULT_PERIOD_DAYS)[kpi]
	return {"value": flt(value, 1) if value is not None else 0, "fieldtype": fieldtype}


@frappe.whitelist()
def dso_card(filters=None):
	return _card("dso", filters)


@frappe.whitelist()
def overdue_receivables_card(filters=None):
	return _card("overdue_receivables_percent", filters)


@frappe.whitelist()
def collection_effectiveness_card(filters=None):
	return _card("collection_effectiveness_index", filters)


@frappe.whitelist()
def pending_credit_holds_card(filters=None):
	return _card("pending_credit_holds", filters)


@frappe.whitelist()
def credit_decision_time_card(filters=None):
	return _card("mean_hours_to_credit_decision", filters)


@frappe.whitelist()
def schedule_adherence_card(filters=None):
	return _card("schedule_adherence_percent", filters)
