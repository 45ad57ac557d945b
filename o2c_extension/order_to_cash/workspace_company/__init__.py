"""The company the Order to Cash workspace shows (issue 15).

Frappe's number card shows only its number, and the workspace's cards and charts take their
company from the user's default Company (their dynamic filters). A Custom HTML Block at the top of
the workspace names that company ("Figures for ...") and offers the companies the user may see;
picking one sets the user's default company, as Frappe's Session Defaults do, and the workspace
draws its figures again.

The block's HTML, script and style live beside this file and are written into the Custom HTML
Block on install and migrate (a Custom HTML Block has no module to ship it as a standard file)."""

from pathlib import Path

import frappe
from frappe import _

from o2c_extension import access
from o2c_extension.order_to_cash import kpi

BLOCK = "Order to Cash Company"
FILES = {"html": "block.html", "script": "block.js", "style": "block.css"}


def block_contents() -> dict[str, str]:
	here = Path(__file__).parent
	return {field: (here / name).read_text() for field, name in FILES.items()}


def ensure_block() -> None:
	"""The workspace's company block, as the app ships it (created, or brought in step)."""
	contents = block_contents()
	if frappe.db.exists("Custom HTML Block", BLOCK):
		doc = frappe.get_doc("Custom HTML Block", BLOCK)
		if all(doc.get(field) == value for field, value in contents.items()):
			return
		doc.update(contents)
		doc.save(ignore_permissions=True)
		return
	frappe.get_doc({"doctype": "Custom HTML Block", "__newname": BLOCK, **contents}).insert(
		ignore_permissions=True
	)


def remove_block() -> None:
	frappe.delete_doc("Custom HTML Block", BLOCK, ignore_permissions=True, force=True, ignore_missing=True)


@frappe.whitelist()
def companies() -> list[str]:
	"""The companies the block offers: those the user's User Permissions allow (the app's roles
	have no role on Company, so Frappe's own Company list would show them none)."""
	_check_reads_workspace()
	return [
		name
		for name in frappe.get_all("Company", pluck="name", order_by="name asc")
		if access.company_allowed(name, ("Company",))
	]


@frappe.whitelist()
def set_company(company: str) -> str:
	"""Make `company` the user's default Company, which the workspace's cards and charts filter
	on; only a company the user's User Permissions allow."""
	_check_reads_workspace()
	company = access.require_company(company)
	access.check_company_access(company, ("Company",))
	# the key Frappe's own Session Defaults dialog sets: the two choices are one; a "Company" key
	# would be read before it (frappe.defaults), so none is left
	frappe.defaults.clear_user_default("Company")
	frappe.defaults.set_user_default("company", company)
	return company


def _check_reads_workspace() -> None:
	"""PermissionError unless the user may read one of the DocTypes the workspace's figures are
	computed from, or Collection Case (the collectors' work; the block names and sets the company of
	those figures, nothing else)."""
	doctypes = sorted({doctype for _compute, doctype, _fieldtype, _roles in kpi.CARDS.values()})
	doctypes.append("Collection Case")
	if not any(frappe.has_permission(doctype, "read") for doctype in doctypes):
		frappe.throw(
			_("You may not read any of the documents the Order to Cash workspace shows."),
			frappe.PermissionError,
			title=_("Not Permitted"),
		)
