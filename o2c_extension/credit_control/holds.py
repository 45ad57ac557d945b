"""Credit Holds: made when a Sales Order fails its check (or by Collections for an overdue invoice),
decided by a Credit Controller (release / reject) or lifted by a re-check that passes.

`block_customer_for_collections` is the interface the Collections module calls.
"""

from __future__ import annotations

import frappe
from frappe import _
from frappe.utils import cint, flt, now_datetime

from o2c_extension.credit_control import approvals, core, locks
from o2c_extension.credit_control.checks import (
	CreditCheck,
	exposure_text,
	reasons_text,
	run_check,
	sales_order_amount,
)
from o2c_extension.credit_control.exposure import currency_precision, get_exposure, get_exposures
from o2c_extension.credit_control.policies import get_policies, get_policy, get_terms
from o2c_extension.order_to_cash.currency import to_company_currency

PENDING = "Pending"
RELEASED = "Released"
REJECTED = "Rejected"
AUTO_RELEASED = "Auto-Released"

# Sales Order credit_status for each hold status
ORDER_CREDIT_STATUS = {
	PENDING: "On Credit Hold",
	RELEASED: "Released",
	AUTO_RELEASED: "Released",
	REJECTED: "Rejected",
}


def collection_blocks(customer: str, company: str) -> list[str]:
	"""Sales Invoices for which Collections holds the customer (Pending holds)."""
	return frappe.get_all(
		"Credit Hold",
		filters={
			"customer": customer,
			"company": company,
			"status": PENDING,
			"reference_doctype": "Sales Invoice",
		},
		pluck="reference_name",
		order_by="reference_name",
	)


def open_hold_of(order) -> str | None:
	"""The order's Credit Hold when it is still Pending or was Rejected (the order must stay On Hold)."""
	if not order.get("credit_hold"):
		return None
	status = frappe.db.get_value("Credit Hold", order.credit_hold, "status")
	return order.credit_hold if status in (PENDING, REJECTED) else None


def hold_sales_order(order, check: CreditCheck) -> str:
	"""Sales Order on_submit after a failed check: record the hold; the order is already On Hold."""
	hold = _new_hold(
		customer=order.customer,
		company=order.company,
		reference_doctype="Sales Order",
		reference_name=order.name,
		amount=check.exposure.document,
		check=check,
		reasons=reasons_text(check),
		comment=reasons_text(check) + "\n" + exposure_text(check, _("this order")),
	)
	order.db_set({"credit_hold": hold.name, "credit_status": "On Credit Hold"}, update_modified=False)
	order.add_comment("Info", _("Put On Hold by the credit check: Credit Hold {0}.").format(hold.name))
	return hold.name


def block_customer_for_collections(customer: str, company: str, sales_invoice: str, reason: str) -> str:
	"""Hold every new Sales Order of `customer` in `company` until `sales_invoice` is settled.

	Creates a Pending Credit Hold referring to the invoice, or returns the one already Pending for
	it. While it is Pending, Sales Orders of the customer fail their credit check (naming the
	invoice) and are submitted On Hold, whether or not a Credit Policy applies. A payment, credit
	note or journal entry that brings the invoice's outstanding to zero (or the daily re-check)
	makes it Auto-Released. Returns the Credit Hold's name.
	"""
	existing = frappe.db.get_value(
		"Credit Hold",
		{"reference_doctype": "Sales Invoice", "reference_name": sales_invoice, "status": PENDING},
		"name",
	)
	if existing:
		return existing

	invoice = frappe.db.get_value(
		"Sales Invoice",
		sales_invoice,
		[
			"customer",
			"company",
			"docstatus",
			"outstanding_amount",
			"conversion_rate",
			"party_account_currency",
		],
		as_dict=True,
	)
	if not invoice or invoice.docstatus != 1:
		frappe.throw(_("Sales Invoice {0} is not a submitted invoice.").format(sales_invoice))
	if invoice.customer != customer or invoice.company != company:
		frappe.throw(
			_("Sales Invoice {0} belongs to customer {1} of company {2}.").format(
				sales_invoice, invoice.customer, invoice.company
			)
		)
	if not (reason or "").strip():
		frappe.throw(_("A reason is required to block a customer for collections."))

	policy = get_policy(customer, company)
	check = run_check(
		customer, company, policy, 0, check_field=None, blocking_invoices=[sales_invoice], lock=False
	)
	outstanding = flt(invoice_outstanding(invoice, company), currency_precision())
	hold = _new_hold(
		customer=customer,
		company=company,
		reference_doctype="Sales Invoice",
		reference_name=sales_invoice,
		amount=outstanding,
		check=check,
		reasons=reason.strip(),
		comment=reason.strip(),
	)
	return hold.name


def invoice_outstanding(invoice, company: str) -> float:
	"""A Sales Invoice's outstanding (`outstanding_amount`, `party_account_currency`,
	`conversion_rate`) in company currency."""
	return to_company_currency(
		flt(invoice.outstanding_amount),
		invoice.party_account_currency,
		frappe.get_cached_value("Company", company, "default_currency"),
		flt(invoice.conversion_rate),
	)


def _new_hold(*, customer, company, reference_doctype, reference_name, amount, check, reasons, comment):
	hold = frappe.get_doc(
		{
			"doctype": "Credit Hold",
			"customer": customer,
			"company": company,
			"reference_doctype": reference_doctype,
			"reference_name": reference_name,
			"status": PENDING,
			"amount": amount,
			"exposure": check.exposure.total,
			"credit_limit": check.terms.credit_limit,
			"currency": check.currency,
			"credit_policy": check.policy,
			"oldest_overdue_days": check.exposure.oldest_overdue_days,
			"highest_dunning_level": check.exposure.highest_dunning_level,
			"reasons": reasons,
			"decisions": [
				{
					"decision": "Held",
					"decided_by": frappe.session.user,
					"decided_on": now_datetime(),
					"exposure": check.exposure.total,
					"comment": comment,
				}
			],
		}
	)
	hold.flags.ignore_permissions = True
	hold.insert()
	return hold


# --- decisions by a Credit Controller -------------------------------------------------------


def release(name: str, comment: str) -> frappe.model.document.Document:
	"""Release a Pending hold; a held Sales Order is resumed with ERPNext's own resume."""
	return _decide(name, RELEASED, comment)


def reject(name: str, comment: str) -> frappe.model.document.Document:
	"""Reject a Pending hold; the Sales Order stays On Hold and cannot be resumed."""
	return _decide(name, REJECTED, comment)


def _decide(name: str, status: str, comment: str):
	comment = (comment or "").strip()
	if not comment:
		frappe.throw(_("A comment is required to release or reject a Credit Hold."))
	hold = frappe.get_doc("Credit Hold", name, for_update=True)
	hold.assert_pending()
	if status == RELEASED:
		approvals.assert_may_decide(hold.amount, hold.company, _("Credit Hold {0}").format(hold.name))
	if status == REJECTED:
		_assert_collections_block_may_end(hold)
	order = _held_order(hold)

	exposure = None
	if order is not None and status == RELEASED:
		# the released order becomes exposure: serialise with concurrent checks and tell them
		amount = sales_order_amount(order)
		concurrent = locks.lock_customer(hold.customer, hold.company)
		exposure = get_exposure(hold.customer, hold.company, amount).with_concurrent(concurrent).total
		locks.record_approved(hold.customer, hold.company, amount)
	hold.record_decision(status, comment, exposure)
	if order is not None:
		_apply_to_order(order, hold, status)
	return hold


def _assert_collections_block_may_end(hold) -> None:
	"""A collections hold blocks the customer's new orders while its invoice is outstanding.
	Rejecting it would lift that block without the invoice being paid, so it is refused: a Credit
	Controller who wants the customer's orders to go ahead releases it (which is recorded as such);
	the block ends by itself when the invoice is settled."""
	if hold.reference_doctype != "Sales Invoice":
		return
	invoice = frappe.db.get_value(
		"Sales Invoice", hold.reference_name, ["docstatus", "outstanding_amount"], as_dict=True
	)
	if invoice and invoice.docstatus == 1 and flt(invoice.outstanding_amount) > 0:
		frappe.throw(
			_(
				"Credit Hold {0} blocks new orders of customer {1} while Sales Invoice {2} is outstanding,"
				" so it cannot be rejected. Release it to let the customer's orders go ahead; it ends by"
				" itself once the invoice is paid."
			).format(hold.name, hold.customer, hold.reference_name),
			title=_("Collections Hold"),
		)


def _held_order(hold):
	if hold.reference_doctype != "Sales Order":
		return None
	order = frappe.get_doc("Sales Order", hold.reference_name)
	if order.docstatus != 1:
		frappe.throw(_("Sales Order {0} is not submitted.").format(order.name))
	return order


def _apply_to_order(order, hold, status: str) -> None:
	if status in (RELEASED, AUTO_RELEASED) and order.status == "On Hold":
		order.flags.o2c_credit_release = True
		order.update_status("Draft")  # ERPNext's own resume
	order.db_set("credit_status", ORDER_CREDIT_STATUS[status], update_modified=False)
	messages = {
		RELEASED: _("Credit Hold {0} released by {1}: {2}"),
		AUTO_RELEASED: _("Credit Hold {0} auto-released: {2}"),
		REJECTED: _("Credit Hold {0} rejected by {1}: {2}"),
	}
	order.add_comment("Info", messages[status].format(hold.name, hold.decided_by, hold.decision_comment))


def close_for_cancelled_order(order) -> None:
	"""Sales Order on_cancel: a Pending hold of a cancelled order has nothing left to decide."""
	if not order.get("credit_hold"):
		return
	hold = frappe.get_doc("Credit Hold", order.credit_hold, for_update=True)
	if hold.status != PENDING:
		return
	hold.record_decision(
		REJECTED, _("Sales Order {0} was cancelled.").format(order.name), log_as="Order Cancelled"
	)


# --- re-check ---------------------------------------------------------------------------------


def recheck(
	company: str, customers: list[str] | set[str], trigger: str, voucher: tuple[str, str] | None = None
) -> list[str]:
	"""Re-check the Pending holds of `customers` in `company`; those that pass now become
	Auto-Released (held orders resumed), naming `voucher` (doctype, name), the payment that
	released them. Returns the released holds. A constant number of queries per call; the writes
	are per released hold."""
	customers = sorted(set(filter(None, customers)))
	if not customers:
		return []
	holds = frappe.get_all(
		"Credit Hold",
		filters={"company": company, "customer": ("in", customers), "status": PENDING},
		fields=["name", "customer", "reference_doctype", "reference_name"],
		order_by="creation asc, name asc",
	)
	if not holds:
		return []

	orders = _rows(
		"Sales Order",
		[h.reference_name for h in holds if h.reference_doctype == "Sales Order"],
		["base_grand_total", "per_billed", "docstatus"],
	)
	invoices = _rows(
		"Sales Invoice",
		[h.reference_name for h in holds if h.reference_doctype == "Sales Invoice"],
		["outstanding_amount", "docstatus", "party_account_currency", "conversion_rate"],
	)

	held_customers = sorted({h.customer for h in holds})
	unseen = locks.lock_customers(held_customers, company)
	exposures = get_exposures(company, held_customers)
	terms = get_terms(company, get_policies(company, held_customers), "check_on_sales_order")
	precision = currency_precision()

	released = []
	for customer in held_customers:
		pending = []
		for hold in holds:
			if hold.customer != customer:
				continue
			if hold.reference_doctype == "Sales Order":
				order = orders.get(hold.reference_name) or frappe._dict(docstatus=2)
				pending.append(
					core.PendingHold(
						hold.name,
						"order",
						sales_order_amount(order),
						cint(order.docstatus) == 1,
						hold.reference_name,
					)
				)
			elif hold.reference_doctype == "Sales Invoice":
				invoice = invoices.get(hold.reference_name) or frappe._dict(docstatus=2)
				pending.append(
					core.PendingHold(
						hold.name,
						"invoice",
						flt(invoice_outstanding(invoice, company), precision),
						cint(invoice.docstatus) == 1,
						hold.reference_name,
					)
				)
		base = exposures.get(customer, core.Exposure()).with_concurrent(flt(unseen.get(customer), precision))
		plan = core.plan_recheck(base, terms[customer], pending, precision)
		by_name = {p.name: p for p in pending}
		approved = 0.0
		for name in plan.released:
			if by_name[name].kind == "order":
				approved += by_name[name].amount
			_auto_release(name, trigger, base.total + approved, voucher)
			released.append(name)
		locks.record_approved(customer, company, approved)
		for item in pending:
			if item.kind == "order" and not item.active:
				close_for_cancelled_order(frappe._dict(name=item.reference, credit_hold=item.name))
	return released


def _rows(doctype: str, names: list[str], fields: list[str]) -> dict[str, frappe._dict]:
	if not names:
		return {}
	rows = frappe.get_all(doctype, filters={"name": ("in", names)}, fields=["name", *fields])
	return {row.name: row for row in rows}


def _auto_release(name: str, trigger: str, exposure: float, voucher: tuple[str, str] | None) -> None:
	hold = frappe.get_doc("Credit Hold", name, for_update=True)
	if hold.status != PENDING:
		return
	if voucher:
		hold.auto_released_by_doctype, hold.auto_released_by = voucher
	hold.record_decision(AUTO_RELEASED, trigger, exposure)
	if hold.reference_doctype == "Sales Order":
		order = frappe.get_doc("Sales Order", hold.reference_name)
		_apply_to_order(order, hold, AUTO_RELEASED)


def recheck_after_payment(doc) -> list[str]:
	"""Payment Entry / Journal Entry / credit note submitted: re-check its customers' holds."""
	if doc.doctype == "Payment Entry":
		customers = [doc.party] if doc.party_type == "Customer" else []
	elif doc.doctype == "Journal Entry":
		customers = [row.party for row in doc.accounts if row.party_type == "Customer" and row.party]
	elif doc.doctype == "Sales Invoice":
		customers = [doc.customer] if doc.is_return else []
	else:
		customers = []
	if not customers:
		return []
	trigger = _("Re-checked after {0} {1}: the credit check passes now.").format(_(doc.doctype), doc.name)
	return recheck(doc.company, customers, trigger, (doc.doctype, doc.name))


def review_after_cancelled_payment(doc) -> list[str]:
	"""Payment Entry / Journal Entry / credit note cancelled: the Sales Orders whose holds it
	auto-released and that are not fully delivered are checked again, oldest hold first, each one
	that passes joining the exposure the next is checked against (`core.plan_recheck`). An order
	that fails now goes back On Hold (ERPNext's hold) with a new Pending Credit Hold. Returns the
	new holds. A constant number of queries per customer of the payment (one, but for a Journal
	Entry); the writes are per order held again. `auto_released_by` is plain text, not a Dynamic
	Link, so a cancelled payment can still be deleted."""
	released = frappe.get_all(
		"Credit Hold",
		filters={
			"status": AUTO_RELEASED,
			"reference_doctype": "Sales Order",
			"auto_released_by_doctype": doc.doctype,
			"auto_released_by": doc.name,
		},
		fields=["name", "customer", "company", "reference_name"],
		order_by="creation asc, name asc",
	)
	if not released:
		return []
	orders = _rows(
		"Sales Order",
		[hold.reference_name for hold in released],
		["base_grand_total", "per_billed", "per_delivered", "docstatus", "status", "credit_hold"],
	)
	by_customer: dict[tuple[str, str], list] = {}
	for hold in released:
		order = orders.get(hold.reference_name)
		if (
			not order
			or order.docstatus != 1
			or order.status in ("Closed", "Completed", "On Hold")
			or flt(order.per_delivered) >= 100
			or order.credit_hold != hold.name
		):
			continue
		by_customer.setdefault((hold.company, hold.customer), []).append(order)

	held_again = []
	for (company, customer), customer_orders in by_customer.items():
		unseen = locks.lock_customer(customer, company)
		names = [order.name for order in customer_orders]
		policy = get_policy(customer, company)
		terms = get_terms(company, {customer: policy}, "check_on_sales_order")[customer]
		precision = currency_precision()
		base = get_exposures(company, [customer], names).get(customer, core.Exposure())
		base = base.with_concurrent(flt(unseen, precision))
		blocking = collection_blocks(customer, company)
		pending = [
			core.PendingHold(order.name, "order", sales_order_amount(order), True, order.name)
			for order in customer_orders
		]
		pending += [core.PendingHold(name, "invoice", 1.0, True, name) for name in blocking]
		plan = core.plan_recheck(base, terms, pending, precision)
		approved = 0.0
		for item in pending:
			if item.kind != "order":
				continue
			decision = plan.still_pending.get(item.name)
			if decision is None:
				approved += item.amount
				continue
			order = frappe.get_doc("Sales Order", item.name)
			check = CreditCheck(
				customer=customer,
				company=company,
				currency=frappe.get_cached_value("Company", company, "default_currency"),
				policy=policy.name if policy else None,
				terms=terms,
				exposure=base.with_document(base.document + approved + item.amount),
				decision=decision,
			)
			order.update_status("On Hold")  # ERPNext's own hold
			order.reload()
			held_again.append(hold_sales_order(order, check))
			order.add_comment(
				"Info",
				_("Back under credit review: {0} {1}, which had released its hold, was cancelled.").format(
					_(doc.doctype), doc.name
				),
			)
	return held_again
