"""The app's footprint on a real ERPNext site: custom fields, roles, settings, workspace, and a
clean uninstall / reinstall."""

import frappe
import pytest
from frappe.tests.utils import FrappeTestCase

from o2c_extension.order_to_cash import workspace_company
from o2c_extension.setup.install import (
	APP_ROLES,
	CREDIT_READ_DOCTYPES,
	CREDIT_ROLES,
	DATA_IMPORT_ROLES,
	app_indexes,
	get_all_custom_fields,
)

ERPNEXT_DOCTYPES_EXTENDED = {"Quotation", "Sales Order", "Delivery Note", "Sales Invoice", "Customer"}


def _missing_custom_fields() -> list[str]:
	missing = []
	for doctype, fields in get_all_custom_fields().items():
		meta = frappe.get_meta(doctype, cached=False)
		missing += [f"{doctype}.{f['fieldname']}" for f in fields if not meta.has_field(f["fieldname"])]
	return missing


def _present_custom_fields() -> list[str]:
	present = []
	for doctype, fields in get_all_custom_fields().items():
		names = [f["fieldname"] for f in fields]
		present += [
			f"{doctype}.{name}"
			for name in frappe.get_all(
				"Custom Field", filters={"dt": doctype, "fieldname": ("in", names)}, pluck="fieldname"
			)
		]
	return present


class TestInstall(FrappeTestCase):
	def test_custom_fields_on_every_extended_erpnext_doctype(self):
		self.assertTrue(ERPNEXT_DOCTYPES_EXTENDED <= set(get_all_custom_fields()))
		self.assertEqual(_missing_custom_fields(), [])

	def test_contract_fields_present(self):
		for doctype, fieldname in (
			("Sales Invoice", "collection_status"),
			("Sales Invoice", "promise_to_pay_date"),
			("Sales Invoice", "disputed"),
			("Sales Invoice", "dispute_reason"),
			("Customer", "exclude_from_collections"),
			("Sales Order Item", "scheduling_agreement"),
			("Sales Order Item", "schedule_line"),
		):
			self.assertTrue(frappe.get_meta(doctype).has_field(fieldname), f"{doctype}.{fieldname}")

	def test_roles_exist(self):
		for role in APP_ROLES:
			self.assertTrue(frappe.db.exists("Role", role), role)

	def test_credit_roles_read_the_documents_they_decide_on(self):
		self.assertEqual(_credit_read_rules(), _all_credit_read_rules())
		self.assertEqual(_data_import_rules(), sorted(DATA_IMPORT_ROLES))
		self.assertTrue(frappe.db.exists("Custom HTML Block", workspace_company.BLOCK))

	def test_settings_defaults_are_persisted(self):
		self.assertEqual(frappe.db.get_single_value("O2C Settings", "enable_credit_control"), 1)
		self.assertEqual(frappe.db.get_single_value("O2C Settings", "daily_job_hour"), 6)
		self.assertEqual(frappe.db.get_single_value("O2C Settings", "default_release_horizon_days"), 14)

	def test_settings_reject_bad_hour(self):
		settings = frappe.get_single("O2C Settings")
		settings.daily_job_hour = 24
		self.assertRaises(frappe.ValidationError, settings.save)

	def test_workspace_exists(self):
		self.assertTrue(frappe.db.exists("Workspace", "Order to Cash"))

	def test_migrate_hook_is_idempotent(self):
		from o2c_extension.setup.install import after_migrate

		before = frappe.db.count("Custom Field")
		after_migrate()
		after_migrate()
		self.assertEqual(frappe.db.count("Custom Field"), before)


@pytest.mark.lifecycle
class TestUninstallReinstall(FrappeTestCase):
	"""Runs last (see conftest): it drops and recreates the app's tables on the test site."""

	def test_uninstall_removes_footprint_and_reinstall_restores_it(self):
		from frappe.installer import install_app, remove_app

		remove_app("o2c_extension", yes=True, no_backup=True, force=True)
		frappe.clear_cache()
		self.assertNotIn("o2c_extension", frappe.get_installed_apps())
		self.assertEqual(_present_custom_fields(), [])
		for role in APP_ROLES:
			self.assertFalse(frappe.db.exists("Role", role), role)
		self.assertFalse(frappe.db.exists("DocType", "O2C Settings"))
		self.assertFalse(frappe.db.exists("Workspace", "Order to Cash"))
		self.assertEqual(_present_indexes(), [])
		self.assertEqual(_credit_read_rules(), [])
		self.assertEqual(_data_import_rules(), [])
		self.assertFalse(frappe.db.exists("Custom HTML Block", workspace_company.BLOCK))

		install_app("o2c_extension", set_as_patched=True)
		frappe.clear_cache()
		self.assertIn("o2c_extension", frappe.get_installed_apps())
		self.assertEqual(_missing_custom_fields(), [])
		for role in APP_ROLES:
			self.assertTrue(frappe.db.exists("Role", role), role)
		self.assertTrue(frappe.db.exists("DocType", "O2C Settings"))
		self.assertEqual(_present_indexes(), [name for _doctype, _columns, name in app_indexes()])
		self.assertEqual(_credit_read_rules(), _all_credit_read_rules())
		self.assertEqual(_data_import_rules(), sorted(DATA_IMPORT_ROLES))
		self.assertTrue(frappe.db.exists("Custom HTML Block", workspace_company.BLOCK))


def _present_indexes() -> list[str]:
	return [name for doctype, _columns, name in app_indexes() if frappe.db.has_index(f"tab{doctype}", name)]


def _credit_read_rules() -> list[tuple[str, str]]:
	"""(doctype, role) of the level-0 read rules the credit roles have on ERPNext's documents."""
	return sorted(
		(row.parent, row.role)
		for row in frappe.get_all(
			"Custom DocPerm",
			filters={
				"parent": ("in", CREDIT_READ_DOCTYPES),
				"role": ("in", CREDIT_ROLES),
				"permlevel": 0,
				"read": 1,
			},
			fields=["parent", "role"],
		)
	)


def _data_import_rules() -> list[str]:
	"""The roles the app opened Data Import to (their own imports only)."""
	return sorted(
		frappe.get_all(
			"Custom DocPerm",
			filters={"parent": "Data Import", "role": ("in", DATA_IMPORT_ROLES), "if_owner": 1, "create": 1},
			pluck="role",
		)
	)


def _all_credit_read_rules() -> list[tuple[str, str]]:
	return sorted((doctype, role) for doctype in CREDIT_READ_DOCTYPES for role in CREDIT_ROLES)
