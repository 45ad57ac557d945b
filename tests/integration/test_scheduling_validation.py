"""Bad input to agreements and releases is refused with a clear message and leaves nothing written;
the REST methods and the agreement refuse users without permission."""

import frappe
from frappe.tests.utils import FrappeTestCase

from o2c_extension.api.scheduling import import_release, release_now
from o2c_extension.scheduling.messages import SchedulingInputError
from tests.integration import factories
from tests.integration.scheduling_helpers import (
	agreement,
	count_rows,
	in_days,
	line_states,
	release_lines,
	schedule,
	setup_masters,
)


class TestAgreementInput(FrappeTestCase):
	def setUp(self):
		self.customer, (self.item_a, self.item_b) = setup_masters()
		self.before = count_rows("Scheduling Agreement")

	def assert_refused(self, *fragments, **kwargs):
		items = kwargs.pop("items", [(self.item_a, 100, 10)])
		with self.assertRaises(SchedulingInputError) as caught:
			agreement(self.customer, items, **kwargs)
		for fragment in fragments:
			self.assertIn(fragment, str(caught.exception))
		self.assertEqual(count_rows("Scheduling Agreement"), self.before)
		return str(caught.exception)

	def test_valid_to_before_valid_from(self):
		self.assert_refused("cannot be before", valid_from=in_days(10), valid_to=in_days(9))

	def test_schedule_date_outside_validity(self):
		self.assert_refused(
			"outside the agreement's validity", valid_to=in_days(30), lines=[(self.item_a, 31, 5, "Firm")]
		)
		self.assert_refused(
			"outside the agreement's validity", valid_from=in_days(2), lines=[(self.item_a, 1, 5, "Firm")]
		)

	def test_quantities_must_be_positive(self):
		self.assert_refused("greater than zero", lines=[(self.item_a, 1, 0, "Firm")])
		self.assert_refused("greater than zero", lines=[(self.item_a, 1, -3, "Firm")])
		self.assert_refused("agreed quantity", items=[(self.item_a, 0, 10)])

	def test_schedule_line_for_an_item_not_on_the_agreement(self):
		self.assert_refused(
			self.item_b, "not one of the agreement's items", lines=[(self.item_b, 1, 5, "Firm")]
		)

	def test_item_listed_twice(self):
		self.assert_refused("listed twice", items=[(self.item_a, 10, 10), (self.item_a, 5, 10)])

	def test_disabled_customer(self):
		frappe.db.set_value("Customer", self.customer, "disabled", 1)
		self.assert_refused("disabled")

	def test_submitted_agreement_keeps_its_customer_and_company(self):
		sa = agreement(self.customer, [(self.item_a, 100, 10)])
		other_customer = factories.customer()
		doc = frappe.get_doc("Scheduling Agreement", sa.name)
		doc.customer = other_customer
		with self.assertRaises(SchedulingInputError) as caught:
			doc.save()
		self.assertIn("Customer", str(caught.exception))

		other_company = frappe.db.get_value("Company", {"name": ("!=", factories.COMPANY)}, "name")
		if other_company:
			doc = frappe.get_doc("Scheduling Agreement", sa.name)
			doc.company = other_company
			with self.assertRaises(SchedulingInputError):
				doc.save()
		self.assertEqual(
			frappe.db.get_value("Scheduling Agreement", sa.name, ["customer", "company"]),
			(self.customer, factories.COMPANY),
		)

	def test_called_off_lines_cannot_be_edited_but_open_lines_can_be_added(self):
		sa = agreement(
			self.customer,
			[(self.item_a, 100, 10)],
			lines=[(self.item_a, 1, 5, "Firm")],
			release_horizon_days=3,
		)
		release_now(sa.name)
		doc = frappe.get_doc("Scheduling Agreement", sa.name)
		doc.schedule[0].qty = 50
		with self.assertRaises(SchedulingInputError):
			doc.save()

		doc = frappe.get_doc("Scheduling Agreement", sa.name)
		doc.schedule = []
		with self.assertRaises(SchedulingInputError):
			doc.save()

		doc = frappe.get_doc("Scheduling Agreement", sa.name)
		doc.append(
			"schedule", {"item_code": self.item_a, "schedule_date": in_days(2), "qty": 7, "line_type": "Firm"}
		)
		doc.save()
		# the saved form carries what the refresh computed, so it can be saved again
		self.assertEqual(doc.items[0].scheduled_qty, 12)
		self.assertEqual(doc.modified, frappe.db.get_value("Scheduling Agreement", sa.name, "modified"))
		doc.customer_reference = "PO-77"
		doc.save()
		states = line_states(sa.name)
		self.assertEqual(states[(self.item_a, in_days(1))][:2], ("Released", 5))
		self.assertEqual(states[(self.item_a, in_days(2))], ("Open", 0, 0, 0))
		self.assertEqual(len(release_now(sa.name)), 1)


class TestReleaseInput(FrappeTestCase):
	def setUp(self):
		self.customer, (self.item_a, self.item_b) = setup_masters()
		self.sa = agreement(
			self.customer, [(self.item_a, 100, 10)], lines=[(self.item_a, 2, 5, "Firm")], valid_to=in_days(60)
		)
		self.before = schedule(self.sa.name)

	def assert_refused(
		self, lines, *fragments, release_date=None, agreement_name=None, exc=SchedulingInputError
	):
		with self.assertRaises(exc) as caught:
			import_release(agreement_name or self.sa.name, "BAD-1", release_date or str(in_days(0)), lines)
		for fragment in fragments:
			self.assertIn(fragment, str(caught.exception))
		self.assertEqual(schedule(self.sa.name), self.before)
		self.assertEqual(count_rows("Schedule Release", scheduling_agreement=self.sa.name), 0)

	def test_unknown_item(self):
		self.assert_refused(
			release_lines((self.item_b, 3, 5, "Firm")), self.item_b, "is not on Scheduling Agreement"
		)
		self.assert_refused([{"schedule_date": str(in_days(3)), "qty": 1}], "item code is missing")

	def test_bad_dates(self):
		self.assert_refused(
			[{"item_code": self.item_a, "schedule_date": "2026-13-45", "qty": 1}], "2026-13-45"
		)
		self.assert_refused(
			[{"item_code": self.item_a, "schedule_date": "next week", "qty": 1}], "not a valid date"
		)
		self.assert_refused(release_lines((self.item_a, 61, 5, "Firm")), "outside the agreement's validity")
		self.assert_refused(release_lines((self.item_a, -1, 5, "Firm")), "outside the agreement's validity")
		self.assert_refused(
			release_lines((self.item_a, 3, 5, "Firm")), "not a valid date", release_date="yesterday"
		)

	def test_bad_quantities_and_types(self):
		self.assert_refused(release_lines((self.item_a, 3, 0, "Firm")), "greater than zero")
		self.assert_refused(release_lines((self.item_a, 3, -2, "Firm")), "greater than zero")
		self.assert_refused(
			[{"item_code": self.item_a, "schedule_date": str(in_days(3)), "qty": "many"}], "many"
		)
		self.assert_refused(release_lines((self.item_a, 3, 1, "Maybe")), "Maybe")

	def test_duplicate_lines_empty_release_and_wrong_shape(self):
		self.assert_refused(
			release_lines((self.item_a, 3, 1, "Firm"), (self.item_a, 3, 2, "Firm")),
			"Release line 2",
			"line 1",
		)
		self.assert_refused([], "no lines")
		self.assert_refused({"item_code": self.item_a}, "must be a list")
		self.assert_refused(["not a line"], "expected an object")

	def test_every_problem_is_reported_at_once(self):
		self.assert_refused(
			release_lines(
				(self.item_b, 3, 1, "Firm"), (self.item_a, 90, 1, "Firm"), (self.item_a, 4, 0, "Firm")
			),
			"Release line 1",
			"Release line 2",
			"Release line 3",
		)

	def test_release_into_an_agreement_that_is_not_active(self):
		draft = agreement(self.customer, [(self.item_a, 10, 10)], submit=False)
		self.assert_refused(release_lines((self.item_a, 3, 1, "Firm")), "Active", agreement_name=draft.name)
		self.assert_refused(
			release_lines((self.item_a, 3, 1, "Firm")),
			"does not exist",
			agreement_name="SA-NOPE",
			exc=frappe.DoesNotExistError,
		)


class TestPermissions(FrappeTestCase):
	def setUp(self):
		self.customer, (self.item_a,) = setup_masters(item_count=1)
		self.sa = agreement(self.customer, [(self.item_a, 100, 10)], lines=[(self.item_a, 1, 5, "Firm")])
		self.accounts_user = factories.user("o2c-sched-accounts@example.com", ["Accounts User"])
		self.sales_user = factories.user("o2c-sched-sales@example.com", ["Sales User"])
		self.sales_manager = factories.user("o2c-sched-manager@example.com", ["Sales Manager", "Sales User"])
		self.stranger = factories.user("o2c-sched-stock@example.com", ["Stock User"])

	def tearDown(self):
		frappe.set_user("Administrator")

	def call(self, method, **kwargs):
		return frappe.call(f"o2c_extension.api.scheduling.{method}", **kwargs)

	def test_methods_are_whitelisted(self):
		for method in ("import_release", "import_release_csv", "release_now"):
			function = frappe.get_attr(f"o2c_extension.api.scheduling.{method}")
			self.assertIn(function, frappe.whitelisted, method)

	def test_accounts_user_reads_but_cannot_import_or_call_off(self):
		frappe.set_user(self.accounts_user)
		self.assertTrue(frappe.has_permission("Scheduling Agreement", "read", doc=self.sa.name))
		self.assertFalse(frappe.has_permission("Scheduling Agreement", "create"))
		with self.assertRaises(frappe.PermissionError):
			self.call(
				"import_release",
				scheduling_agreement=self.sa.name,
				release_no="P-1",
				release_date=str(in_days(0)),
				lines=release_lines((self.item_a, 2, 5, "Firm")),
			)
		with self.assertRaises(frappe.PermissionError):
			self.call("release_now", scheduling_agreement=self.sa.name)
		frappe.set_user("Administrator")
		self.assertEqual(count_rows("Schedule Release", scheduling_agreement=self.sa.name), 0)
		self.assertEqual(count_rows("Sales Order", scheduling_agreement=self.sa.name), 0)

	def test_user_without_a_sales_role_cannot_even_read(self):
		frappe.set_user(self.stranger)
		self.assertFalse(frappe.has_permission("Scheduling Agreement", "read", doc=self.sa.name))
		with self.assertRaises(frappe.PermissionError):
			self.call("release_now", scheduling_agreement=self.sa.name)
		with self.assertRaises(frappe.PermissionError):
			frappe.call(
				"o2c_extension.scheduling.doctype.scheduling_agreement.scheduling_agreement.make_scheduling_agreement",
				source_name="does-not-matter",
			)

	def test_sales_user_runs_the_agreement_but_only_a_manager_cancels(self):
		frappe.set_user(self.sales_user)
		sa = agreement(self.customer, [(self.item_a, 100, 10)], lines=[(self.item_a, 1, 5, "Firm")])
		result = self.call(
			"import_release",
			scheduling_agreement=sa.name,
			release_no="S-1",
			release_date=str(in_days(0)),
			lines=frappe.as_json(release_lines((self.item_a, 1, 5, "Firm"), (self.item_a, 2, 6, "Firm"))),
		)
		self.assertEqual(result["lines_added"], 1)
		self.assertEqual(len(self.call("release_now", scheduling_agreement=sa.name)), 2)
		doc = frappe.get_doc("Scheduling Agreement", sa.name)
		with self.assertRaises(frappe.PermissionError):
			doc.cancel()

		frappe.set_user(self.sales_manager)
		fresh = agreement(self.customer, [(self.item_a, 10, 10)])
		frappe.get_doc("Scheduling Agreement", fresh.name).cancel()
		self.assertEqual(frappe.db.get_value("Scheduling Agreement", fresh.name, "status"), "Cancelled")
		# an agreement with submitted orders cannot be cancelled at all
		with self.assertRaises(frappe.LinkExistsError):
			frappe.get_doc("Scheduling Agreement", sa.name).cancel()
