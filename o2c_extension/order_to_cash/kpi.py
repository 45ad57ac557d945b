"""Reads the numbers behind the Order to Cash KPIs and serves them to the workspace's number cards.

The formulas live in `kpi_core.py`; this module only runs a handful of set-based queries per KPI
(Payment Ledger Entry for receivables, as ERPNext itself does since v14) and checks permissions.
"""

import json

import frappe
from frappe import _
from frappe.utils import add_days, flt, getdate, nowdate

from o2c_extension import access
from o2c_extension.order_to_cash import kpi_cache, kpi_core

DEFAULT_PERIOD_DAYS = 90


def receivables_position(company: str, as_of) -> dict:
	"""Customer receivables at the end of `as_of`: total, overdue part and not-yet-due part, item
	by item in Python. The reference the one-pass `receivables_positions` is tested against."""
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
	"""DSO, overdue share and CEI of the company: from the day's cache (`kpi_cache`), else read."""
	as_of = getdate(as_of)
	cached = kpi_cache.get(company, as_of, period_days)
	if cached is None:
		cached = read_receivables_kpis(company, as_of, period_days)
		kpi_cache.put(company, as_of, period_days, cached)
	return dict(cached)


def read_receivables_kpis(company: str, as_of, period_days: int) -> dict:
	"""DSO, overdue share and CEI read from the ledger: one pass over it (`receivables_positions`)."""
	period_start = add_days(as_of, -period_days + 1)
	closing, opening_total = receivables_positions(company, as_of, add_days(period_start, -1))
	sales = credit_sales(company, period_start, as_of)
	return receivables_figures(closing, opening_total, sales, period_days)


def receivables_figures(closing: dict, opening_total: float, sales: float, period_days: int) -> dict:
	return {
		"dso": kpi_core.days_sales_outstanding(closing["total"], sales, period_days),
		"overdue_receivables_percent": kpi_core.overdue_receivables_percent(
			closing["overdue"], closing["total"]
		),
		"collection_effectiveness_index": kpi_core.collection_effectiveness_index(
			opening_total, sales, closing["total"], closing["current"]
		),
	}


def receivables_positions(company: str, as_of, opening_as_of) -> tuple[dict, float]:
	"""The closing position at the end of `as_of` (as `receivables_position` gives it) and the
	total receivables at the end of `opening_as_of` (an earlier day), in one pass over the ledger:
	each open item's outstanding at both dates, summed by the database."""
	row = frappe.db.sql(
		"""
		SELECT COALESCE(SUM(item.closing), 0),
			COALESCE(SUM(CASE WHEN item.closing > 0 AND item.due_date < %(as_of)s THEN item.closing END), 0),
			COALESCE(SUM(item.opening), 0)
		FROM (
			SELECT SUM(ple.amount) AS closing,
				SUM(CASE WHEN ple.posting_date <= %(opening_as_of)s THEN ple.amount ELSE 0 END) AS opening,
				MAX(CASE WHEN ple.voucher_no = ple.against_voucher_no THEN ple.due_date END) AS due_date
			FROM `tabPayment Ledger Entry` ple
			WHERE ple.company = %(company)s AND ple.party_type = 'Customer' AND ple.delinked = 0
				AND ple.posting_date <= %(as_of)s
			GROUP BY ple.against_voucher_type, ple.against_voucher_no
		) item
		""",
		{"company": company, "as_of": getdate(as_of), "opening_as_of": getdate(opening_as_of)},
	)[0]
	total, overdue, opening = (flt(value) for value in row)
	return {"total": total, "overdue": overdue, "current": total - overdue}, opening


def credit_kpis(company: str, as_of, period_days: int) -> dict:
	"""Pending holds and mean hours to a decision: from the day's cache (`kpi_cache`), else read."""
	variant = f"{getdate(as_of)}|{int(period_days)}"
	cached = kpi_cache.get_figures(company, kpi_cache.CREDIT_CARDS, variant)
	if cached is None:
		cached = read_credit_kpis(company, as_of, period_days)
		kpi_cache.put_figures(company, kpi_cache.CREDIT_CARDS, variant, cached)
	return dict(cached)


def read_credit_kpis(company: str, as_of, period_days: int) -> dict:
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
	"""(scheduled qty, qty delivered by the schedule date) for each Firm line due in the period,
	both in the item's stock UOM: a line is in the agreement item's UOM (a Box of 12, say), a
	delivery row in its own (Nos); returns count against what was delivered."""
	rows = frappe.db.sql(
		"""
		SELECT line.qty * COALESCE(NULLIF(agreement_item.conversion_factor, 0), 1),
			COALESCE(SUM(CASE WHEN dn.posting_date <= line.schedule_date THEN dn_item.stock_qty END), 0)
		FROM `tabScheduling Agreement Schedule Line` line
		JOIN `tabScheduling Agreement` agreement ON agreement.name = line.parent
		JOIN `tabScheduling Agreement Item` agreement_item
			ON agreement_item.parent = line.parent AND agreement_item.item_code = line.item_code
		LEFT JOIN `tabDelivery Note Item` dn_item
			ON dn_item.schedule_line = line.name AND dn_item.docstatus = 1
		LEFT JOIN `tabDelivery Note` dn ON dn.name = dn_item.parent
		WHERE agreement.company = %s AND agreement.docstatus = 1 AND line.line_type = 'Firm'
			AND line.status != 'Cancelled' AND line.schedule_date BETWEEN %s AND %s
		GROUP BY line.name, line.qty, agreement_item.conversion_factor
		""",
		(company, from_date, to_date),
	)
	return [(flt(qty), flt(delivered)) for qty, delivered in rows]


# Number card methods: `filters` is what the workspace card sends (JSON list or dict).
#
# A card shows a figure computed over every document of its DocType in the company, so it needs
# read on all of them: a role that reads the DocType (not only the documents one owns, nor the
# few shared with or assigned to one), or a role of the app whose job is that figure; and User
# Permissions that neither leave the company out nor limit the DocType to some of its records.

# KPI key -> (function computing its group, DocType it is computed from, field type, app roles
# that see it without a role on the DocType)
CARDS = {
	"dso": (receivables_kpis, "Sales Invoice", "Float", ("Collections Manager",)),
	"overdue_receivables_percent": (receivables_kpis, "Sales Invoice", "Percent", ("Collections Manager",)),
	"collection_effectiveness_index": (
		receivables_kpis,
		"Sales Invoice",
		"Percent",
		("Collections Manager",),
	),
	"pending_credit_holds": (credit_kpis, "Credit Hold", "Int", ("Credit Controller",)),
	"mean_hours_to_credit_decision": (credit_kpis, "Credit Hold", "Float", ("Credit Controller",)),
	"schedule_adherence_percent": (scheduling_kpis, "Scheduling Agreement", "Percent", ()),
}
EQUALS = ("=", "==")


def _company_from(filters) -> str:
	"""The company of the card's filters, else the user's default company.

	`filters` as Frappe writes them, a dict ({"company": "X"} or {"company": ["=", "X"]}) or a list
	of [doctype, field, operator, value] / [field, operator, value], or their JSON."""
	if isinstance(filters, str):
		try:
			filters = json.loads(filters) if filters.strip() else None
		except (ValueError, RecursionError):
			_invalid_filters()
	company = None
	if isinstance(filters, dict):
		company = filters.get("company")
		if isinstance(company, list | tuple):
			company = _equals_value(company)
	elif isinstance(filters, list):
		for condition in filters:
			if not isinstance(condition, list | tuple) or len(condition) not in (3, 4, 5):
				_invalid_filters()
			field, *operator_and_value = condition[1:4] if len(condition) >= 4 else condition
			if field == "company":
				company = _equals_value(operator_and_value)
	elif filters is not None:
		_invalid_filters()
	if company in (None, ""):
		company = frappe.defaults.get_user_default("Company") or frappe.db.get_single_value(
			"Global Defaults", "default_company"
		)
		if not company:
			frappe.throw(_("Set a default Company to see Order to Cash KPIs."))
	return access.require_company(company)


def _equals_value(operator_and_value):
	if len(operator_and_value) != 2 or operator_and_value[0] not in EQUALS:
		frappe.throw(
			_("Order to Cash KPIs are shown for one company: filter on company = the company."),
			title=_("Invalid Filters"),
		)
	return operator_and_value[1]


def _invalid_filters():
	frappe.throw(
		_("The filters are not valid: send {0} or a list of filters in JSON.").format('{"company": "..."}'),
		title=_("Invalid Filters"),
	)


def _check_reads_doctype(doctype: str, app_roles: tuple[str, ...]) -> None:
	if set(app_roles).isdisjoint(frappe.get_roles()):
		frappe.has_permission(doctype, "read", throw=True)
		if not access.reads_every_record(doctype):
			frappe.throw(
				_(
					"This KPI is computed from every {0} of the company; you may read only some of them."
				).format(_(doctype)),
				frappe.PermissionError,
				title=_("Not Permitted"),
			)


def _check_reads_company(doctype: str, company: str) -> None:
	access.check_company_access(company, (doctype,))
	if restricting := access.restricting_doctypes(doctype):
		frappe.throw(
			_(
				"This KPI is computed from every {0} of the company; your User Permissions on {1} limit "
				"the ones you may see."
			).format(_(doctype), ", ".join(_(other) for other in restricting)),
			frappe.PermissionError,
			title=_("Not Permitted"),
		)


def _card(kpi: str, filters=None) -> dict:
	compute_group, doctype, fieldtype, app_roles = CARDS[kpi]
	_check_reads_doctype(doctype, app_roles)
	company = _company_from(filters)
	_check_reads_company(doctype, company)
	value = compute_group(company, getdate(nowdate()), DEFAULT_PERIOD_DAYS)[kpi]
	# `precision`: the card shows one decimal (the desk's Percent would show the site's three);
	# `company`: the company the figure is for (the card's filter, else the user's default)
	return {
		"value": flt(value, 1) if value is not None else 0,
		"fieldtype": fieldtype,
		"precision": 0 if fieldtype == "Int" else 1,
		"company": company,
	}


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
