"""REST methods of the Collections capability (`/api/method/o2c_extension.api.collections.<name>`).

Every method checks the caller's role and, where it touches an invoice, the caller's permission
on it; the work itself lives in the `collections` module.
"""

import frappe
from frappe import _
from frappe.utils import cint

from o2c_extension.collections import promises, runner

# who may record promises and disputes: the collections team and accounts managers
COLLECTIONS_ROLES = ("Collections Agent", "Collections Manager", "Accounts Manager")
RUN_ROLES = ("Collections Manager",)


@frappe.whitelist(methods=["POST"])
def record_promise(sales_invoice: str, promise_date: str, note: str | None = None) -> dict:
	"""The customer promised to pay by `promise_date`: collections pause for the invoice until then."""
	_check_invoice_access(sales_invoice)
	status = promises.record_promise(sales_invoice, promise_date, note)
	return {"sales_invoice": sales_invoice, "collection_status": status}


@frappe.whitelist(methods=["POST"])
def record_dispute(sales_invoice: str, reason: str) -> dict:
	"""The customer disputes the invoice: collections pause for it until the dispute is resolved."""
	_check_invoice_access(sales_invoice)
	status = promises.record_dispute(sales_invoice, reason)
	return {"sales_invoice": sales_invoice, "collection_status": status}


@frappe.whitelist(methods=["POST"])
def resolve_dispute(sales_invoice: str) -> dict:
	"""The dispute is settled: collections resume for the invoice."""
	_check_invoice_access(sales_invoice)
	status = promises.resolve_dispute(sales_invoice)
	return {"sales_invoice": sales_invoice, "collection_status": status}


@frappe.whitelist(methods=["POST"])
def run_now(company: str) -> dict:
	"""Queue today's collections run for one company now (Collections Manager only)."""
	_require_role(RUN_ROLES, _("Only a Collections Manager can start the collections run."))
	if not company or not frappe.db.exists("Company", company):
		frappe.throw(_("Company {0} does not exist.").format(company or "''"), frappe.DoesNotExistError)
	if not cint(frappe.db.get_single_value("O2C Settings", "enable_collections")):
		frappe.throw(_("Collections are switched off in O2C Settings."), title=_("Collections Disabled"))
	return runner.run(company=company, enqueue=True)


def _check_invoice_access(sales_invoice: str) -> None:
	_require_role(COLLECTIONS_ROLES, _("Only the collections team can record promises and disputes."))
	if not sales_invoice or not frappe.db.exists("Sales Invoice", sales_invoice):
		frappe.throw(
			_("Sales Invoice {0} does not exist.").format(sales_invoice or "''"), frappe.DoesNotExistError
		)
	frappe.has_permission("Sales Invoice", "read", doc=sales_invoice, throw=True)


def _require_role(roles: tuple[str, ...], message: str) -> None:
	# frappe.only_for lets everyone through while tests run; this check holds there too
	if set(roles).isdisjoint(frappe.get_roles()):
		frappe.throw(message, frappe.PermissionError, title=_("Not Permitted"))
