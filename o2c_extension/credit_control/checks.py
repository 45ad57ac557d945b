"""Credit checks of Quotation, Sales Order, Delivery Note and Sales Invoice.

Reads the policy and the exposure, asks core.decide, and says what happened in words. Whether a
failing document is warned about, held or refused is decided by the caller (events.py).
"""

from __future__ import annotations

from dataclasses import dataclass

import frappe
from frappe import _
from frappe.utils import flt, fmt_money

from o2c_extension.credit_control import core, locks
from o2c_extension.credit_control.exposure import currency_precision, get_exposure
from o2c_extension.credit_control.policies import get_policy, get_terms
from o2c_extension.order_to_cash.doctype.o2c_settings.o2c_settings import is_enabled

# Policy switch per checked document type.
CHECK_FIELDS = {
	"Quotation": "check_on_quotation",
	"Sales Order": "check_on_sales_order",
	"Delivery Note": "check_on_delivery_note",
	"Sales Invoice": "check_on_sales_invoice",
}


class CreditCheckFailed(frappe.ValidationError):
	pass


@dataclass
class CreditCheck:
	customer: str
	company: str
	currency: str
	policy: str | None
	terms: core.CreditTerms
	exposure: core.Exposure
	decision: core.Decision

	@property
	def passed(self) -> bool:
		return self.decision.passed


def credit_control_enabled() -> bool:
	return is_enabled("credit_control")


def policy_for(doc) -> frappe._dict | None:
	"""The policy covering the document's customer, looked up once per document."""
	if "o2c_credit_policy" not in doc.flags:
		customer = customer_of(doc)
		doc.flags.o2c_credit_policy = get_policy(customer, doc.company) if customer else None
	return doc.flags.o2c_credit_policy


def customer_of(doc) -> str | None:
	if doc.doctype == "Quotation":
		return doc.party_name if doc.quotation_to == "Customer" else None
	return doc.get("customer")


def policy_governs(doc) -> bool:
	"""True when this app, not ERPNext's Customer Credit Limit check, decides the document's credit."""
	if doc.flags.o2c_credit_handled:
		return True
	return credit_control_enabled() and bool(policy_for(doc))


def run_check(
	customer: str,
	company: str,
	policy: frappe._dict | None,
	document_amount: float,
	*,
	check_field: str | None,
	blocking_invoices: list[str] | tuple = (),
	exclude_sales_order: str | None = None,
	lock: bool = True,
) -> CreditCheck:
	"""Check a customer with `document_amount` added. With `lock`, other checks of this customer
	wait until the calling transaction ends (see locks.py)."""
	concurrent = locks.lock_customer(customer, company) if lock else 0.0
	precision = currency_precision()
	exposure = get_exposure(
		customer, company, flt(document_amount, precision), exclude_sales_order
	).with_concurrent(flt(concurrent, precision))
	terms = get_terms(company, {customer: policy}, check_field)[customer]
	decision = core.decide(exposure, terms, blocking_invoices, precision)
	return CreditCheck(
		customer=customer,
		company=company,
		currency=frappe.get_cached_value("Company", company, "default_currency"),
		policy=policy.name if policy else None,
		terms=terms,
		exposure=exposure,
		decision=decision,
	)


# --- amounts a document adds ---------------------------------------------------------------


def sales_order_amount(doc) -> float:
	return flt(core.unbilled_share(flt(doc.base_grand_total), flt(doc.per_billed)), currency_precision())


def new_exposure_of(doc) -> float:
	"""What a Delivery Note or Sales Invoice adds: its lines not made from an order (or delivery),
	less what a Sales Invoice has paid on the spot (POS payments, net of change) or written off.
	Advances allocated to the invoice are already negative rows of the ledger: not subtracted."""
	paid = 0.0
	if doc.doctype == "Delivery Note":
		lines = [(flt(d.amount), bool(d.against_sales_order or d.against_sales_invoice)) for d in doc.items]
	else:
		lines = [(flt(d.amount), bool(d.sales_order or d.delivery_note)) for d in doc.items]
		if doc.get("is_pos"):
			paid += flt(doc.base_paid_amount) - flt(doc.base_change_amount)
		paid += flt(doc.base_write_off_amount)
	share = core.new_exposure_share(lines, flt(doc.total), flt(doc.base_grand_total), paid)
	return flt(share, currency_precision())


# --- words -----------------------------------------------------------------------------------


def describe_reason(reason: core.Reason, currency: str) -> str:
	if reason.rule == core.CREDIT_LIMIT:
		return _("Exposure {0} exceeds the credit limit {1} (tolerance included)").format(
			fmt_money(reason.actual, currency=currency), fmt_money(reason.allowed, currency=currency)
		)
	if reason.rule == core.OVERDUE_DAYS:
		return _("An open invoice is {0} days overdue; the policy allows {1}").format(
			reason.actual, reason.allowed
		)
	if reason.rule == core.DUNNING_LEVEL:
		return _("An open invoice has reached dunning level {0}; the policy allows {1}").format(
			reason.actual, reason.allowed
		)
	if reason.rule == core.COLLECTIONS_BLOCK:
		return _("Customer is on collections hold for overdue Sales Invoice {0}").format(reason.actual)
	return reason.rule


def reasons_text(check: CreditCheck) -> str:
	return "\n".join(describe_reason(reason, check.currency) for reason in check.decision.reasons)


def exposure_text(check: CreditCheck, document_label: str | None = None) -> str:
	def money(value):
		return fmt_money(value, currency=check.currency)

	exposure = check.exposure
	text = _("Exposure {0} = receivables {1} + open orders {2} + unbilled deliveries {3} + {4} {5}").format(
		money(exposure.total),
		money(exposure.receivables),
		money(exposure.open_orders),
		money(exposure.unbilled_deliveries),
		document_label or _("this document"),
		money(exposure.document),
	)
	if exposure.concurrent:
		text += " " + _("+ approved by a concurrent check {0}").format(money(exposure.concurrent))
	return text


def limit_text(check: CreditCheck) -> str:
	terms = check.terms
	if not terms.credit_limit:
		return _("No credit limit applies.")
	return _("Credit limit {0} (tolerance {1}%, so up to {2})").format(
		fmt_money(terms.credit_limit, currency=check.currency),
		flt(terms.tolerance_percent, 2),
		fmt_money(terms.effective_limit, currency=check.currency),
	)


def failure_message(check: CreditCheck, doc) -> str:
	reasons = "".join(
		f"<li>{frappe.utils.escape_html(describe_reason(r, check.currency))}</li>"
		for r in check.decision.reasons
	)
	return "<br>".join(
		(
			_("Credit check failed for customer {0}; {1} {2} cannot be submitted.").format(
				frappe.bold(check.customer), _(doc.doctype), doc.name
			),
			exposure_text(check),
			limit_text(check),
			_("Rules that failed:") + f"<ul>{reasons}</ul>",
		)
	)


# --- document checks -------------------------------------------------------------------------


def warn_on_quotation(doc) -> None:
	"""Quotation validate: warn only; nothing is locked or recorded."""
	customer = customer_of(doc)
	if not customer or not credit_control_enabled():
		return
	policy = policy_for(doc)
	if not policy or not policy.check_on_quotation:
		doc.credit_status = None
		return
	check = run_check(
		customer,
		doc.company,
		policy,
		flt(doc.base_grand_total),
		check_field="check_on_quotation",
		lock=False,
	)
	doc.credit_status = "Within Limit" if check.passed else "Over Limit"
	if not check.passed:
		frappe.msgprint(
			"<br>".join(
				(
					_("Customer {0} would fail its credit check if this quotation were ordered.").format(
						frappe.bold(customer)
					),
					exposure_text(check, _("this quotation")),
					limit_text(check),
					"<br>".join(frappe.utils.escape_html(line) for line in reasons_text(check).split("\n")),
				)
			),
			title=_("Credit Warning"),
			indicator="orange",
		)


def run_sales_order_check(
	doc, policy: frappe._dict | None, blocking_invoices: list[str] | tuple = ()
) -> CreditCheck:
	"""Check a Sales Order with its unbilled amount (`check.exposure.document`) added and the order
	itself kept out of the open orders, as it may be submitted already."""
	return run_check(
		doc.customer,
		doc.company,
		policy,
		sales_order_amount(doc),
		check_field="check_on_sales_order",
		blocking_invoices=blocking_invoices,
		exclude_sales_order=doc.name,
	)


def check_sales_order_on_submit(doc, blocking_invoices: list[str]) -> CreditCheck | None:
	"""Sales Order before_submit. Returns the failed check (the caller holds the order) or None."""
	policy = policy_for(doc)
	checks_orders = bool(policy and policy.check_on_sales_order)
	if not checks_orders and not blocking_invoices:
		return None
	check = run_sales_order_check(doc, policy, blocking_invoices)
	if check.passed:
		locks.record_approved(doc.customer, doc.company, check.exposure.document)
		return None
	return check


def check_submitted_sales_order(doc) -> None:
	"""A submitted order changed (items updated, resumed from a manual hold): refuse it if the order
	would now fail. A change of its items that lowers the order's exposure (a smaller quantity, a
	line removed, a lower rate) is never refused; resuming re-checks the order whatever its amount,
	as ERPNext does with its own limit. Orders waiting for a credit decision are left to that
	decision."""
	from o2c_extension.credit_control.holds import open_hold_of

	policy = policy_for(doc)
	if not policy or not policy.check_on_sales_order or open_hold_of(doc):
		return
	amount = sales_order_amount(doc)
	saved = doc.get_doc_before_save()
	before = sales_order_amount(saved or stored_order_figures(doc))
	if not doc.flags.o2c_resuming and not core.exceeds(amount, before, currency_precision()):
		return
	check = run_sales_order_check(doc, policy)
	if not check.passed:
		frappe.throw(failure_message(check, doc), CreditCheckFailed, title=_("Credit Check Failed"))
	if saved is not None:
		# ERPNext's Update Items checks before it saves the order and again after: record once
		locks.record_approved(doc.customer, doc.company, amount - before)


def stored_order_figures(doc) -> frappe._dict:
	"""The order's totals as last saved (ERPNext's Update Items checks credit before it saves)."""
	stored = frappe.db.get_value("Sales Order", doc.name, ["base_grand_total", "per_billed"], as_dict=True)
	return frappe._dict(stored or {"base_grand_total": doc.base_grand_total, "per_billed": doc.per_billed})


def check_delivery_or_invoice(doc) -> None:
	"""Delivery Note / Sales Invoice before_submit: refuse when the new exposure fails."""
	if doc.get("is_return") or not credit_control_enabled():
		return
	policy = policy_for(doc)
	if not policy:
		return
	doc.flags.o2c_credit_handled = True
	check_field = CHECK_FIELDS[doc.doctype]
	if not policy.get(check_field):
		return
	amount = new_exposure_of(doc)
	# Lines made from an order were decided on that order (passed, or released by a Credit
	# Controller); only what this document adds on its own is checked here.
	if amount <= 0:
		return
	check = run_check(doc.customer, doc.company, policy, amount, check_field=check_field)
	if not check.passed:
		frappe.throw(failure_message(check, doc), CreditCheckFailed, title=_("Credit Check Failed"))
	locks.record_approved(doc.customer, doc.company, amount)
