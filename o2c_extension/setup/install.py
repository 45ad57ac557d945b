"""Install, migrate and uninstall hooks: the app's footprint on ERPNext doctypes.

Custom fields are declared by each capability (`<module>/custom_fields.py`) and created here, so
that `bench migrate` keeps them in step and uninstall removes exactly what install added.
"""

import frappe
from frappe.custom.doctype.custom_field.custom_field import create_custom_fields
from frappe.permissions import add_permission, reset_perms, rights, setup_custom_perms

from o2c_extension.collections.custom_fields import get_custom_fields as collections_fields
from o2c_extension.collections.indexes import INDEXES as COLLECTIONS_INDEXES
from o2c_extension.collections.indexes import ensure_indexes as ensure_collections_indexes
from o2c_extension.credit_control.custom_fields import get_custom_fields as credit_fields
from o2c_extension.credit_control.indexes import INDEXES as CREDIT_INDEXES
from o2c_extension.order_to_cash.indexes import drop_index
from o2c_extension.order_to_cash.kpi_indexes import INDEXES as WORKSPACE_INDEXES
from o2c_extension.order_to_cash.kpi_indexes import ensure_indexes as ensure_workspace_indexes
from o2c_extension.scheduling.custom_fields import get_custom_fields as scheduling_fields

APP_ROLES = ("Credit Controller", "Credit Manager", "Collections Agent", "Collections Manager")

# the documents a credit decision is about: whoever decides may open them (read only); User
# Permissions on company and customer still restrict which ones
CREDIT_READ_DOCTYPES = ("Sales Order", "Customer", "Sales Invoice")
CREDIT_ROLES = ("Credit Controller", "Credit Manager")

# Frappe opens Data Import to System Managers only. The consultants who set the app up hold its
# manager roles: each may import the masters its role keeps (the "Import" right in the DocType's
# permissions: Credit Policy, Collections Rule, Scheduling Agreement), so each gets Data Import
# too. Only the Data Imports they made (if_owner): a Data Import carries its file, and another
# user's import file (HR's, say) is not theirs to read. Each row is inserted with the user's own
# permissions, User Permissions on company included (`access.check_data_import` checks the
# import right on the DocType named).
DATA_IMPORT_ROLES = ("Credit Controller", "Collections Manager", "Sales Manager")

# module that owns each capability's custom fields (shown in Customize Form, used by uninstall)
FIELD_SOURCES = {
	"Scheduling": scheduling_fields,
	"Credit Control": credit_fields,
	"Collections": collections_fields,
}


def get_all_custom_fields() -> dict[str, list[dict]]:
	merged: dict[str, list[dict]] = {}
	for module, source in FIELD_SOURCES.items():
		for doctype, fields in source().items():
			merged.setdefault(doctype, []).extend({**field, "module": module} for field in fields)
	return merged


def after_install():
	create_custom_fields(get_all_custom_fields())
	ensure_collections_indexes()
	ensure_workspace_indexes()
	_save_default_settings()
	add_credit_read_permissions()
	add_data_import_permissions()
	frappe.get_attr("o2c_extension.order_to_cash.workspace_company.ensure_block")()
	frappe.get_attr("o2c_extension.collections.setup.install_defaults")()
	# translations (ru, bg, lt, de) compiled from the committed .po files, as `bench build` does
	frappe.get_attr("o2c_extension.order_to_cash.translations.compile_catalogues")()


def after_migrate():
	create_custom_fields(get_all_custom_fields())
	ensure_collections_indexes()
	ensure_workspace_indexes()
	add_credit_read_permissions()
	add_data_import_permissions()
	frappe.get_attr("o2c_extension.order_to_cash.workspace_company.ensure_block")()
	frappe.get_attr("o2c_extension.collections.setup.install_defaults")()
	frappe.get_attr("o2c_extension.order_to_cash.translations.compile_catalogues")()


def add_data_import_permissions():
	"""Data Import for the app's manager roles (see DATA_IMPORT_ROLES), as Role Permissions Manager
	adds a rule; a rule already there, or changed by the site's administrator since, is kept."""
	setup_custom_perms("Data Import")
	for role in DATA_IMPORT_ROLES:
		if frappe.db.exists("Custom DocPerm", {"parent": "Data Import", "role": role}):
			continue
		frappe.get_doc(
			{
				"doctype": "Custom DocPerm",
				"parent": "Data Import",
				"parenttype": "DocType",
				"parentfield": "permissions",
				"role": role,
				"permlevel": 0,
				"if_owner": 1,
				**dict.fromkeys(("read", "write", "create", "delete"), 1),
			}
		).insert(ignore_permissions=True)
	frappe.clear_cache(doctype="Data Import")


def add_credit_read_permissions():
	"""Read access for the credit roles to the documents they decide on, as Role Permissions
	Manager adds it (a Custom DocPerm at level 0); a rule already there, or changed by the site's
	administrator since, is left as it is."""
	for doctype in CREDIT_READ_DOCTYPES:
		for role in CREDIT_ROLES:
			if not frappe.db.exists("Custom DocPerm", {"parent": doctype, "role": role, "permlevel": 0}):
				add_permission(doctype, role, 0)


def remove_copied_standard_permissions():
	"""Adding a rule copied ERPNext's standard rules of the doctype into Custom DocPerm; once the
	app's own rules are gone, rules still equal to the standard ones are dropped (Role Permissions
	Manager's "Reset to Default"), so ERPNext's rules apply again. Rules the site changed stay."""
	columns = ("role", "permlevel", "if_owner", *rights)

	def rules(doctype, table):
		return sorted(
			tuple(row)
			for row in frappe.get_all(table, filters={"parent": doctype}, fields=columns, as_list=True)
		)

	for doctype in (*CREDIT_READ_DOCTYPES, "Data Import"):
		custom = rules(doctype, "Custom DocPerm")
		if custom and custom == rules(doctype, "DocPerm"):
			reset_perms(doctype)
		frappe.clear_cache(doctype=doctype)


def before_uninstall():
	frappe.get_attr("o2c_extension.collections.setup.remove_defaults")()
	frappe.get_attr("o2c_extension.order_to_cash.workspace_company.remove_block")()
	for doctype, fields in get_all_custom_fields().items():
		frappe.db.delete(
			"Custom Field", {"dt": doctype, "fieldname": ("in", [field["fieldname"] for field in fields])}
		)
		frappe.clear_cache(doctype=doctype)

	# ERPNext's tables should not keep paying for indexes nobody reads any more
	for doctype, _columns, name in app_indexes():
		drop_index(doctype, name)

	frappe.db.delete("Has Role", {"role": ("in", APP_ROLES)})
	frappe.db.delete("Custom DocPerm", {"role": ("in", APP_ROLES)})
	frappe.db.delete("Custom DocPerm", {"parent": "Data Import", "role": ("in", DATA_IMPORT_ROLES)})
	remove_copied_standard_permissions()
	frappe.db.delete("Role", {"name": ("in", APP_ROLES)})


def app_indexes() -> tuple[tuple[str, list[str], str], ...]:
	"""(doctype, columns, index name) of every index the app adds to ERPNext's tables."""
	return (*CREDIT_INDEXES, *COLLECTIONS_INDEXES, *WORKSPACE_INDEXES)


def _save_default_settings():
	"""Persist the Single's defaults so `get_single_value` reads them before anyone opens the form."""
	settings = frappe.get_single("O2C Settings")
	settings.flags.ignore_permissions = True
	settings.save()
