"""REST methods of Credit Control (`/api/method/o2c_extension.api.credit.<name>`)."""

import frappe
from frappe import _

from o2c_extension.credit_control import core, holds
from o2c_extension.credit_control.checks import describe_reason
from o2c_extension.credit_control.exposure import get_exposure as compute_exposure
from o2c_extension.credit_control.policies import get_erpnext_limits, get_policy, get_terms

CREDIT_CONTROLLER = "Credit Controller"


@frappe.whitelist()
def get_exposure(customer: str, company: str) -> dict:
	"""Limit, each exposure part, total, oldest overdue days and status of a customer in a company.

	`status` is "Within Limit" or "Over Limit" by the rules of the customer's Credit Policy (by the
	ERPNext credit limit alone when no policy applies), "On Credit Hold" while a Credit Hold is
	Pending."""
	frappe.has_permission("Customer", "read", customer, throw=True)
	if not frappe.db.exists("Customer", customer):
		frappe.throw(_("Customer {0} does not exist.").format(customer), frappe.DoesNotExistError)

	policy = get_policy(customer, company)
	if policy:
		terms = get_terms(company, {customer: policy})[customer]
	else:
		terms = core.CreditTerms(credit_limit=get_erpnext_limits(company, [customer])[customer])
	exposure = compute_exposure(customer, company)
	decision = core.decide(exposure, terms, holds.collection_blocks(customer, company))
	pending_holds = frappe.get_all(
		"Credit Hold",
		filters={"customer": customer, "company": company, "status": holds.PENDING},
		pluck="name",
		order_by="creation asc",
	)
	if pending_holds:
		status = "On Credit Hold"
	else:
		status = "Within Limit" if decision.passed else "Over Limit"

	currency = frappe.get_cached_value("Company", company, "default_currency")
	return {
		"customer": customer,
		"company": company,
		"currency": currency,
		"credit_policy": policy.name if policy else None,
		"credit_limit": terms.credit_limit,
		"tolerance_percent": terms.tolerance_percent,
		"effective_limit": terms.effective_limit,
		"receivables": exposure.receivables,
		"open_orders": exposure.open_orders,
		"unbilled_deliveries": exposure.unbilled_deliveries,
		"total": exposure.total,
		"utilisation_percent": core.utilisation_percent(exposure.total, terms.credit_limit),
		"oldest_overdue_days": exposure.oldest_overdue_days,
		"highest_dunning_level": exposure.highest_dunning_level,
		"pending_holds": pending_holds,
		"status": status,
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
		frappe.throw(_("Credit Hold {0} does not exist.").format(name), frappe.DoesNotExistError)
	frappe.has_permission("Credit Hold", "write", name, throw=True)
	return decide(name, comment)
