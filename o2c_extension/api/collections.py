"""REST methods of the Collections capability (`/api/method/o2c_extension.api.collections.<name>`).

Every method checks the caller's role and, where it touches an invoice, the caller's access to
it; the work itself lives in the `collections` module.

Who may record promises and disputes on an invoice: whoever holds one of COLLECTIONS_ROLES and
can read it (an Accounts Manager; anyone it is shared with), a Collections Manager on any invoice,
a Collections Agent on an invoice assigned to them; always within the caller's User Permissions
(company, customer...), which no share or assignment widens.
"""

import frappe
from frappe import _
from frappe.utils import cint, escape_html

from o2c_extension import access
from o2c_extension.collections import promises, runner

COLLECTIONS_AGENT = "Collections Agent"
COLLECTIONS_MANAGER = "Collections Manager"
# who may record promises and disputes: the collections team and accounts managers
COLLECTIONS_ROLES = (COLLECTIONS_AGENT, COLLECTIONS_MANAGER, "Accounts Manager")
RUN_ROLES = (COLLECTIONS_MANAGER,)
# what the run reads and writes: a User Permission on Company for either restricts it
RUN_DOCTYPES = ("Sales Invoice", "Collection Action")


@frappe.whitelist(methods=["POST"])
def record_promise(sales_invoice: str, promise_date: str, note: str | None = None) -> dict:
	"""The customer promised to pay by `promise_date`: collections pause for the invoice until then."""
	invoice = _check_invoice_access(sales_invoice)
	status = promises.record_promise(invoice, promise_date, note)
	return {"sales_invoice": sales_invoice, "collection_status": status}


@frappe.whitelist(methods=["POST"])
def record_dispute(sales_invoice: str, reason: str) -> dict:
	"""The customer disputes the invoice: collections pause for it until the dispute is resolved."""
	invoice = _check_invoice_access(sales_invoice)
	status = promises.record_dispute(invoice, reason)
	return {"sales_invoice": sales_invoice, "collection_status": status}


@frappe.whitelist(methods=["POST"])
def resolve_dispute(sales_invoice: str) -> dict:
	"""The dispute is settled: collections resume for the invoice."""
	invoice = _check_invoice_access(sales_invoice)
	status = promises.resolve_dispute(invoice)
	return {"sales_invoice": sales_invoice, "collection_status": status}


@frappe.whitelist(methods=["POST"])
def run_now(company: str) -> dict:
	"""Queue today's collections run for one company now (Collections Manager only)."""
	_require_role(RUN_ROLES, _("Only a Collections Manager can start the collections run."))
	company = access.require_company(company)
	access.check_company_access(company, RUN_DOCTYPES)
	if access.restricting_doctypes("Sales Invoice"):
		# the run acts on every customer of the company: not for a user kept to some of them
		frappe.throw(
			_(
				"Your User Permissions limit the invoices you may see: only a Collections Manager allowed every invoice of {0} can start its run."
			).format(frappe.bold(company)),
			frappe.PermissionError,
			title=_("Not Permitted"),
		)
	if not cint(frappe.db.get_single_value("O2C Settings", "enable_collections")):
		frappe.throw(_("Collections are switched off in O2C Settings."), title=_("Collections Disabled"))
	return runner.run(company=company, enqueue=True)


def _check_invoice_access(sales_invoice: str):
	"""The invoice, loaded once for the check and the work, if the caller may act on it."""
	roles = _require_role(COLLECTIONS_ROLES, _("Only the collections team can record promises and disputes."))
	name = None
	if isinstance(sales_invoice, str) and sales_invoice.strip():
		name = frappe.db.get_value("Sales Invoice", sales_invoice.strip(), "name")
	if not name:
		frappe.throw(
			_("Sales Invoice {0} does not exist.").format(escape_html(str(sales_invoice or "''")[:140])),
			frappe.DoesNotExistError,
		)
	invoice = frappe.get_doc("Sales Invoice", name)
	# User Permissions (company, customer...) bound every way in, a share or an assignment too
	access.check_company_access(invoice.company, ("Sales Invoice",))
	access.check_user_permissions(invoice)
	if frappe.has_permission("Sales Invoice", "read", doc=invoice):
		return invoice
	if COLLECTIONS_MANAGER in roles:
		return invoice
	if COLLECTIONS_AGENT in roles:
		if _assigned_to_me(invoice.name):
			return invoice
		message = _("Sales Invoice {0} is not assigned to you: ask a Collections Manager to assign it.")
	else:
		message = _("You do not have access to Sales Invoice {0}.")
	frappe.throw(message.format(invoice.name), frappe.PermissionError, title=_("Not Permitted"))


def _assigned_to_me(sales_invoice: str) -> bool:
	return bool(
		frappe.db.exists(
			"ToDo",
			{
				"reference_type": "Sales Invoice",
				"reference_name": sales_invoice,
				"allocated_to": frappe.session.user,
				"status": "Open",
			},
		)
	)


def _require_role(roles: tuple[str, ...], message: str) -> list[str]:
	"""The caller's roles, if one of them is in `roles`."""
	# frappe.only_for lets everyone through while tests run; this check holds there too
	user_roles = frappe.get_roles()
	if set(roles).isdisjoint(user_roles):
		frappe.throw(message, frappe.PermissionError, title=_("Not Permitted"))
	return user_roles
