"""Credit Limit Requests and the history of every credit limit change.

A request asks for a customer's limit in a company to be raised. A Credit Controller or Credit
Manager decides it (never their own request, within their approval authority); approval writes the
new limit on the customer's own Credit Policy, made from the policy that applies now when the
customer has none. Every change of a policy's limit, by a request or by hand, is kept as a Credit
Limit Change (who, when, old, new, why).
"""

from __future__ import annotations

import frappe
from frappe import _
from frappe.utils import cint, flt, fmt_money, now_datetime
from frappe.utils.html_utils import clean_html

from o2c_extension.credit_control import approvals
from o2c_extension.credit_control.core import CreditTerms
from o2c_extension.credit_control.exposure import currency_precision
from o2c_extension.credit_control.policies import POLICY_FIELDS, get_erpnext_limits, get_policy, get_terms

DRAFT = "Draft"
PENDING = "Pending"
APPROVED = "Approved"
REJECTED = "Rejected"
# far above any real credit limit; a larger figure is a typing error
MAX_LIMIT = 1_000_000_000_000
# the rules a customer's own policy copies from the one that applied before
COPIED_POLICY_FIELDS = tuple(
	field for field in POLICY_FIELDS if field not in ("name", "customer", "customer_group", "risk_class")
)


def current_limit(customer: str, company: str) -> tuple[float, str | None]:
	"""(the credit limit in force, the Credit Policy it comes from or None): the policy's limit, its
	ERPNext Customer Credit Limit when the policy leaves it 0, ERPNext's alone without a policy."""
	policy = get_policy(customer, company)
	if policy:
		terms: CreditTerms = get_terms(company, {customer: policy})[customer]
		return flt(terms.credit_limit, currency_precision()), policy.name
	return flt(get_erpnext_limits(company, [customer])[customer], currency_precision()), None


def money(amount: float, company: str) -> str:
	return fmt_money(amount, currency=frappe.get_cached_value("Company", company, "default_currency"))


def clean_text(text) -> str:
	"""Text a user typed, fit to keep and show: stripped, without scripts or markup."""
	return clean_html(str(text or "")).strip() if text else ""


def validate_request(doc) -> None:
	"""Credit Limit Request validate: amounts, status, one open request per customer and company."""
	before = doc.get_doc_before_save()
	if not doc.flags.o2c_decision:
		if before and before.status in (APPROVED, REJECTED):
			frappe.throw(
				_("Credit Limit Request {0} is already {1} and cannot be changed.").format(
					doc.name, _(before.status)
				),
				title=_("Already Decided"),
			)
		if doc.status not in (DRAFT, PENDING):
			frappe.throw(
				_("A Credit Limit Request is Approved or Rejected only by a decision (Approve or Reject)."),
				title=_("Not Allowed"),
			)
		if doc.approved_by or doc.approved_on or doc.decision_comment:
			frappe.throw(_("The decision fields are set only by a decision."), title=_("Not Allowed"))
	if doc.flags.o2c_decision:
		return

	doc.reason = clean_text(doc.reason)
	if not doc.reason:
		frappe.throw(_("A reason is required for a Credit Limit Request."), title=_("Reason Required"))
	requested = flt(doc.requested_limit, currency_precision())
	if requested <= 0:
		frappe.throw(_("The Requested Limit must be above 0."), title=_("Invalid Requested Limit"))
	if requested > MAX_LIMIT:
		frappe.throw(
			_("The Requested Limit cannot exceed {0}.").format(money(MAX_LIMIT, doc.company)),
			title=_("Invalid Requested Limit"),
		)
	limit, policy = current_limit(doc.customer, doc.company)
	doc.current_limit = limit
	doc.credit_policy = policy
	if requested <= limit:
		frappe.throw(
			_(
				"The Requested Limit {0} is not above the current credit limit {1} of customer {2} in company {3}."
			).format(money(requested, doc.company), money(limit, doc.company), doc.customer, doc.company),
			title=_("Invalid Requested Limit"),
		)
	if doc.sales_order:
		order = frappe.db.get_value("Sales Order", doc.sales_order, ["customer", "company"], as_dict=True)
		if not order or order.customer != doc.customer or order.company != doc.company:
			frappe.throw(
				_("Sales Order {0} is not an order of customer {1} in company {2}.").format(
					doc.sales_order, doc.customer, doc.company
				)
			)
	open_request = frappe.db.get_value(
		"Credit Limit Request",
		{
			"customer": doc.customer,
			"company": doc.company,
			"status": ("in", (DRAFT, PENDING)),
			"name": ("!=", doc.name or ""),
		},
		"name",
	)
	if open_request:
		frappe.throw(
			_("Credit Limit Request {0} for customer {1} in company {2} is still open.").format(
				open_request, doc.customer, doc.company
			),
			title=_("Request Already Open"),
		)


def approve(name: str, comment: str):
	"""Approve a Pending request: the customer's policy takes the requested limit."""
	request, comment = _for_decision(name, comment)
	limit, _policy = current_limit(request.customer, request.company)
	requested = flt(request.requested_limit, currency_precision())
	if requested <= limit:
		frappe.throw(
			_(
				"Credit Limit Request {0} asks for {1}, which is not above the current credit limit {2};"
				" reject it instead."
			).format(request.name, money(requested, request.company), money(limit, request.company)),
			title=_("Invalid Requested Limit"),
		)
	approvals.assert_may_decide(
		requested, request.company, _("Credit Limit Request {0}").format(request.name)
	)
	reason = _("Credit Limit Request {0} approved: {1}").format(request.name, comment)
	policy = set_customer_limit(request.customer, request.company, requested, reason, request.name)
	request.credit_policy = policy
	request.current_limit = limit
	_record_decision(request, APPROVED, comment)
	return request


def reject(name: str, comment: str):
	"""Reject a Pending request: no limit changes."""
	request, comment = _for_decision(name, comment)
	_record_decision(request, REJECTED, comment)
	return request


def _for_decision(name: str, comment):
	comment = clean_text(comment)
	if not comment:
		frappe.throw(
			_("A comment is required to approve or reject a Credit Limit Request."),
			title=_("Comment Required"),
		)
	request = frappe.get_doc("Credit Limit Request", name, for_update=True)
	if request.status != PENDING:
		frappe.throw(
			_("Credit Limit Request {0} is {1}; only Pending requests can be decided.").format(
				request.name, _(request.status)
			),
			title=_("Not Pending"),
		)
	if request.owner == frappe.session.user:
		frappe.throw(
			_("You made Credit Limit Request {0}, so another user must decide it.").format(request.name),
			frappe.PermissionError,
			title=_("Not Permitted"),
		)
	return request, comment


def _record_decision(request, status: str, comment: str) -> None:
	request.status = status
	request.approved_by = frappe.session.user
	request.approved_on = now_datetime()
	request.decision_comment = comment
	request.flags.o2c_decision = True
	request.flags.ignore_permissions = True
	request.save()


def set_customer_limit(
	customer: str, company: str, limit: float, reason: str, request: str | None = None
) -> str:
	"""Give `customer` in `company` the credit limit `limit` on its own Credit Policy, made from the
	policy that applies now (or with the default rules when none does). Returns the policy."""
	applicable = get_policy(customer, company)
	if applicable and applicable.customer == customer:
		policy = frappe.get_doc("Credit Policy", applicable.name)
	else:
		policy = frappe.new_doc("Credit Policy")
		policy.company = company
		if applicable:
			for field in COPIED_POLICY_FIELDS:
				policy.set(field, applicable.get(field))
		policy.enabled = 1
		policy.applies_to = "Customer"
		policy.customer = customer
		policy.customer_group = None
		policy.risk_class = None
	policy.credit_limit = limit
	policy.flags.o2c_limit_reason = reason
	policy.flags.o2c_limit_request = request
	policy.flags.ignore_permissions = True
	policy.save()
	return policy.name


def log_limit_change(policy) -> None:
	"""Credit Policy on_update: keep a change of its credit limit (or a new policy's limit)."""
	before = policy.get_doc_before_save()
	old = flt(before.credit_limit) if before else 0.0
	new = flt(policy.credit_limit)
	precision = currency_precision()
	if flt(old, precision) == flt(new, precision):
		return
	reason = policy.flags.o2c_limit_reason or clean_text(policy.get("limit_change_reason"))
	frappe.get_doc(
		{
			"doctype": "Credit Limit Change",
			"customer": policy.customer if policy.applies_to == "Customer" else None,
			"company": policy.company,
			"credit_policy": policy.name,
			"scope": policy.scope_label(),
			"old_limit": old,
			"new_limit": new,
			"currency": frappe.get_cached_value("Company", policy.company, "default_currency"),
			"changed_by": frappe.session.user,
			"changed_on": now_datetime(),
			"reason": reason or _("Changed on Credit Policy {0}; no reason given.").format(policy.name),
			"credit_limit_request": policy.flags.o2c_limit_request,
		}
	).insert(ignore_permissions=True)
	if policy.get("limit_change_reason"):
		# the reason belongs to this change only
		policy.db_set("limit_change_reason", None, update_modified=False)


def limit_history(customer: str, company: str | None = None, limit: int = 20) -> list[dict]:
	filters = {"customer": customer}
	if company:
		filters["company"] = company
	return frappe.get_all(
		"Credit Limit Change",
		filters=filters,
		fields=[
			"company",
			"credit_policy",
			"old_limit",
			"new_limit",
			"currency",
			"changed_by",
			"changed_on",
			"reason",
			"credit_limit_request",
		],
		order_by="changed_on desc, creation desc",
		limit=cint(limit),
	)
