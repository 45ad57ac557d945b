# Copyright (c) 2026, o2c_extension developers
# For license information, please see license.txt

"""Credit Exposure: per customer of a company, its limit, each exposure part, utilisation, oldest
overdue days and pending holds. Set-based: the same exposure queries a credit check runs, grouped by
customer, whatever the number of customers."""

import frappe
from frappe import _
from frappe.utils import cint, flt

from o2c_extension import access
from o2c_extension.credit_control import core
from o2c_extension.credit_control.exposure import EXPOSURE_DOCTYPES, currency_precision, get_exposures
from o2c_extension.credit_control.policies import get_erpnext_limits, get_policies, get_terms
from o2c_extension.credit_control.scores import stored_scores


def execute(filters=None):
	filters = frappe._dict(filters or {})
	if not filters.company:
		frappe.throw(_("Please select a Company."))
	filters.company = access.require_company(filters.company)
	access.check_company_access(filters.company, EXPOSURE_DOCTYPES)
	# the desk's total row adds up amounts and counts only: limits, percentages, days, levels and
	# scores of different customers do not add up (`disable_total` on their columns)
	return get_columns(), get_data(filters)


def get_columns():
	def column(fieldname, label, fieldtype, width=120, options=None, adds_up=True):
		return {
			"fieldname": fieldname,
			"label": label,
			"fieldtype": fieldtype,
			"width": width,
			"options": options,
			# the desk's total row leaves it empty (frappe.utils.report_column_total)
			**({} if adds_up else {"disable_total": 1}),
		}

	return [
		column("customer", _("Customer"), "Link", 180, "Customer"),
		column("customer_name", _("Customer Name"), "Data", 160),
		column("customer_group", _("Customer Group"), "Link", 130, "Customer Group"),
		column("credit_policy", _("Credit Policy"), "Link", 110, "Credit Policy"),
		column("credit_limit", _("Credit Limit"), "Currency", 120, "currency", adds_up=False),
		column("tolerance_percent", _("Tolerance (%)"), "Percent", 90, adds_up=False),
		column("receivables", _("Receivables"), "Currency", 120, "currency"),
		column("open_orders", _("Open Orders"), "Currency", 120, "currency"),
		column("unbilled_deliveries", _("Unbilled Deliveries"), "Currency", 130, "currency"),
		column("total_exposure", _("Total Exposure"), "Currency", 130, "currency"),
		column("utilisation_percent", _("Utilisation (%)"), "Percent", 100, adds_up=False),
		column("oldest_overdue_days", _("Oldest Overdue Days"), "Int", 110, adds_up=False),
		column("highest_dunning_level", _("Highest Dunning Level"), "Int", 110, adds_up=False),
		column("pending_holds", _("Pending Holds"), "Int", 100),
		column("credit_score", _("Credit Score"), "Float", 100, adds_up=False),
		column("risk_class", _("Risk Class"), "Data", 80),
		column("status", _("Status"), "Data", 110),
		column("currency", _("Currency"), "Link", 80, "Currency"),
	]


def get_data(filters) -> list[dict]:
	company = filters.company
	customers = _selected_customers(filters)
	exposures = get_exposures(company, customers)
	pending = _pending_holds(company, customers)
	names = sorted(set(customers) if customers is not None else set(exposures) | set(pending))
	if not names:
		return []

	policies = get_policies(company, names)
	terms = get_terms(company, policies)
	no_policy = [customer for customer in names if not policies[customer]]
	erpnext_limits = get_erpnext_limits(company, no_policy)
	for customer in no_policy:
		terms[customer] = core.CreditTerms(credit_limit=erpnext_limits[customer])
	details = {
		row.name: row
		for row in frappe.get_all(
			"Customer", filters={"name": ("in", names)}, fields=["name", "customer_name", "customer_group"]
		)
	}

	scored = stored_scores(company, names)
	currency = frappe.get_cached_value("Company", company, "default_currency")
	precision = currency_precision()
	data = []
	for customer in names:
		exposure = exposures.get(customer, core.Exposure())
		customer_terms = terms[customer]
		holds = pending.get(customer, [])
		blocking = [name for doctype, name in holds if doctype == "Sales Invoice"]
		decision = core.decide(exposure, customer_terms, blocking, precision)
		# English keys, translated where shown (credit_exposure.js)
		status = "On Credit Hold" if holds else ("Within Limit" if decision.passed else "Over Limit")
		if filters.failing_only and decision.passed and not holds:
			continue
		utilisation = core.utilisation_percent(exposure.total, customer_terms.credit_limit)
		data.append(
			{
				"customer": customer,
				"customer_name": details.get(customer, {}).get("customer_name"),
				"customer_group": details.get(customer, {}).get("customer_group"),
				"credit_policy": policies[customer].name if policies[customer] else None,
				"credit_limit": customer_terms.credit_limit,
				"tolerance_percent": customer_terms.tolerance_percent,
				"receivables": exposure.receivables,
				"open_orders": exposure.open_orders,
				"unbilled_deliveries": exposure.unbilled_deliveries,
				"total_exposure": flt(exposure.total, precision),
				"utilisation_percent": flt(utilisation, 2) if utilisation is not None else None,
				"oldest_overdue_days": exposure.oldest_overdue_days,
				"highest_dunning_level": exposure.highest_dunning_level,
				"pending_holds": len(holds),
				"credit_score": scored[customer].credit_score if customer in scored else None,
				"risk_class": scored[customer].risk_class if customer in scored else None,
				"status": status,
				"currency": currency,
			}
		)
	return data


def _selected_customers(filters) -> list[str] | None:
	"""None means every customer with exposure or a pending hold; a user whose User Permissions
	name certain customers sees only those."""
	allowed = access.allowed_values("Customer", "Customer")
	customers = _filtered_customers(filters)
	if allowed is None:
		return customers
	if filters.customer and filters.customer not in allowed:
		frappe.throw(
			_("Your User Permissions do not allow {0} {1}.").format(
				_("Customer"), frappe.bold(filters.customer)
			),
			frappe.PermissionError,
			title=_("Not Permitted"),
		)
	return sorted(allowed) if customers is None else [c for c in customers if c in set(allowed)]


def _filtered_customers(filters) -> list[str] | None:
	if filters.customer:
		return [filters.customer]
	if filters.customer_group:
		lft, rgt = frappe.db.get_value("Customer Group", filters.customer_group, ["lft", "rgt"]) or (0, 0)
		return frappe.db.sql_list(
			"""
			select c.name from `tabCustomer` c
			join `tabCustomer Group` cg on cg.name = c.customer_group
			where cg.lft >= %(lft)s and cg.rgt <= %(rgt)s
			""",
			{"lft": cint(lft), "rgt": cint(rgt)},
		)
	return None


def _pending_holds(company: str, customers: list[str] | None) -> dict[str, list[tuple[str, str]]]:
	filters = {"company": company, "status": "Pending"}
	if customers is not None:
		if not customers:
			return {}
		filters["customer"] = ("in", customers)
	pending: dict[str, list[tuple[str, str]]] = {}
	for row in frappe.get_all(
		"Credit Hold", filters=filters, fields=["customer", "reference_doctype", "reference_name"]
	):
		pending.setdefault(row.customer, []).append((row.reference_doctype, row.reference_name))
	return pending
