"""The demo command (issue 15): `bench --site SITE o2c-demo` builds the O2C Demo company, a second
run changes nothing, and `--remove` deletes exactly what it made.

The test runs the command's functions in the test site (the click command only opens the site
around them). The demo's collections run and ERPNext's deletion record commit; the suite's
conftest restores the database afterwards."""

import frappe
from click.testing import CliRunner
from frappe.tests.utils import FrappeTestCase
from frappe.utils import flt

from o2c_extension import commands
from o2c_extension.demo import build, masters, registry
from tests.integration import books, factories, pdf

# masters the site shares with the demo: the demo may add to them, and must take back only its own
SHARED = (
	"Fiscal Year",
	"Currency Exchange",
	"Territory",
	"Customer Group",
	"Price List",
	"Payment Term",
	"Payment Terms Template",
	"User",
	"Customer",
	"Item",
	"Item Price",
	"Address",
	"Contact",
	"Company",
	"Role",
	"User Permission",
)


def counts() -> dict[str, int]:
	return {doctype: frappe.db.count(doctype) for doctype in SHARED}


def documents_of(company: str) -> dict[str, int]:
	"""Documents of every DocType with a Company link still naming `company`."""
	left = {}
	for doctype, fieldname in frappe.get_all(
		"DocField",
		filters={"fieldtype": "Link", "options": "Company", "parenttype": "DocType"},
		fields=["parent", "fieldname"],
		as_list=True,
	):
		if frappe.get_meta(doctype).issingle or frappe.get_meta(doctype).is_virtual:
			continue
		count = frappe.db.count(doctype, {fieldname: company})
		if count:
			left[f"{doctype}.{fieldname}"] = count
	return left


def ageing(company: str) -> dict[str, float]:
	"""ERPNext's Accounts Receivable report for the demo company, by payment term, summed per range."""
	from erpnext.accounts.report.accounts_receivable.accounts_receivable import execute

	_columns, rows, *_ = execute(
		frappe._dict(
			company=company,
			report_date=frappe.utils.nowdate(),
			ageing_based_on="Due Date",
			range="30, 60, 90, 120",
			based_on_payment_terms=1,
		)
	)
	totals = dict.fromkeys(("not_due", "range1", "range2", "range3", "range4", "range5"), 0.0)
	for row in rows:
		if isinstance(row, dict) and row.get("voucher_no"):
			due = frappe.utils.getdate(row.get("due_date"))
			if due >= frappe.utils.getdate(frappe.utils.nowdate()):
				totals["not_due"] += flt(row.get("outstanding"))
			for key in ("range1", "range2", "range3", "range4", "range5"):
				totals[key] += flt(row.get(key))
	return totals


class TestDemoCommand(FrappeTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		frappe.set_user("Administrator")
		books.world()  # the suite's own companies exist beside the demo, and must stay untouched
		# a collector of the site's, allowed every company: the demo's run must not pick them
		factories.user("o2c-site-collector@example.com", ["Collections Agent", "Collections Manager"])
		frappe.db.commit()

	def test_builds_once_a_second_run_changes_nothing_and_remove_takes_back_exactly_it(self):
		self.assertFalse(frappe.db.exists("Company", masters.COMPANY))
		before = counts()
		other_company_invoices = frappe.db.count("Sales Invoice", {"company": ("!=", masters.COMPANY)})

		result = build.build()
		frappe.db.commit()
		first = build.fingerprint()
		self.assert_realistic(result)
		self.assert_prints()

		build.build()
		frappe.db.commit()
		self.assertEqual(build.fingerprint(), first, "a second run changes nothing")

		build.remove()
		frappe.db.commit()
		self.assertFalse(frappe.db.exists("Company", masters.COMPANY))
		self.assertEqual(registry.created(), [])
		self.assertEqual(counts(), before, "remove takes back exactly what the demo made")
		self.assertEqual(documents_of(masters.COMPANY), {}, "nothing of the demo company is left")
		self.assertEqual(
			frappe.db.count("Sales Invoice", {"company": ("!=", masters.COMPANY)}), other_company_invoices
		)

	def assert_prints(self):
		"""Each print format of the app renders a demo document to PDF."""
		company = masters.COMPANY
		prints = {
			"Scheduling Agreement": ("Scheduling Agreement", {"docstatus": 1}),
			"Schedule Release": ("Schedule Release", {"docstatus": 1}),
			"Credit Hold Decision": ("Credit Hold", {"status": "Released"}),
			"Collection Statement": ("Collection Case", {"status": ("!=", "Closed")}),
		}
		if pdf.renderer() is None:
			return  # nothing can render a PDF here; test_print_formats reports its skip
		with pdf.site_url_served():
			for print_format, (doctype, filters) in prints.items():
				name = frappe.get_all(
					doctype, filters={"company": company, **filters}, pluck="name", limit=1
				)[0]
				output = pdf.render(doctype, name, print_format)
				self.assertTrue(output.startswith(b"%PDF"), print_format)

	def assert_realistic(self, result):
		company = masters.COMPANY
		customers = frappe.get_all(
			"Customer",
			filters={"name": ("in", [name for doctype, name in registry.created() if doctype == "Customer"])},
			fields=["name", "language", "default_currency"],
		)
		self.assertEqual({row.language for row in customers}, {"ru", "de", "bg", "lt"})
		self.assertEqual({row.default_currency for row in customers}, {"EUR", "USD"})
		countries = set(
			frappe.get_all(
				"Address",
				filters={
					"name": ("in", [name for doctype, name in registry.created() if doctype == "Address"])
				},
				pluck="country",
			)
		)
		self.assertEqual(len(countries), 4)

		# scheduling: active agreements, an applied release that changed lines, call-off orders
		self.assertEqual(len(result.agreements), 2)
		for agreement in result.agreements:
			self.assertEqual(frappe.db.get_value("Scheduling Agreement", agreement, "status"), "Active")
			release = frappe.get_all(
				"Schedule Release",
				filters={"scheduling_agreement": agreement, "docstatus": 1},
				fields=["name", "lines_added", "lines_changed", "lines_removed"],
			)
			self.assertEqual(len(release), 1)
			self.assertGreater(
				release[0].lines_added + release[0].lines_changed + release[0].lines_removed, 0
			)
			self.assertTrue(
				frappe.db.exists("Sales Order Item", {"scheduling_agreement": agreement, "docstatus": 1}),
				f"{agreement} was called off",
			)
		self.assertTrue(frappe.db.exists("Delivery Note", {"company": company, "docstatus": 1}))

		# credit: one hold released by a Credit Manager with a comment, one still pending
		holds = frappe.get_all(
			"Credit Hold",
			filters={"company": company, "reference_doctype": "Sales Order"},
			fields=["status", "decided_by"],
		)
		self.assertIn("Released", {hold.status for hold in holds})
		self.assertIn("Pending", {hold.status for hold in holds})
		self.assertEqual(
			{hold.decided_by for hold in holds if hold.status == "Released"}, {masters.USERS[1][0]}
		)

		# receivables in every ageing bucket, with part and full payments, in both currencies
		buckets = ageing(company)
		for bucket, amount in buckets.items():
			self.assertGreater(amount, 0, f"nothing in {bucket}")
		self.assertTrue(frappe.db.exists("Payment Entry", {"company": company, "docstatus": 1}))
		self.assertTrue(
			frappe.db.exists("Sales Invoice", {"company": company, "docstatus": 1, "outstanding_amount": 0})
		)
		self.assertEqual(
			set(
				frappe.get_all("Sales Invoice", filters={"company": company}, pluck="currency", distinct=True)
			),
			{"EUR", "USD"},
		)

		# collections: the run applied the rule's steps and opened cases
		self.assertTrue(frappe.db.exists("Collection Action", {"company": company}))
		self.assertTrue(frappe.db.exists("Collection Case", {"company": company, "status": ("!=", "Closed")}))
		self.assertTrue(frappe.db.exists("Dunning", {"company": company}))
		self.assert_only_demo_users(company)

	def assert_only_demo_users(self, company):
		"""The demo's users are restricted to the demo company, and its run assigned its cases to
		them only, though the site has other users with the collections roles."""
		demo_users = {row[0] for row in masters.USERS}
		for user in demo_users:
			permissions = frappe.get_all(
				"User Permission", filters={"user": user}, fields=["allow", "for_value"], as_list=True
			)
			self.assertEqual([tuple(row) for row in permissions], [("Company", company)])
		cases = frappe.get_all("Collection Case", filters={"company": company}, pluck="name")
		assigned = set(
			frappe.get_all(
				"ToDo",
				filters={"reference_type": "Collection Case", "reference_name": ("in", cases)},
				pluck="allocated_to",
			)
		)
		self.assertTrue(assigned)
		self.assertLessEqual(assigned, demo_users)
		self.assertLessEqual(
			set(frappe.get_all("Collection Case", filters={"company": company}, pluck="assigned_to"))
			- {None},
			demo_users,
		)


class TestDemoCommandLine(FrappeTestCase):
	def test_command_is_registered_with_a_remove_switch(self):
		self.assertIn("o2c-demo", [command.name for command in commands.commands])
		help_text = CliRunner().invoke(commands.o2c_demo, ["--help"]).output
		self.assertIn("--remove", help_text)
