"""Who may act on an invoice or a Collection Case of the collections work: the one rule the REST
methods (`api/collections.py`) and the Promise to Pay and Dispute controllers (a promise or dispute
made through the desk form or /api/resource) share.

Who may record promises and disputes on an invoice: whoever holds one of COLLECTIONS_ROLES and
can read it (an Accounts Manager; anyone it is shared with), a Collections Manager on any invoice,
a Collections Agent on an invoice assigned to them (or holding the open task of its customer's
case); always within the caller's User Permissions (company, customer...), which no share or
assignment widens.
"""

import frappe
from frappe import _
from frappe.utils import escape_html

from o2c_extension import access
from o2c_extension.collections import cases

COLLECTIONS_AGENT = "Collections Agent"
COLLECTIONS_MANAGER = "Collections Manager"
# who may record promises and disputes: the collections team and accounts managers
COLLECTIONS_ROLES = (COLLECTIONS_AGENT, COLLECTIONS_MANAGER, "Accounts Manager")


def check_invoice_access(sales_invoice: str):
	"""The invoice, loaded once for the check and the work, if the caller may act on it."""
	roles = require_role(COLLECTIONS_ROLES, _("Only the collections team can record promises and disputes."))
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
		if assigned_to_me(invoice.name) or holds_case_of(invoice):
			return invoice
		message = _("Sales Invoice {0} is not assigned to you: ask a Collections Manager to assign it.")
	else:
		message = _("You do not have access to Sales Invoice {0}.")
	frappe.throw(message.format(invoice.name), frappe.PermissionError, title=_("Not Permitted"))


def holds_case_of(invoice) -> bool:
	"""The caller holds the open task of the invoice's customer's Collection Case (collections
	work per customer account: the task is on the case, not on each invoice)."""
	case = cases.open_case(invoice.customer, invoice.company)
	return bool(case) and assigned_to_me(case, "Collection Case")


def assigned_to_me(sales_invoice: str, doctype: str = "Sales Invoice") -> bool:
	return bool(
		frappe.db.exists(
			"ToDo",
			{
				"reference_type": doctype,
				"reference_name": sales_invoice,
				"allocated_to": frappe.session.user,
				"status": "Open",
			},
		)
	)


def require_role(roles: tuple[str, ...], message: str) -> list[str]:
	"""The caller's roles, if one of them is in `roles`."""
	# frappe.only_for lets everyone through while tests run; this check holds there too
	user_roles = frappe.get_roles()
	if set(roles).isdisjoint(user_roles):
		frappe.throw(message, frappe.PermissionError, title=_("Not Permitted"))
	return user_roles


def check_case_access(collection_case: str):
	"""The Collection Case, if the caller may record a promise on it: as for an invoice, with the
	case's assignment standing in for the invoice's."""
	roles = require_role(COLLECTIONS_ROLES, _("Only the collections team can record promises and disputes."))
	name = access.require_existing("Collection Case", collection_case)
	case = frappe.get_doc("Collection Case", name)
	access.check_company_access(case.company, ("Sales Invoice", "Collection Case"))
	access.check_user_permissions(case)
	if frappe.has_permission("Collection Case", "read", doc=case) or COLLECTIONS_MANAGER in roles:
		return case
	if COLLECTIONS_AGENT in roles:
		if case.get("assigned_to") == frappe.session.user or assigned_to_me(case.name, "Collection Case"):
			return case
		message = _("Collection Case {0} is not assigned to you: ask a Collections Manager to assign it.")
	else:
		message = _("You do not have access to Collection Case {0}.")
	frappe.throw(
		message.format(case.name),
		frappe.PermissionError,
		title=_("Not Permitted"),
	)
