"""Install, migrate and uninstall hooks: the app's footprint on ERPNext doctypes.

Custom fields are declared by each capability (`<module>/custom_fields.py`) and created here, so
that `bench migrate` keeps them in step and uninstall removes exactly what install added.
"""

import frappe
from frappe.custom.doctype.custom_field.custom_field import create_custom_fields

from o2c_extension.collections.custom_fields import get_custom_fields as collections_fields
from o2c_extension.collections.indexes import INDEXES as COLLECTIONS_INDEXES
from o2c_extension.collections.indexes import ensure_indexes as ensure_collections_indexes
from o2c_extension.credit_control.custom_fields import get_custom_fields as credit_fields
from o2c_extension.credit_control.indexes import INDEXES as CREDIT_INDEXES
from o2c_extension.order_to_cash.indexes import drop_index
from o2c_extension.scheduling.custom_fields import get_custom_fields as scheduling_fields

APP_ROLES = ("Credit Controller", "Credit Manager", "Collections Agent", "Collections Manager")

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
	_save_default_settings()
	frappe.get_attr("o2c_extension.collections.setup.install_defaults")()


def after_migrate():
	create_custom_fields(get_all_custom_fields())
	ensure_collections_indexes()
	frappe.get_attr("o2c_extension.collections.setup.install_defaults")()


def before_uninstall():
	frappe.get_attr("o2c_extension.collections.setup.remove_defaults")()
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
	frappe.db.delete("Role", {"name": ("in", APP_ROLES)})


def app_indexes() -> tuple[tuple[str, list[str], str], ...]:
	"""(doctype, columns, index name) of every index the app adds to ERPNext's tables."""
	return (*CREDIT_INDEXES, *COLLECTIONS_INDEXES)


def _save_default_settings():
	"""Persist the Single's defaults so `get_single_value` reads them before anyone opens the form."""
	settings = frappe.get_single("O2C Settings")
	settings.flags.ignore_permissions = True
	settings.save()
