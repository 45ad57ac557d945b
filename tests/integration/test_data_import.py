"""Data Import of the app's set-up documents (issue 15): a Credit Policy, a Collections Rule with
its steps and a Scheduling Agreement with its items and schedule are exported with Frappe's own
Data Import exporter (the template a consultant downloads, filled with data), removed, and
imported again through a Data Import document, as the desk does it: what comes back is what
went out, child rows in their order, and the agreement is Active again.

Data Import commits (its job runs in the request under tests); the suite's conftest restores the
database after the run. Texts carry Cyrillic, a comma and quotes, so the CSV's quoting and
encoding are part of the round trip."""

import frappe
from frappe.core.doctype.data_import.exporter import Exporter
from frappe.model import no_value_fields, table_fields
from frappe.tests.utils import FrappeTestCase
from frappe.utils import flt, nowdate
from frappe.utils.csvutils import to_csv

from o2c_extension.order_to_cash import versions
from tests.integration import books, factories
from tests.integration import collections_helpers as collections
from tests.integration import scheduling_helpers as sched

# Frappe v16's has_permission, when a document check fails, calls itself for the DocType to word its
# message; that inner call starts and then drops the check's log, so the User Permission's reason
# ("... linked to Company ...") never reaches the message log a Data Import Log keeps (v15 keeps it)
ROW_REFUSAL_KEEPS_THE_REASON = versions.FRAPPE_MAJOR < 16

TEXT = 'Рамочный договор, "Север" 2027'


def template_fields(doctype: str) -> dict[str, list[str]]:
	"""What a consultant exports for new records: every field they can enter (not read-only, not
	hidden), of the document and of each child table; no ID, the imported documents are named by
	their series as new ones are."""
	meta = frappe.get_meta(doctype)

	def enterable(child_meta):
		return [
			df.fieldname
			for df in child_meta.fields
			if df.fieldtype not in no_value_fields
			and df.fieldtype not in table_fields
			and not df.read_only
			and not df.hidden
			and df.fieldname != "amended_from"
		]

	fields = {doctype: enterable(meta)}
	for table in meta.get_table_fields():
		fields[table.fieldname] = enterable(frappe.get_meta(table.options))
	return fields


def snapshot(doctype: str, name: str, fields: dict[str, list[str]]) -> dict:
	doc = frappe.get_doc(doctype, name)

	def values(row, fieldnames):
		out = {}
		for fieldname in fieldnames:
			value = row.get(fieldname)
			df = row.meta.get_field(fieldname)
			if df and df.fieldtype in ("Float", "Currency", "Percent", "Int", "Check"):
				out[fieldname] = flt(value)
			else:
				out[fieldname] = str(value) if value not in (None, "") else None
		return out

	shot = {"doc": values(doc, fields[doctype]), "docstatus": doc.docstatus}
	for table in doc.meta.get_table_fields():
		shot[table.fieldname] = [values(row, fields[table.fieldname]) for row in doc.get(table.fieldname)]
	return shot


class DataImportTestCase(FrappeTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		frappe.set_user("Administrator")
		cls.world = books.world()

	def tearDown(self):
		frappe.set_user("Administrator")

	def export(self, doctype: str, names: list[str], fields) -> str:
		exporter = Exporter(
			doctype,
			export_fields=fields,
			export_data=True,
			export_filters={"name": ("in", names)},
			file_type="CSV",
		)
		rows = exporter.get_csv_array_for_export()
		self.assertGreater(len(rows), len(names), "the template carries the data")
		return to_csv(rows)

	def start(self, doctype: str, content: str, submit: bool = False):
		"""A Data Import of `content` (a CSV), started as the desk starts it; returned once done."""
		file = frappe.get_doc(
			{
				"doctype": "File",
				"file_name": f"{frappe.scrub(doctype)}-{frappe.generate_hash(length=6)}.csv",
				"content": content.encode("utf-8"),
				"is_private": 1,
			}
		).insert()
		data_import = frappe.get_doc(
			{
				"doctype": "Data Import",
				"reference_doctype": doctype,
				"import_type": "Insert New Records",
				"import_file": file.file_url,
				"submit_after_import": 1 if submit else 0,
			}
		).insert()
		frappe.db.commit()  # as the desk: the Data Import exists before its job starts
		data_import.start_import()
		data_import.reload()
		return data_import

	def import_csv(self, doctype: str, content: str, submit: bool = False):
		data_import = self.start(doctype, content, submit=submit)
		logs = frappe.get_all(
			"Data Import Log",
			filters={"data_import": data_import.name},
			fields=["success", "messages", "exception"],
		)
		self.assertEqual(
			data_import.status,
			"Success",
			f"{doctype}: {data_import.template_warnings or ''} {[(log.messages, log.exception) for log in logs]}",
		)
		return frappe.get_all(
			"Data Import Log",
			filters={"data_import": data_import.name, "success": 1},
			pluck="docname",
			order_by="log_index asc",
		)

	def round_trip(self, doctype: str, names: list[str], remove, submit: bool = False):
		fields = template_fields(doctype)
		before = sorted((snapshot(doctype, name, fields) for name in names), key=repr)
		content = self.export(doctype, names, fields)
		for name in names:
			remove(name)
		frappe.db.commit()
		self.assertFalse(frappe.db.exists(doctype, {"name": ("in", names)}))
		imported = self.import_csv(doctype, content, submit=submit)
		self.assertEqual(len(imported), len(names))
		after = sorted((snapshot(doctype, name, fields) for name in imported), key=repr)
		self.assertEqual(after, before)
		return {
			snap["doc"].get("customer") or snap["doc"].get("customer_group") or "": snap for snap in after
		}


class TestCreditPolicyImport(DataImportTestCase):
	def test_policies_for_a_customer_and_a_customer_group_round_trip(self):
		customer = books.eur_customer()
		# a group of its own: Data Import commits, and a policy on a shared group would hold the
		# limit of every customer of that group in the tests that follow
		group = "_O2C Data Import Group"
		if not frappe.db.exists("Customer Group", group):
			frappe.get_doc(
				{
					"doctype": "Customer Group",
					"customer_group_name": group,
					"parent_customer_group": "All Customer Groups",
				}
			).insert()
		policies = [
			frappe.get_doc(
				{
					"doctype": "Credit Policy",
					"company": factories.company(),
					"applies_to": "Customer",
					"customer": customer,
					"credit_limit": 12500.5,
					"tolerance_percent": 7.5,
					"max_overdue_days": 45,
					"max_dunning_level": 2,
					"check_on_sales_order": 1,
					"check_on_delivery_note": 1,
				}
			).insert(),
		]
		if not frappe.db.exists("Credit Policy", {"customer_group": group, "company": factories.company()}):
			policies.append(
				frappe.get_doc(
					{
						"doctype": "Credit Policy",
						"company": factories.company(),
						"applies_to": "Customer Group",
						"customer_group": group,
						"credit_limit": 40000,
						"check_on_quotation": 1,
						"check_on_sales_invoice": 1,
					}
				).insert()
			)
		names = [policy.name for policy in policies]
		after = self.round_trip("Credit Policy", names, lambda name: frappe.delete_doc("Credit Policy", name))
		self.assertEqual(after[customer]["doc"]["credit_limit"], 12500.5)
		self.assertEqual(after[customer]["doc"]["applies_to"], "Customer")


class TestCollectionsRuleImport(DataImportTestCase):
	def test_rule_with_its_steps_in_order_round_trips(self):
		customer = books.eur_customer()
		rule = collections.rule(customer=customer, scope="Customer", min_outstanding=25)
		self.assertGreaterEqual(len(rule.steps), 5)
		after = self.round_trip(
			"Collections Rule", [rule.name], lambda name: frappe.delete_doc("Collections Rule", name)
		)
		self.assertEqual(
			[step["day_offset"] for step in after[customer]["steps"]],
			[flt(step.day_offset) for step in rule.steps],
		)


class TestSchedulingAgreementImport(DataImportTestCase):
	def test_agreement_with_items_and_schedule_round_trips_and_is_active_again(self):
		customer, items = sched.setup_masters(item_count=2, rates=(120, 45.5))
		agreement = sched.agreement(
			customer,
			[(items[0], 500, 120), (items[1], 300, 45.5)],
			lines=[
				(items[0], 3, 40, "Firm"),
				(items[0], 30, 60, "Forecast"),
				(items[1], 10, 25, "Firm"),
				(items[1], 40, 25, "Forecast"),
			],
			customer_reference=TEXT,
			tolerance_percent=10,
		)
		self.assertEqual(agreement.status, "Active")

		def remove(name):
			doc = frappe.get_doc("Scheduling Agreement", name)
			doc.cancel()
			frappe.delete_doc("Scheduling Agreement", name)

		after = self.round_trip("Scheduling Agreement", [agreement.name], remove, submit=True)
		self.assertEqual(after[customer]["docstatus"], 1)
		self.assertEqual(
			frappe.db.get_value("Scheduling Agreement", {"customer": customer, "docstatus": 1}, "status"),
			"Active",
		)
		self.assertEqual(len(after[customer]["schedule"]), 4)
		self.assertEqual(after[customer]["doc"]["customer_reference"], TEXT)
		self.assertEqual(str(after[customer]["doc"]["valid_from"]), str(nowdate()))


class TestImportByConsultant(DataImportTestCase):
	"""Data Import as the consultant sees it: a Credit Controller (not a System Manager) imports
	Credit Policies; User Permissions restrict them to one company, and a row of the other company
	is refused while the row of theirs is imported. Data Import offers them only what their roles
	may import."""

	USER = "o2c-import-consultant@example.com"

	def consultant(self) -> str:
		user = factories.user(self.USER, ["Credit Controller"])
		frappe.db.delete("User Permission", {"user": user})
		frappe.get_doc(
			{
				"doctype": "User Permission",
				"user": user,
				"allow": "Company",
				"for_value": self.world.company,
				"apply_to_all_doctypes": 1,
			}
		).insert(ignore_permissions=True)
		frappe.db.commit()  # Data Import commits: the user exists for the rows it inserts
		return user

	def test_restricted_consultant_imports_their_company_and_not_the_other(self):
		customer = books.eur_customer()
		policies = []
		for company in (self.world.company, self.world.second_company):
			frappe.db.delete("Credit Policy", {"company": company, "customer": customer})
			policies.append(
				frappe.get_doc(
					{
						"doctype": "Credit Policy",
						"company": company,
						"applies_to": "Customer",
						"customer": customer,
						"credit_limit": 7300,
						"check_on_sales_order": 1,
					}
				).insert()
			)
		names = [policy.name for policy in policies]
		content = self.export("Credit Policy", names, template_fields("Credit Policy"))
		for name in names:
			frappe.delete_doc("Credit Policy", name)
		user = self.consultant()

		frappe.set_user(user)
		self.assertTrue(frappe.has_permission("Data Import", "create"))
		can_import = frappe.get_user().load_user().can_import
		self.assertIn("Credit Policy", can_import)
		self.assertNotIn("Item", can_import)
		data_import = self.start("Credit Policy", content)

		self.assertEqual(data_import.status, "Partial Success")
		logs = frappe.get_all(
			"Data Import Log",
			filters={"data_import": data_import.name},
			fields=["success", "docname", "messages", "exception"],
			order_by="log_index asc",
		)
		self.assertEqual(sorted(log.success for log in logs), [0, 1])
		done, refused = (next(log for log in logs if log.success == flag) for flag in (1, 0))
		frappe.set_user("Administrator")
		imported = frappe.get_doc("Credit Policy", done.docname)
		self.assertEqual((imported.company, imported.owner), (self.world.company, user))
		self.assertFalse(
			frappe.db.exists("Credit Policy", {"company": self.world.second_company, "customer": customer})
		)
		self.assertTrue(
			refused.exception.strip().endswith("frappe.exceptions.PermissionError"), refused.exception
		)
		if ROW_REFUSAL_KEEPS_THE_REASON:
			self.assertIn(
				f"linked to Company '{self.world.second_company}'",
				frappe.parse_json(refused.messages)[-1]["message"],
			)

	def test_consultant_cannot_import_what_their_roles_may_not_import(self):
		self.consultant()
		frappe.set_user(self.USER)
		with self.assertRaises(frappe.PermissionError):
			frappe.get_doc(
				{"doctype": "Data Import", "reference_doctype": "Item", "import_type": "Insert New Records"}
			).insert()
