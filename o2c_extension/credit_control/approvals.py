"""Approval authority, the thin layer: reads O2C Settings › Credit Approval Limits and refuses a
decision above the user's authority (the rule itself is `authority.py`)."""

from __future__ import annotations

import frappe
from frappe import _
from frappe.utils import flt, fmt_money

from o2c_extension.credit_control import authority


def approval_limits() -> list[authority.ApprovalLimit]:
	rows = frappe.get_all(
		"Credit Approval Limit",
		filters={"parenttype": "O2C Settings", "parentfield": "credit_approval_limits"},
		fields=["role", "max_amount"],
		order_by="idx asc",
	)
	return [authority.ApprovalLimit(row.role, flt(row.max_amount)) for row in rows]


def assert_may_decide(amount: float, company: str, what: str, user: str | None = None) -> None:
	"""PermissionError unless the user's authority covers `amount` (company currency) of `what`
	(e.g. "Credit Hold CH-00001"); the message names the role that may decide it."""
	decision = authority.decide(approval_limits(), frappe.get_roles(user), flt(amount))
	if decision.allowed:
		return
	currency = frappe.get_cached_value("Company", company, "default_currency")
	shown_amount = fmt_money(amount, currency=currency)
	if decision.needed_role:
		message = _(
			"{0} is for {1}, above your approval authority of {2}: a user with the role {3} may decide it."
		).format(
			what,
			shown_amount,
			fmt_money(decision.authority, currency=currency),
			frappe.bold(_(decision.needed_role)),
		)
	else:
		message = _(
			"{0} is for {1}, above every approval authority in O2C Settings (Credit Approval Limits):"
			" raise a role's Max Amount to decide it."
		).format(what, shown_amount)
	frappe.throw(message, frappe.PermissionError, title=_("Above Your Approval Authority"))
