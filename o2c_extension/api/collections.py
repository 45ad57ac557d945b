"""REST methods of the Collections capability (`/api/method/o2c_extension.api.collections.<name>`).

Every method checks the caller's role and, where it touches an invoice or a case, the caller's
access to it (the rule lives in `collections/access.py`, which the DocType controllers share); the
work itself lives in the `collections` module.
"""

import frappe
from frappe import _
from frappe.utils import cint

from o2c_extension import access
from o2c_extension.collections import cases, disputes, preview, promises, runner
from o2c_extension.collections.access import (
	COLLECTIONS_MANAGER,
	COLLECTIONS_ROLES,
	check_case_access,
	check_invoice_access,
	require_role,
)

RUN_ROLES = (COLLECTIONS_MANAGER,)
# who may see what the next run would do: it writes nothing, and the collections team and accounts
# managers plan their day with it (still only for a company and customers they may see in full)
PREVIEW_ROLES = COLLECTIONS_ROLES
# who may log a call or note on a Collection Case
CASE_ROLES = COLLECTIONS_ROLES
# what the run reads and writes: a User Permission on Company for either restricts it
RUN_DOCTYPES = ("Sales Invoice", "Collection Action")


@frappe.whitelist(methods=["POST"])
def record_promise(
	sales_invoice: str | None = None,
	promise_date: str | None = None,
	note: str | None = None,
	amount: float | str | None = None,
	collection_case: str | None = None,
) -> dict:
	"""The customer promised to pay `amount` (default: all that can be chased) by `promise_date`,
	of one invoice or of a Collection Case's overdue invoices: they pause until then, and the
	promise is judged Kept, Partially Kept or Broken after O2C Settings' tolerance."""
	if not sales_invoice and not collection_case:
		frappe.throw(
			_("Name the Sales Invoice or the Collection Case the customer promises to pay."),
			title=_("Missing Invoice"),
		)
	if sales_invoice:
		invoice = check_invoice_access(sales_invoice)
		if collection_case:
			check_case_access(collection_case)
		promise = promises.record_promise(invoice, promise_date, note, amount, collection_case)
	else:
		case = check_case_access(collection_case)
		promise = promises.record_promise(None, promise_date, note, amount, case.name)
	return {
		"promise_to_pay": promise.name,
		"sales_invoice": promise.sales_invoice,
		"collection_case": promise.collection_case,
		"invoices": [row.sales_invoice for row in promise.invoices],
		"promise_date": str(promise.promise_date),
		"promised_amount": promise.promised_amount,
		"currency": promise.currency,
		"status": promise.status,
		"collection_status": _collection_status(promise.sales_invoice),
	}


@frappe.whitelist(methods=["POST"])
def record_dispute(
	sales_invoice: str,
	reason: str | None = None,
	disputed_amount: float | str | None = None,
	reason_code: str | None = None,
) -> dict:
	"""The customer disputes `disputed_amount` of the invoice (default: all of it not disputed
	yet): only that amount pauses, the rest is still chased, until the dispute is resolved."""
	invoice = check_invoice_access(sales_invoice)
	dispute = disputes.record_dispute(invoice, reason, disputed_amount, reason_code)
	return _dispute_answer(dispute)


@frappe.whitelist(methods=["POST"])
def resolve_dispute(
	sales_invoice: str | None = None,
	resolution: str | None = None,
	dispute: str | None = None,
	credit_note: str | None = None,
) -> dict:
	"""End a dispute (named, or the one open dispute of the invoice) with `resolution`: Credit Note
	(linking the submitted credit note against the invoice, given or found), Write-off, Customer
	Paid (the default) or Rejected. Collections resume for what is still owed."""
	name = dispute or sales_invoice
	if isinstance(name, str) and name.strip() and frappe.db.exists("Dispute", name.strip()):
		target = frappe.get_doc("Dispute", name.strip())
		check_invoice_access(target.sales_invoice)
	else:
		target = check_invoice_access(sales_invoice)
	ended = disputes.resolve_dispute(target, resolution, credit_note)
	return _dispute_answer(ended)


def _dispute_answer(dispute) -> dict:
	return {
		"dispute": dispute.name,
		"sales_invoice": dispute.sales_invoice,
		"disputed_amount": dispute.disputed_amount,
		"currency": dispute.currency,
		"reason_code": dispute.reason_code,
		"status": dispute.status,
		"resolution": dispute.resolution,
		"credit_note": dispute.credit_note,
		"collection_status": _collection_status(dispute.sales_invoice),
	}


def _collection_status(sales_invoice: str | None) -> str | None:
	return frappe.db.get_value("Sales Invoice", sales_invoice, "collection_status") if sales_invoice else None


@frappe.whitelist(methods=["POST"])
def run_now(company: str) -> dict:
	"""Queue today's collections run for one company now (Collections Manager only)."""
	require_role(RUN_ROLES, _("Only a Collections Manager can start the collections run."))
	company = _check_whole_company(company)
	if not cint(frappe.db.get_single_value("O2C Settings", "enable_collections")):
		frappe.throw(_("Collections are switched off in O2C Settings."), title=_("Collections Disabled"))
	return runner.run(company=company, enqueue=True)


@frappe.whitelist(methods=["GET", "POST"])
def preview_run(company: str) -> dict:
	"""What the next collections run of `company` would send, assign and make, per customer;
	writes nothing."""
	require_role(PREVIEW_ROLES, _("Only the collections team can preview the collections run."))
	company = _check_whole_company(company)
	return preview.preview_run(company)


@frappe.whitelist(methods=["POST"])
def log_contact(collection_case: str, note: str, kind: str = "Call") -> dict:
	"""A call with the customer or a note, in the Collection Case's timeline."""
	require_role(CASE_ROLES, _("Only the collections team can log calls and notes on a case."))
	name = access.require_existing("Collection Case", collection_case)
	case = frappe.get_doc("Collection Case", name)
	access.check_company_access(case.company, ("Collection Case", "Sales Invoice"))
	access.check_user_permissions(case)
	case.check_permission("read")
	if kind not in ("Call", "Note"):
		frappe.throw(_("Log a Call or a Note."), title=_("Invalid Entry"))
	comment = cases.log_note(name, kind, note if isinstance(note, str) else "")
	return {"collection_case": name, "comment": comment}


def _check_whole_company(company: str) -> str:
	"""The company, if the caller may see every invoice of it: the run acts on every customer of
	the company, so neither starting nor previewing it is for a user kept to some of them."""
	company = access.require_company(company)
	access.check_company_access(company, RUN_DOCTYPES)
	if access.restricting_doctypes("Sales Invoice"):
		frappe.throw(
			_(
				"Your User Permissions limit the invoices you may see: only a user allowed every invoice of {0} can start or preview its run."
			).format(frappe.bold(company)),
			frappe.PermissionError,
			title=_("Not Permitted"),
		)
	return company
