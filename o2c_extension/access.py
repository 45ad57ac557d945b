"""Which company's and which documents' figures a user may see: the checks the app's REST and
number-card methods share.

The app's roles (Credit Controller, Collections Agent, Collections Manager) have no role on
ERPNext's Company, Customer or Sales Invoice: a method grants them what their job needs, but
always within the user's User Permissions, which restrict a user to some companies (or customers,
territories...) whatever the roles say.
"""

import frappe
from frappe import _
from frappe.permissions import (
	get_allowed_docs_for_doctype,
	get_role_permissions,
	get_user_permissions,
	has_user_permission,
)
from frappe.utils import escape_html


def require_existing(doctype: str, name) -> str:
	"""The name of the `doctype` record `name` names (surrounding blanks ignored), or a
	DoesNotExistError that quotes what was sent."""
	found = None
	if isinstance(name, str) and name.strip():
		found = frappe.db.get_value(doctype, name.strip(), "name")
	if not found:
		frappe.throw(
			_("{0} {1} does not exist.").format(_(doctype), frappe.bold(_shown(name))),
			frappe.DoesNotExistError,
		)
	return found


def require_company(company) -> str:
	"""The name of the Company `company` names, or a DoesNotExistError."""
	return require_existing("Company", company)


def company_allowed(company: str, doctypes: tuple[str, ...], user: str | None = None) -> bool:
	"""False when the user's User Permissions on Company, for any of `doctypes`, leave `company` out."""
	restrictions = get_user_permissions(user or frappe.session.user).get("Company")
	if not restrictions:
		return True
	for doctype in doctypes:
		allowed = get_allowed_docs_for_doctype(restrictions, doctype)
		if allowed and company not in allowed:
			return False
	return True


def check_company_access(company: str, doctypes: tuple[str, ...]) -> None:
	"""PermissionError unless the user may see `doctypes` records of `company`."""
	if not company_allowed(company, doctypes):
		frappe.throw(
			_("You do not have access to company {0}.").format(frappe.bold(company)),
			frappe.PermissionError,
			title=_("Not Permitted"),
		)


def allowed_values(link_doctype: str, for_doctype: str, user: str | None = None) -> list[str] | None:
	"""The `link_doctype` records (e.g. customers) the user's User Permissions allow on
	`for_doctype` records; None when they do not restrict it."""
	restrictions = get_user_permissions(user or frappe.session.user).get(link_doctype)
	if not restrictions:
		return None
	return get_allowed_docs_for_doctype(restrictions, for_doctype) or None


def check_user_permissions(doc) -> None:
	"""PermissionError when the user's User Permissions exclude `doc`, a record it links to, or the
	record a Dynamic Link of it names (a Quotation's customer, say: Frappe checks Link fields only)."""
	if not has_user_permission(doc) or not dynamic_links_allowed(doc):
		frappe.throw(
			_("Your User Permissions do not allow {0} {1}.").format(_(doc.doctype), frappe.bold(doc.name)),
			frappe.PermissionError,
			title=_("Not Permitted"),
		)


def dynamic_links_allowed(doc, user: str | None = None) -> bool:
	"""False when a Dynamic Link of `doc` (or of its rows) names a record the user's User Permissions
	leave out for `doc`'s DocType."""
	user_permissions = get_user_permissions(user or frappe.session.user)
	if not user_permissions:
		return True
	for row in (doc, *doc.get_all_children()):
		for field in row.meta.get_dynamic_link_fields():
			if field.ignore_user_permissions:
				continue
			link_doctype, value = row.get(field.options), row.get(field.fieldname)
			if not (link_doctype and value and link_doctype in user_permissions):
				continue
			allowed = get_allowed_docs_for_doctype(user_permissions[link_doctype], doc.doctype)
			if allowed and value not in allowed:
				return False
	return True


def check_data_import(doc, method=None) -> None:
	"""Data Import (validate): the user may import the DocType it names. Frappe offers the desk
	only the DocTypes whose permissions give the user "Import", but does not check it on the
	server; the app opens Data Import to its manager roles (setup/install.py), so a Credit
	Controller must not import, say, Items through it. System Managers import every importable
	DocType, as in Frappe."""
	if not doc.reference_doctype or "System Manager" in frappe.get_roles():
		return
	if not frappe.has_permission(doc.reference_doctype, "import"):
		frappe.throw(
			_("You are not permitted to import {0}.").format(_(doc.reference_doctype)),
			frappe.PermissionError,
			title=_("Not Permitted"),
		)


def reads_every_record(doctype: str) -> bool:
	"""Whether a role lets the user read every `doctype` record, not only those they own or that
	were shared with or assigned to them."""
	permissions = get_role_permissions(doctype)
	return bool(permissions.get("read")) and "read" not in (permissions.get("if_owner") or {})


def restricting_doctypes(doctype: str, user: str | None = None) -> list[str]:
	"""The DocTypes (Company aside) whose User Permissions limit which `doctype` records the user
	sees: the record itself or one of its links (Customer, Territory...)."""
	user_permissions = get_user_permissions(user or frappe.session.user)
	if not user_permissions:
		return []
	linked = {doctype} | {
		field.options
		for field in frappe.get_meta(doctype).get_link_fields()
		if not field.ignore_user_permissions
	}
	return sorted(
		other
		for other in linked - {"Company"}
		if get_allowed_docs_for_doctype(user_permissions.get(other, []), doctype)
	)


def _shown(value) -> str:
	"""A name the user sent, fit to quote in a message."""
	text = "''" if value is None else str(value)
	return escape_html(text if len(text) <= 140 else text[:140] + "...")
