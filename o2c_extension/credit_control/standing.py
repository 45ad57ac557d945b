"""A customer's credit standing in a company besides its exposure: what `get_exposure` (REST) shows
with it, read in two statements.

The slow path it replaces asked a dozen small questions one by one (does the customer exist, the
company, which policies, the customer's group and its bounds, the risk class, the ERPNext limits of
the customer, its group and the company, the pending holds, the collection holds, the stored
score): each a round trip and MariaDB's parse and plan. Here they are

1. the company's enabled Credit Policies with the bounds of their customer groups;
2. one UNION ALL: the customer's row (its group's bounds, its own and its group's ERPNext Customer
   Credit Limit, its stored score and risk class; the company's name and credit limit), then one row
   per Pending Credit Hold (oldest first) naming what it holds;

and the decisions are the same functions' as before (`policies.choose_policy`,
`policies.erpnext_limit`): tests compare both paths on the same data.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import frappe
from frappe.utils import cint, flt

from o2c_extension.credit_control import policies as credit_policies
from o2c_extension.credit_control.core import CreditTerms
from o2c_extension.credit_control.holds import PENDING

FACTS = """
select 'customer', c.name, c.customer_group, cg.lft, cg.rgt,
	(select ccl.credit_limit from `tabCustomer Credit Limit` ccl where ccl.parenttype = 'Customer'
		and ccl.parent = c.name and ccl.company = %(company)s order by ccl.idx limit 1),
	(select gcl.credit_limit from `tabCustomer Credit Limit` gcl where gcl.parenttype = 'Customer Group'
		and gcl.parent = c.customer_group and gcl.company = %(company)s order by gcl.idx limit 1),
	(select gcl.bypass_credit_limit_check from `tabCustomer Credit Limit` gcl
		where gcl.parenttype = 'Customer Group' and gcl.parent = c.customer_group
		and gcl.company = %(company)s order by gcl.idx limit 1),
	co.name, co.credit_limit, score.credit_score, score.risk_class, null
from `tabCustomer` c
left join `tabCustomer Group` cg on cg.name = c.customer_group
left join `tabCompany` co on co.name = %(company)s
left join `tabCustomer Credit Score` score on score.customer = c.name and score.company = %(company)s
where c.name = %(customer)s
union all
select 'hold', h.name, h.reference_doctype, h.reference_name, null, null, null, null, null, null,
	null, null, h.creation
from `tabCredit Hold` h
where h.customer = %(customer)s and h.company = %(company)s and h.status = %(pending)s
"""


@dataclass
class Standing:
	customer: str | None = None  # None: no such customer
	company: str | None = None  # None: no such company
	policy: frappe._dict | None = None
	terms: CreditTerms = field(default_factory=CreditTerms)
	pending_holds: list[str] = field(default_factory=list)  # oldest first
	collection_blocks: list[str] = field(default_factory=list)  # Sales Invoices, by name
	credit_score: float | None = None
	risk_class: str | None = None


def customer_standing(customer: str, company: str) -> Standing:
	"""The customer's policy and terms (the ERPNext credit limit when no policy applies), pending
	holds, collection holds and stored score in `company`; `customer` / `company` None when the
	record does not exist (nothing else is read then)."""
	standing = Standing()
	rows = frappe.db.sql(FACTS, {"customer": customer, "company": company, "pending": PENDING})
	holds = []
	for kind, *values in rows:
		if kind == "customer":
			(
				standing.customer,
				group,
				lft,
				rgt,
				own_limit,
				group_limit,
				group_bypasses,
				standing.company,
				company_limit,
				credit_score,
				standing.risk_class,
				_,
			) = values
			standing.credit_score = None if credit_score is None else flt(credit_score)
			limits = (own_limit, group_limit, group_bypasses, company_limit)
			customer_group = (group, cint(lft), cint(rgt))
		else:
			name, reference_doctype, reference_name, *_rest, creation = values
			holds.append((creation, name, reference_doctype, reference_name))
	if not standing.customer or not standing.company:
		return standing

	holds.sort(key=lambda hold: (hold[0], hold[1]))
	standing.pending_holds = [name for _creation, name, _doctype, _reference in holds]
	standing.collection_blocks = sorted(
		reference for _creation, _name, doctype, reference in holds if doctype == "Sales Invoice"
	)

	policies = company_policies(standing.company)
	standing.policy = credit_policies.choose_policy(
		policies,
		standing.customer,
		standing.risk_class,
		customer_group,
		{
			policy.customer_group: (policy.group_lft, policy.group_rgt)
			for policy in policies
			if policy.group_lft
		},
	)
	erpnext_limit = credit_policies.erpnext_limit(*limits)
	if standing.policy:
		policy = standing.policy
		standing.terms = CreditTerms(
			credit_limit=flt(policy.credit_limit) or erpnext_limit,
			tolerance_percent=flt(policy.tolerance_percent),
			max_overdue_days=cint(policy.max_overdue_days),
			max_dunning_level=cint(policy.max_dunning_level),
		)
	else:
		standing.terms = CreditTerms(credit_limit=erpnext_limit)
	return standing


def company_policies(company: str) -> list[frappe._dict]:
	"""The company's enabled Credit Policies, each with its customer group's bounds."""
	fields = ", ".join(f"p.`{fieldname}`" for fieldname in credit_policies.POLICY_FIELDS)
	return frappe.db.sql(
		f"""
		select {fields}, cg.lft as group_lft, cg.rgt as group_rgt
		from `tabCredit Policy` p
		left join `tabCustomer Group` cg on cg.name = p.customer_group
		where p.company = %(company)s and p.enabled = 1
		""",
		{"company": company},
		as_dict=True,
	)
