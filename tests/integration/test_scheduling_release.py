"""Customer releases on a real site: REST and desk (CSV) import, replacing Open lines only, the
recorded diff, duplicates refused, drafts previewing, and undoing the latest release."""

import frappe
from frappe.tests.utils import FrappeTestCase
from frappe.utils import getdate

from o2c_extension.api.scheduling import import_release, import_release_csv, release_now
from o2c_extension.scheduling.messages import SchedulingInputError
from tests.integration.scheduling_helpers import (
	agreement,
	count_rows,
	in_days,
	line_states,
	release_lines,
	schedule,
	setup_masters,
)


class TestScheduleRelease(FrappeTestCase):
	def setUp(self):
		self.customer, (self.item_a, self.item_b) = setup_masters()
		self.sa = agreement(
			self.customer,
			[(self.item_a, 500, 10), (self.item_b, 500, 20)],
			lines=[
				(self.item_a, 1, 10, "Firm"),
				(self.item_a, 5, 10, "Firm"),
				(self.item_b, 30, 10, "Forecast"),
			],
			release_horizon_days=2,
		)

	def test_release_replaces_open_lines_only_and_records_the_diff(self):
		(order,) = release_now(self.sa.name)  # day 1 is called off: Released
		released_line = next(row for row in schedule(self.sa.name) if row.status == "Released")

		result = import_release(
			self.sa.name,
			"R-100",
			str(in_days(0)),
			release_lines(
				(self.item_a, 1, 10, "Firm"),  # already ordered: nothing new
				(self.item_a, 5, 15, "Firm"),  # changed
				(self.item_b, 40, 30, "Forecast"),  # added; day 30 is gone
			),
		)
		self.assertEqual(
			(
				result["lines_added"],
				result["lines_changed"],
				result["lines_removed"],
				result["lines_unchanged"],
			),
			(1, 1, 1, 0),
		)
		self.assertEqual(
			result["item_deltas"][self.item_a], {"old_open_qty": 10, "new_open_qty": 15, "qty_delta": 5}
		)
		self.assertEqual(
			result["item_deltas"][self.item_b], {"old_open_qty": 10, "new_open_qty": 30, "qty_delta": 20}
		)

		states = line_states(self.sa.name)
		self.assertEqual(
			set(states),
			{(self.item_a, in_days(1)), (self.item_a, in_days(5)), (self.item_b, in_days(40))},
		)
		self.assertEqual(states[(self.item_a, in_days(1))][:2], ("Released", 10))
		self.assertEqual(states[(self.item_a, in_days(5))][0], "Open")
		# the released line is the very same row, untouched
		after = {row.name: row for row in schedule(self.sa.name)}
		self.assertEqual(after[released_line.name].qty, 10)
		self.assertEqual(after[released_line.name].sales_order, order)

		release = frappe.get_doc("Schedule Release", result["schedule_release"])
		self.assertEqual(release.status, "Applied")
		self.assertEqual(
			sorted((row.change_type, row.item_code, getdate(row.schedule_date)) for row in release.changes),
			sorted(
				[
					("Changed", self.item_a, in_days(5)),
					("Removed", self.item_b, in_days(30)),
					("Added", self.item_b, in_days(40)),
				]
			),
		)
		added = next(row for row in release.changes if row.change_type == "Added")
		self.assertEqual(
			frappe.db.get_value("Scheduling Agreement Schedule Line", added.schedule_line, "qty"), 30
		)
		self.assertEqual(len(release.lines), 3)
		self.assertEqual(after[added.schedule_line].schedule_release, release.name)

	def test_duplicate_release_no_is_refused_and_writes_nothing(self):
		import_release(self.sa.name, "R-1", str(in_days(0)), release_lines((self.item_a, 2, 5, "Firm")))
		before_lines = schedule(self.sa.name)
		before_releases = count_rows("Schedule Release", scheduling_agreement=self.sa.name)
		with self.assertRaises(SchedulingInputError) as caught:
			import_release(self.sa.name, "R-1", str(in_days(0)), release_lines((self.item_a, 3, 7, "Firm")))
		self.assertIn("R-1", str(caught.exception))
		self.assertEqual(schedule(self.sa.name), before_lines)
		self.assertEqual(count_rows("Schedule Release", scheduling_agreement=self.sa.name), before_releases)

		# the same number on another agreement is fine
		other = agreement(self.customer, [(self.item_a, 10, 10)])
		import_release(other.name, "R-1", str(in_days(0)), release_lines((self.item_a, 2, 5, "Firm")))

	def test_desk_import_from_pasted_csv_and_from_a_file(self):
		text = (
			f"Item,Date,Qty,Type\n{self.item_a},{in_days(3)},12,Firm\n{self.item_b},{in_days(4)},8,forecast\n"
		)
		result = import_release_csv(self.sa.name, "CSV-1", str(in_days(0)), csv_text=text)
		self.assertEqual(result["lines_added"], 2)
		states = line_states(self.sa.name)
		self.assertEqual(states[(self.item_a, in_days(3))][0], "Open")
		self.assertEqual(
			frappe.db.get_value(
				"Scheduling Agreement Schedule Line",
				{"parent": self.sa.name, "item_code": self.item_b},
				"line_type",
			),
			"Forecast",
		)

		file = frappe.get_doc(
			{
				"doctype": "File",
				"file_name": "release.csv",
				"content": f"{self.item_a};{in_days(6)};9;Firm\n",
				"is_private": 1,
			}
		).insert()
		result = import_release_csv(self.sa.name, "CSV-2", str(in_days(0)), csv_file=file.file_url)
		self.assertEqual((result["lines_added"], result["lines_removed"]), (1, 2))
		self.assertEqual(set(line_states(self.sa.name)), {(self.item_a, in_days(6))})

	def test_draft_release_fills_lines_from_csv_and_previews_without_changing_the_agreement(self):
		before = schedule(self.sa.name)
		draft = frappe.get_doc(
			{
				"doctype": "Schedule Release",
				"scheduling_agreement": self.sa.name,
				"release_no": "DRAFT-1",
				"release_date": in_days(0),
				"csv_text": f"{self.item_a},{in_days(1)},10,Firm\n{self.item_a},{in_days(8)},4,Firm",
			}
		).insert()
		self.assertEqual(draft.status, "Draft")
		self.assertEqual(
			[(row.item_code, row.qty) for row in draft.lines], [(self.item_a, 10), (self.item_a, 4)]
		)
		self.assertEqual((draft.lines_added, draft.lines_removed, draft.lines_unchanged), (1, 2, 1))
		self.assertEqual(schedule(self.sa.name), before)

		draft.submit()
		self.assertEqual(
			set(line_states(self.sa.name)), {(self.item_a, in_days(1)), (self.item_a, in_days(8))}
		)

	def test_bad_csv_is_refused_with_line_numbers(self):
		text = f"{self.item_a},2026-02-30,10,Firm\nNOT-AN-ITEM,{in_days(2)},1,Firm\n{self.item_a},{in_days(2)},-1,Firm"
		with self.assertRaises(SchedulingInputError) as caught:
			import_release_csv(self.sa.name, "BAD", str(in_days(0)), csv_text=text)
		message = str(caught.exception)
		self.assertIn("CSV line 1", message)
		self.assertIn("NOT-AN-ITEM", message)
		self.assertIn("CSV line 3", message)
		self.assertEqual(count_rows("Schedule Release", scheduling_agreement=self.sa.name), 0)

	def test_cancelling_the_latest_release_puts_the_lines_back(self):
		before = sorted(
			(row.item_code, row.schedule_date, row.qty, row.line_type) for row in schedule(self.sa.name)
		)
		first = import_release(
			self.sa.name, "U-1", str(in_days(0)), release_lines((self.item_a, 5, 11, "Firm"))
		)
		second = import_release(
			self.sa.name,
			"U-2",
			str(in_days(0)),
			release_lines((self.item_a, 5, 12, "Firm"), (self.item_b, 9, 3, "Firm")),
		)

		# only the latest can be undone
		with self.assertRaises(frappe.ValidationError):
			frappe.get_doc("Schedule Release", first["schedule_release"]).cancel()

		frappe.get_doc("Schedule Release", second["schedule_release"]).cancel()
		self.assertEqual(
			sorted((row.item_code, row.schedule_date, row.qty) for row in schedule(self.sa.name)),
			[(self.item_a, in_days(5), 11)],
		)
		self.assertEqual(frappe.db.get_value("Scheduling Agreement", self.sa.name, "last_release_no"), "U-1")
		frappe.get_doc("Schedule Release", first["schedule_release"]).cancel()
		self.assertEqual(
			sorted(
				(row.item_code, row.schedule_date, row.qty, row.line_type) for row in schedule(self.sa.name)
			),
			before,
		)
		# a cancelled release number may be imported again
		import_release(self.sa.name, "U-2", str(in_days(0)), release_lines((self.item_a, 5, 1, "Firm")))

	def test_a_release_cannot_be_undone_once_its_lines_were_called_off(self):
		result = import_release(
			self.sa.name, "C-1", str(in_days(0)), release_lines((self.item_a, 1, 25, "Firm"))
		)
		release_now(self.sa.name)
		release = frappe.get_doc("Schedule Release", result["schedule_release"])
		with self.assertRaises(frappe.ValidationError):
			release.cancel()

	def test_an_agreement_with_applied_releases_can_be_cancelled(self):
		import_release(self.sa.name, "X-1", str(in_days(0)), release_lines((self.item_a, 4, 5, "Firm")))
		frappe.get_doc("Scheduling Agreement", self.sa.name).cancel()
		self.assertEqual(frappe.db.get_value("Scheduling Agreement", self.sa.name, "status"), "Cancelled")
		# and no release goes into a cancelled agreement
		with self.assertRaises(SchedulingInputError):
			import_release(self.sa.name, "X-2", str(in_days(0)), release_lines((self.item_a, 4, 5, "Firm")))
