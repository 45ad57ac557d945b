"""REST methods of Credit Control (`/api/method/o2c_extension.api.credit.<name>`)."""

import frappe
from frappe import _
from frappe.permissions import get_user_permissions
from frappe.utils import escape_html, flt

from o2c_extension import access
from o2c_extension.credit_control import authority, core, holds, limit_requests, scores
from o2c_extension.credit_control.checks import describe_reason
from o2c_extension.credit_control.exposure import EXPOSURE_DOCTYPES, currency_precision
from o2c_extension.credit_control.exposure import get_exposure as compute_exposure
from o2c_extension.credit_control.standing import customer_standing

CREDIT_CONTROLLER = "Credit Controller"
# who may decide a Credit Limit Request (within their approval authority)
LIMIT_DECIDERS = (authority.CREDIT_CONTROLLER, authority.CREDIT_MANAGER)
# a decision comment is kept in a text column (64 KB)
MAX_COMMENT_LENGTH = 10_000


@frappe.whitelist()
def get_exposure(customer: str, company: str) -> dict:
	"""Limit, each exposure part, total, oldest overdue days and status of a customer in a company.

	`status` is "Within Limit" or "Over Limit" by the rules of the customer's Credit Policy (by the
	ERPNext credit limit alone when no policy applies), "On Credit Hold" while a Credit Hold is
	Pending. Amounts are in company currency, rounded to its precision.

	Needs read on the Customer, or the Credit Controller role (who decides Credit Holds needs the
	exposure), within the user's User Permissions on the customer and the company.

	Four statements in all (`standing.customer_standing`: two; the exposure: two, three when an
	open order has an advance): the customer's and company's existence and the permission checks
	read what those statements read, or Frappe's caches."""
	credit_role = _credit_role((CREDIT_CONTROLLER,))
	standing = customer_standing(*_names_sent(customer, company))
	customer, company = _customer_in_company(
		customer, company, credit_role, (standing.customer, standing.company)
	)
	exposure = compute_exposure(customer, company)
	terms = standing.terms
	decision = core.decide(exposure, terms, standing.collection_blocks)
	if standing.pending_holds:
		status = "On Credit Hold"
	else:
		status = "Within Limit" if decision.passed else "Over Limit"

	currency = frappe.get_cached_value("Company", company, "default_currency")
	precision = currency_precision()
	utilisation = core.utilisation_percent(exposure.total, terms.credit_limit)
	return {
		"customer": customer,
		"company": company,
		"currency": currency,
		"credit_policy": standing.policy.name if standing.policy else None,
		"credit_limit": flt(terms.credit_limit, precision),
		"tolerance_percent": terms.tolerance_percent,
		"effective_limit": flt(terms.effective_limit, precision),
		# the parts come rounded from the exposure function; their sum and the limits do not
		"receivables": exposure.receivables,
		"open_orders": exposure.open_orders,
		"unbilled_deliveries": exposure.unbilled_deliveries,
		"total": flt(exposure.total, precision),
		"utilisation_percent": flt(utilisation, 2) if utilisation is not None else None,
		"oldest_overdue_days": exposure.oldest_overdue_days,
		"highest_dunning_level": exposure.highest_dunning_level,
		"pending_holds": standing.pending_holds,
		"status": status,
		# the score the daily job stored (None before the customer's first scoring)
		"credit_score": standing.credit_score,
		"risk_class": standing.risk_class,
		"reasons": [describe_reason(reason, currency) for reason in decision.reasons],
	}


@frappe.whitelist(methods=["POST"])
def release_hold(name: str, comment: str) -> dict:
	"""Release a Pending Credit Hold (Credit Controller); a held Sales Order is resumed."""
	hold = _decide(name, comment, holds.release)
	return {"name": hold.name, "status": hold.status}


@frappe.whitelist(methods=["POST"])
def reject_hold(name: str, comment: str) -> dict:
	"""Reject a Pending Credit Hold (Credit Controller); a held Sales Order stays On Hold."""
	hold = _decide(name, comment, holds.reject)
	return {"name": hold.name, "status": hold.status}


def _decide(name, comment, decide):
	frappe.only_for(CREDIT_CONTROLLER, message=True)
	if not frappe.db.exists("Credit Hold", name):
		frappe.throw(_("Credit Hold {0} does not exist.").format(escape_html(name)), frappe.DoesNotExistError)
	return _decide_on("Credit Hold", name, comment, decide)


def _decide_on(doctype: str, name: str, comment, decide):
	"""What every credit decision checks before `decide(name, comment)`: write permission, the
	record's company and customer within the user's User Permissions, a comment of bounded length."""
	frappe.has_permission(doctype, "write", name, throw=True)
	doc = frappe.get_doc(doctype, name)
	access.check_company_access(doc.company, EXPOSURE_DOCTYPES)
	access.check_user_permissions(doc)
	if isinstance(comment, str) and len(comment.strip()) > MAX_COMMENT_LENGTH:
		frappe.throw(
			_("The comment is too long: at most {0} characters.").format(MAX_COMMENT_LENGTH),
			title=_("Comment Too Long"),
		)
	return decide(name, comment)


# --- credit limit requests (v2) ----------------------------------------------------------------


@frappe.whitelist(methods=["POST"])
def approve_limit_request(name: str, comment: str) -> dict:
	"""Approve a Pending Credit Limit Request (Credit Controller or Credit Manager, within their
	approval authority, not one's own): the customer's Credit Policy takes the requested limit."""
	request = _decide_limit_request(name, comment, limit_requests.approve)
	return {
		"name": request.name,
		"status": request.status,
		"credit_policy": request.credit_policy,
		"credit_limit": request.requested_limit,
	}


@frappe.whitelist(methods=["POST"])
def reject_limit_request(name: str, comment: str) -> dict:
	"""Reject a Pending Credit Limit Request (Credit Controller or Credit Manager, not one's own);
	the limit stays as it was."""
	request = _decide_limit_request(name, comment, limit_requests.reject)
	return {"name": request.name, "status": request.status}


def _decide_limit_request(name, comment, decide):
	frappe.only_for(LIMIT_DECIDERS, message=True)
	name = access.require_existing("Credit Limit Request", name)
	return _decide_on("Credit Limit Request", name, comment, decide)


# --- credit score (v2) ---------------------------------------------------------------------------


@frappe.whitelist()
def score_customer(customer: str, company: str) -> dict:
	"""The customer's credit score in the company as of now: `credit_score` (0–100, higher = safer),
	`risk_class` (A–D) and the `factors` behind it. Reads only; the daily job stores the scores.

	Needs read on the Customer, or the Credit Controller or Credit Manager role, within the user's
	User Permissions on the customer and the company."""
	customer, company = _customer_in_company(customer, company, LIMIT_DECIDERS)
	result = scores.score_customers(company, [customer])[customer]
	return {
		"customer": customer,
		"company": company,
		"credit_score": result.credit_score,
		"risk_class": result.risk_class,
		"factors": result.factors.as_dict(),
	}


def _credit_role(credit_roles) -> bool:
	"""Whether the user holds one of `credit_roles`; without one, read on Customer is needed (checked
	first, before anything is read)."""
	credit_role = bool(set(credit_roles) & set(frappe.get_roles()))
	if not credit_role:
		frappe.has_permission("Customer", "read", throw=True)
	return credit_role


def _names_sent(customer, company) -> tuple[str, str]:
	"""The customer and company names sent, stripped ('' for anything but text)."""
	return tuple(value.strip() if isinstance(value, str) else "" for value in (customer, company))


def _customer_in_company(customer, company, credit_roles, found=None) -> tuple[str, str]:
	"""The customer and company a credit figure is asked for, checked: read on the Customer, or one
	of `credit_roles` (who decide on the customer's credit), within the user's User Permissions on
	the customer and the company.

	`credit_roles` may be the answer of `_credit_role` already, and `found` the (customer, company)
	names a statement of the caller found (None where the record does not exist): nothing is read
	again then. The Customer is read from Frappe's document cache, and only when the user's
	permissions need it (Frappe drops that cache whenever the customer is saved)."""
	credit_role = credit_roles if isinstance(credit_roles, bool) else _credit_role(credit_roles)
	found_customer, found_company = found or (None, None)
	customer = found_customer or access.require_existing("Customer", customer)
	company = found_company or access.require_company(company)
	if credit_role:
		if get_user_permissions(frappe.session.user):
			access.check_user_permissions(frappe.get_cached_doc("Customer", customer))
	else:
		frappe.has_permission("Customer", "read", frappe.get_cached_doc("Customer", customer), throw=True)
	access.check_company_access(company, EXPOSURE_DOCTYPES)
	return customer, company
