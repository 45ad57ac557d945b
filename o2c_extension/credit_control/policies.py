"""Which Credit Policy applies to a customer, and the rules it sets: set-based, for one customer
(a document check) or many (the Credit Exposure report)."""

from __future__ import annotations

import frappe
from frappe.utils import cint, flt

from o2c_extension.credit_control import core
from o2c_extension.credit_control.core import (
	SCOPE_COMPANY,
	SCOPE_CUSTOMER,
	SCOPE_CUSTOMER_GROUP,
	SCOPE_RISK_CLASS,
	CreditTerms,
	pick_most_specific,
)

POLICY_FIELDS = (
	"name",
	"customer",
	"customer_group",
	"risk_class",
	"credit_limit",
	"tolerance_percent",
	"max_overdue_days",
	"max_dunning_level",
	"check_on_quotation",
	"check_on_sales_order",
	"check_on_delivery_note",
	"check_on_sales_invoice",
)


def get_policy(customer: str, company: str) -> frappe._dict | None:
	return get_policies(company, [customer]).get(customer)


def get_policies(company: str, customers: list[str]) -> dict[str, frappe._dict | None]:
	"""customer -> the most specific enabled policy of `company` covering it, or None."""
	result: dict[str, frappe._dict | None] = dict.fromkeys(customers)
	if not customers:
		return result
	policies = frappe.get_all(
		"Credit Policy", filters={"company": company, "enabled": 1}, fields=list(POLICY_FIELDS)
	)
	if not policies:
		return result

	risk_classes = _risk_classes(company, customers) if any(p.risk_class for p in policies) else {}
	group_policies = [policy for policy in policies if policy.customer_group]
	group_bounds = (
		_group_bounds([policy.customer_group for policy in group_policies]) if group_policies else {}
	)
	customer_groups = _customer_groups(customers) if group_policies else {}
	for customer in customers:
		result[customer] = choose_policy(
			policies, customer, risk_classes.get(customer), customer_groups.get(customer), group_bounds
		)
	return result


def choose_policy(
	policies: list,
	customer: str,
	risk_class: str | None,
	customer_group: tuple[str, int, int] | None,
	group_bounds: dict[str, tuple[int, int]],
) -> frappe._dict | None:
	"""The most specific of the company's enabled `policies` covering the customer: its own, its
	customer group's (the nearest enclosing group; `customer_group` = (group, lft, rgt),
	`group_bounds` = the policies' groups' (lft, rgt)), its stored risk class's, the company-wide one."""
	candidates = []
	for policy in policies:
		if policy.customer:
			if policy.customer == customer:
				candidates.append(core.PolicyCandidate(policy.name, SCOPE_CUSTOMER))
		elif policy.customer_group:
			policy_lft, policy_rgt = group_bounds.get(policy.customer_group, (None, None))
			if (
				customer_group
				and policy_lft is not None
				and policy_lft <= customer_group[1]
				and policy_rgt >= customer_group[2]
			):
				candidates.append(core.PolicyCandidate(policy.name, SCOPE_CUSTOMER_GROUP, policy_lft))
		elif policy.risk_class:
			if risk_class and policy.risk_class == risk_class:
				candidates.append(core.PolicyCandidate(policy.name, SCOPE_RISK_CLASS))
		else:
			candidates.append(core.PolicyCandidate(policy.name, SCOPE_COMPANY))
	chosen = pick_most_specific(candidates)
	return next(policy for policy in policies if policy.name == chosen) if chosen else None


def get_terms(
	company: str, policies: dict[str, frappe._dict | None], for_check: str | None = None
) -> dict[str, CreditTerms]:
	"""customer -> the rules of its policy. A policy without its own limit takes the ERPNext
	Customer Credit Limit. `for_check` (e.g. "check_on_sales_order"): a policy that does not check
	that document type gives no rules. Customers without a policy get no rules."""
	need_erpnext_limit = [
		customer for customer, policy in policies.items() if policy and not flt(policy.credit_limit)
	]
	erpnext_limits = get_erpnext_limits(company, need_erpnext_limit) if need_erpnext_limit else {}
	terms = {}
	for customer, policy in policies.items():
		if not policy or (for_check and not cint(policy.get(for_check))):
			terms[customer] = CreditTerms()
			continue
		terms[customer] = CreditTerms(
			credit_limit=flt(policy.credit_limit) or flt(erpnext_limits.get(customer)),
			tolerance_percent=flt(policy.tolerance_percent),
			max_overdue_days=cint(policy.max_overdue_days),
			max_dunning_level=cint(policy.max_dunning_level),
		)
	return terms


def get_erpnext_limits(company: str, customers: list[str]) -> dict[str, float]:
	"""ERPNext's `get_credit_limit` for many customers at once, in its order: the customer's own
	Customer Credit Limit for the company, else its customer group's (unless that row bypasses the
	check), else the company's credit limit."""
	if not customers:
		return {}
	own = dict(
		frappe.db.sql(
			"""
			select parent, credit_limit from `tabCustomer Credit Limit`
			where parenttype = 'Customer' and company = %(company)s and parent in %(customers)s
			""",
			{"company": company, "customers": tuple(customers)},
		)
	)
	customer_groups = _customer_groups(customers)
	groups = tuple({group for group, _lft, _rgt in customer_groups.values()}) or ("",)
	group_limits = {
		parent: (limit, bypass)
		for parent, limit, bypass in frappe.db.sql(
			"""
			select parent, credit_limit, bypass_credit_limit_check from `tabCustomer Credit Limit`
			where parenttype = 'Customer Group' and company = %(company)s and parent in %(groups)s
			""",
			{"company": company, "groups": groups},
		)
	}
	company_limit = frappe.get_cached_value("Company", company, "credit_limit")
	limits = {}
	for customer in customers:
		group = customer_groups.get(customer, (None, 0, 0))[0]
		limits[customer] = erpnext_limit(own.get(customer), *group_limits.get(group, (0, 0)), company_limit)
	return limits


def erpnext_limit(own_limit, group_limit, group_bypasses, company_limit) -> float:
	"""ERPNext's `get_credit_limit` order: the customer's own limit for the company, else its
	group's (unless that row bypasses the check), else the company's."""
	return flt(own_limit) or (0.0 if cint(group_bypasses) else flt(group_limit)) or flt(company_limit)


def _customer_groups(customers: list[str]) -> dict[str, tuple[str, int, int]]:
	rows = frappe.db.sql(
		"""
		select c.name, c.customer_group, cg.lft, cg.rgt
		from `tabCustomer` c
		left join `tabCustomer Group` cg on cg.name = c.customer_group
		where c.name in %(customers)s
		""",
		{"customers": tuple(customers)},
	)
	return {name: (group, cint(lft), cint(rgt)) for name, group, lft, rgt in rows}


def _group_bounds(groups: list[str]) -> dict[str, tuple[int, int]]:
	rows = frappe.db.sql(
		"select name, lft, rgt from `tabCustomer Group` where name in %(groups)s",
		{"groups": tuple(set(groups))},
	)
	return {name: (cint(lft), cint(rgt)) for name, lft, rgt in rows}


def _risk_classes(company: str, customers: list[str]) -> dict[str, str]:
	"""customer -> the risk class of its stored credit score in `company` (Customer Credit Score)."""
	rows = frappe.get_all(
		"Customer Credit Score",
		filters={"company": company, "customer": ("in", list(customers)), "risk_class": ("is", "set")},
		fields=["customer", "risk_class"],
	)
	return {row.customer: row.risk_class for row in rows}
