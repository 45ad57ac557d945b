"""`policies.choose_policy` and `policies.erpnext_limit`: the decisions `get_exposure`'s fast path
(`standing.py`) and the step-by-step path (`get_policies`, `get_erpnext_limits`) share, against
the rule written out: the customer's own policy, else the nearest enclosing customer group's,
else its risk class's, else the company-wide one; ERPNext's limit: the customer's own, else its
group's unless that bypasses, else the company's. No database."""

import frappe
from hypothesis import given
from hypothesis import strategies as st

from o2c_extension.credit_control.policies import choose_policy, erpnext_limit

# a small customer-group tree as nested sets: name -> (lft, rgt)
GROUPS = {"All": (1, 14), "Retail": (2, 7), "Retail EU": (3, 4), "Retail US": (5, 6), "Wholesale": (8, 13)}
GROUPS["Wholesale Big"] = (9, 10)
GROUPS["Wholesale Small"] = (11, 12)
CUSTOMERS = ("C1", "C2")
RISK_CLASSES = ("A", "B", "C", "D")

scopes = st.one_of(
	st.tuples(st.just("customer"), st.sampled_from(CUSTOMERS)),
	st.tuples(st.just("group"), st.sampled_from(sorted(GROUPS))),
	st.tuples(st.just("risk"), st.sampled_from(RISK_CLASSES)),
	st.tuples(st.just("company"), st.none()),
)


def policy(index: int, scope: tuple) -> frappe._dict:
	kind, value = scope
	return frappe._dict(
		name=f"P{index:02d}",
		customer=value if kind == "customer" else None,
		customer_group=value if kind == "group" else None,
		risk_class=value if kind == "risk" else None,
	)


def expected(policies, customer, risk_class, group) -> str | None:
	"""The rule as the README states it, one scope after the other (names break ties)."""
	own = [p.name for p in policies if p.customer == customer]
	if own:
		return max(own)
	lft, rgt = GROUPS[group]
	enclosing = [
		(GROUPS[p.customer_group][0], p.name)
		for p in policies
		if p.customer_group and GROUPS[p.customer_group][0] <= lft and GROUPS[p.customer_group][1] >= rgt
	]
	if enclosing:
		return max(enclosing)[1]
	by_class = [p.name for p in policies if p.risk_class and p.risk_class == risk_class]
	if by_class:
		return max(by_class)
	company_wide = [p.name for p in policies if not (p.customer or p.customer_group or p.risk_class)]
	return max(company_wide) if company_wide else None


@given(
	st.lists(scopes, max_size=8),
	st.sampled_from(CUSTOMERS),
	st.one_of(st.none(), st.sampled_from(RISK_CLASSES)),
	st.sampled_from(sorted(GROUPS)),
)
def test_the_most_specific_policy_wins(scope_list, customer, risk_class, group):
	policies = [policy(i, scope) for i, scope in enumerate(scope_list)]
	chosen = choose_policy(policies, customer, risk_class, (group, *GROUPS[group]), dict(GROUPS))
	assert (chosen.name if chosen else None) == expected(policies, customer, risk_class, group)


def test_a_policy_whose_group_no_longer_exists_covers_nobody():
	policies = [policy(0, ("group", "Retail"))]
	assert choose_policy(policies, "C1", None, ("Retail EU", 3, 4), {}) is None


@given(
	st.floats(0, 1e6),
	st.floats(0, 1e6),
	st.booleans(),
	st.floats(0, 1e6),
)
def test_erpnext_limit_order(own, group, bypasses, company):
	limit = erpnext_limit(own, group, int(bypasses), company)
	if own:
		assert limit == own
	elif group and not bypasses:
		assert limit == group
	else:
		assert limit == company
