"""EDIFACT DELFOR / DELJIT imported into scheduling agreements on a real site (CONTRACT §1 v2):
customer item codes (ERPNext's Item Customer Detail and the agreement's own), firm and forecast
lines, the customer's cumulative received (QTY+70) and last delivery note (RFF+AAK) beside ours,
a JIT release inside a forecast's horizon, several messages in one interchange, the raw message
kept on its release, and every kind of bad input refused with nothing written."""

from unittest.mock import patch

import frappe
from frappe.tests.utils import FrappeTestCase
from frappe.utils import flt, getdate

from o2c_extension.api.scheduling import import_edifact, release_now
from o2c_extension.scheduling import edifact_import as edifact_jobs
from o2c_extension.scheduling.messages import SchedulingInputError
from o2c_extension.scheduling.report.schedule_vs_actual.schedule_vs_actual import execute as report
from tests.integration import books, factories
from tests.integration import test_scheduling_real_books as real
from tests.integration.edifact_samples import interchange, message
from tests.integration.scheduling_helpers import in_days, schedule


def open_lines(agreement: str) -> list[tuple]:
	return sorted(
		(row.item_code, getdate(row.schedule_date), flt(row.qty), row.release_type)
		for row in schedule(agreement)
		if row.status == "Open"
	)


class TestEdifactImport(FrappeTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		frappe.set_user("Administrator")
		books.world()

	def setUp(self):
		tag = frappe.generate_hash(length=6).upper()
		self.party = f"GLN-{tag}"
		self.customer = books.eur_customer(payment_terms=books.TERMS_TEMPLATE, edi_party_id=self.party)
		real.tax_rule_for(self.customer)
		self.code_a, self.code_b = f"CI-A-{tag}", f"CI-B-{tag}"
		# A: the customer's code from ERPNext's Item Customer Detail; B: on the agreement's row
		self.item_a = factories.item(
			rate=10, customer_items=[{"customer_name": self.customer, "ref_code": self.code_a}]
		)
		self.item_b = factories.item(rate=20)
		self.reference = f"DA-{tag}"
		self.sa = real.books_agreement(
			self.customer,
			[(self.item_a, 1000, 8), (self.item_b, 1000, 15)],
			[(self.item_a, 1, 20), (self.item_b, 3, 10)],
			customer_reference=self.reference,
		)
		frappe.db.set_value(
			"Scheduling Agreement Item", self.sa.items[1].name, "customer_item_code", self.code_b
		)
		orders = release_now(self.sa.name)
		self.assertEqual(len(orders), 2)
		self.note = factories.delivery_note_from_order(orders[0]).name  # the 20 of A

	def tearDown(self):
		frappe.set_user("Administrator")

	# --- helpers ---------------------------------------------------------------------------------

	def delfor(self, reference, release_no, a_lines, b_lines=(), received=20, note=None, **kwargs):
		groups = [{"item": self.code_a, "received": received, "note": note or self.note, "lines": a_lines}]
		if b_lines:
			groups.append({"item": self.code_b, "supplier_item": self.item_b, "lines": b_lines})
		return message(reference, release_no, self.party, groups, order_reference=self.reference, **kwargs)

	def deljit(self, reference, release_no, a_lines, version="97A"):
		return message(
			reference,
			release_no,
			self.party,
			[{"item": self.code_a, "lines": [(True, qty, days) for qty, days in a_lines]}],
			order_reference=self.reference,
			message_type="DELJIT",
			version=version,
		)

	def written(self):
		releases = frappe.get_all(
			"Schedule Release", filters={"scheduling_agreement": self.sa.name}, pluck="name"
		)
		files = frappe.db.count(
			"File", {"attached_to_doctype": "Schedule Release", "attached_to_name": ("in", releases or [""])}
		)
		return len(releases), files, schedule(self.sa.name)

	# --- imports ---------------------------------------------------------------------------------

	def test_a_delfor_with_customer_codes_firm_and_forecast_lines_and_cumulatives(self):
		result = import_edifact(
			interchange(
				self.delfor("M1", "DF-1", [(True, 15, 4), (False, 40, 30)], [(True, 10, 3), (False, 5, 6)])
			)
		)
		self.assertEqual(result["errors"], [])
		(made,) = result["releases"]
		self.assertEqual(
			(made["message_ref"], made["release_no"], made["release_type"]), ("M1", "DF-1", "Forecast")
		)
		# A: the customer has received the 20 delivered and needs 55 more; B: 10 called off (not
		# delivered) cover its first 10, 5 are new
		self.assertEqual(
			open_lines(self.sa.name),
			sorted(
				[
					(self.item_a, in_days(4), 15, "Forecast"),
					(self.item_b, in_days(6), 5, "Forecast"),
					(self.item_a, in_days(30), 40, "Forecast"),
				]
			),
		)
		line_types = {
			(row.item_code, getdate(row.schedule_date)): row.line_type for row in schedule(self.sa.name)
		}
		self.assertEqual(
			(line_types[(self.item_a, in_days(4))], line_types[(self.item_a, in_days(30))]),
			("Firm", "Forecast"),
		)
		statement = made["items"][self.item_a]
		self.assertEqual(
			(
				statement["cumulative_received_qty"],
				statement["last_delivery_note"],
				statement["cumulative_delivered_qty"],
				statement["cumulative_difference"],
			),
			(20, self.note, 20, 0),
		)
		self.assertFalse(made["cumulative_mismatch"])

		release = frappe.get_doc("Schedule Release", made["schedule_release"])
		self.assertEqual(
			(release.edi_message_ref, release.release_type, release.customer),
			("M1", "Forecast", self.customer),
		)
		(file,) = frappe.get_all(
			"File",
			filters={"attached_to_doctype": "Schedule Release", "attached_to_name": release.name},
			fields=["name", "is_private"],
		)
		self.assertTrue(file.is_private)
		raw = frappe.get_doc("File", file.name).get_content()
		raw = raw.decode() if isinstance(raw, bytes) else raw
		self.assertTrue(raw.startswith("UNH+M1+DELFOR:D:96A:UN'"))
		self.assertIn(f"LIN+1++{self.code_a}:IN'", raw)

	def test_a_jit_inside_the_forecast_horizon_and_a_later_forecast_that_leaves_it_alone(self):
		import_edifact(interchange(self.delfor("M1", "DF-1", [(True, 15, 4), (False, 40, 30)])))
		jit = import_edifact(interchange(self.deljit("J1", "JIT-1", [(12, 4), (6, 5)])))["releases"][0]
		self.assertEqual(jit["release_type"], "JIT")
		# the JIT replaced A's open lines on days 4 to 5 only; day 30 is the forecast's still
		self.assertEqual(
			open_lines(self.sa.name),
			sorted(
				[
					(self.item_a, in_days(4), 12, "JIT"),
					(self.item_a, in_days(5), 6, "JIT"),
					(self.item_a, in_days(30), 40, "Forecast"),
				]
			),
		)
		# a later forecast asks 15 on day 4 again, 50 on day 30, and states 15 received: the JIT's
		# lines stay, day 30 follows the forecast, the 5 not explained by later deliveries are flagged
		later = import_edifact(
			interchange(self.delfor("M2", "DF-2", [(True, 15, 4), (False, 50, 30)], received=15))
		)
		(made,) = later["releases"]
		self.assertEqual(
			open_lines(self.sa.name),
			sorted(
				[
					(self.item_a, in_days(4), 12, "JIT"),
					(self.item_a, in_days(5), 6, "JIT"),
					(self.item_a, in_days(30), 50, "Forecast"),
				]
			),
		)
		statement = made["items"][self.item_a]
		self.assertEqual((statement["cumulative_difference"], statement["unexplained_difference"]), (5, 5))
		self.assertTrue(statement["cumulative_mismatch"] and made["cumulative_mismatch"])
		_columns, rows = report({"scheduling_agreement": self.sa.name, "item_code": self.item_a})
		self.assertEqual(
			(rows[0]["release_type"], rows[0]["jit_open_qty"], rows[0]["customer_item_code"]),
			("JIT", 18, self.code_a),
		)
		# the JIT lines are Firm and called off as usual
		self.assertEqual(len(release_now(self.sa.name)), 2)

	def test_cancelling_jit_releases_gives_the_lines_back_exactly_as_they_were(self):
		def standing():
			return sorted(
				(
					row.item_code,
					getdate(row.schedule_date),
					flt(row.qty),
					row.line_type,
					row.release_type,
					row.schedule_release,
					row.status,
				)
				for row in schedule(self.sa.name)
			)

		forecast = import_edifact(
			interchange(self.delfor("M1", "DF-1", [(True, 15, 4), (False, 25, 5), (False, 40, 30)]))
		)["releases"][0]["schedule_release"]
		before_jit = standing()
		self.assertIn((self.item_a, in_days(5), 25, "Forecast", "Forecast", forecast, "Open"), before_jit)
		# JIT-1 changes A's days 4 and 5 (day 5 a Forecast line of the DELFOR) into Firm JIT lines
		first = import_edifact(interchange(self.deljit("J1", "JIT-1", [(12, 4), (6, 5)])))
		first = first["releases"][0]["schedule_release"]
		after_first = standing()
		self.assertIn((self.item_a, in_days(5), 6, "Firm", "JIT", first, "Open"), after_first)
		# JIT-2 changes day 4, removes JIT-1's day 5 and adds day 6
		second = import_edifact(interchange(self.deljit("J2", "JIT-2", [(10, 4), (9, 6)])))
		second = second["releases"][0]["schedule_release"]
		self.assertNotIn(first, {line[5] for line in standing() if line[1] == in_days(5)})

		frappe.get_doc("Schedule Release", second).cancel()
		self.assertEqual(standing(), after_first)  # JIT-1's lines: Firm, JIT, set by JIT-1
		frappe.get_doc("Schedule Release", first).cancel()
		self.assertEqual(standing(), before_jit)  # the DELFOR's: Firm and Forecast, set by it

	def test_several_messages_make_several_releases_and_a_bad_one_writes_nothing(self):
		unknown_item = message(
			"M3",
			"DF-BAD",
			self.party,
			[{"item": "NOT-OURS", "lines": [(True, 5, 4)]}],
			order_reference=self.reference,
		)
		result = import_edifact(
			interchange(
				self.delfor("M1", "DF-1", [(True, 15, 4)]),
				unknown_item,
				self.deljit("J1", "JIT-1", [(12, 8)]),
			)
		)
		self.assertEqual(
			[(made["message_ref"], made["release_no"]) for made in result["releases"]],
			[("M1", "DF-1"), ("J1", "JIT-1")],
		)
		(error,) = result["errors"]
		self.assertEqual((error["message_ref"], error["release_no"]), ("M3", "DF-BAD"))
		self.assertIn("NOT-OURS", error["error"])
		self.assertFalse(frappe.db.exists("Schedule Release", {"release_no": "DF-BAD"}))
		self.assertEqual(self.written()[:2], (2, 2))

	# --- large interchanges: a background job --------------------------------------------------

	def enqueue(self, content: str):
		"""import_edifact of `content` as a large interchange: its answer and the enqueue call."""
		with (
			patch.object(edifact_jobs, "BACKGROUND_FROM_CHARS", len(content) - 1),
			patch.object(edifact_jobs, "is_job_enqueued", return_value=False),
			patch("frappe.enqueue") as enqueue,
		):
			return import_edifact(content), enqueue

	def bell(self):
		return frappe.get_all(
			"Notification Log",
			filters={"for_user": frappe.session.user, "subject": ("like", "%EDIFACT%")},
			fields=["subject", "email_content", "document_type", "document_name"],
			order_by="creation desc",
			limit=1,
		)

	def test_a_small_interchange_is_imported_at_once(self):
		content = interchange(self.delfor("M1", "DF-1", [(True, 15, 4)]))
		self.assertLess(len(content), edifact_jobs.BACKGROUND_FROM_CHARS)
		result = import_edifact(content)
		self.assertNotIn("queued", result)
		self.assertEqual([made["release_no"] for made in result["releases"]], ["DF-1"])

	def test_a_large_interchange_is_imported_by_a_job_that_tells_the_uploader(self):
		content = interchange(
			self.delfor("M1", "DF-1", [(True, 15, 4)]), self.deljit("J1", "JIT-1", [(12, 8)])
		)
		before = self.written()
		answer, enqueue = self.enqueue(content)
		self.assertTrue(answer["queued"])
		self.assertEqual((answer["releases"], answer["errors"]), ([], []))
		self.assertIn("background", answer["message"])
		self.assertEqual(self.written(), before)  # nothing imported by the request itself
		((method,), job) = enqueue.call_args
		self.assertEqual(method, edifact_jobs.JOB_METHOD)
		self.assertEqual((job["queue"], job["job_id"], job["deduplicate"]), ("long", answer["job_id"], True))
		self.assertEqual(job["user"], frappe.session.user)
		# the same file is the same job; another file is another
		self.assertEqual(self.enqueue(content)[0]["job_id"], answer["job_id"])
		other = interchange(self.delfor("M1", "DF-2", [(True, 16, 4)]))
		self.assertNotEqual(self.enqueue(other)[0]["job_id"], answer["job_id"])
		# while it waits or runs, the same file is not enqueued again
		with (
			patch.object(edifact_jobs, "BACKGROUND_FROM_CHARS", 10),
			patch.object(edifact_jobs, "is_job_enqueued", return_value=True),
			patch("frappe.enqueue") as again,
		):
			self.assertTrue(import_edifact(content)["queued"])
		again.assert_not_called()

		# the job, run as the worker would, imports and tells the uploader (bell and realtime)
		with patch("frappe.publish_realtime") as realtime:
			result = frappe.call(method, **{key: job[key] for key in ("content", "user")})
		self.assertEqual([made["release_no"] for made in result["releases"]], ["DF-1", "JIT-1"])
		self.assertEqual(self.written()[:2], (2, 2))
		(told,) = self.bell()
		self.assertEqual(told.subject, "EDIFACT import done: 2 Schedule Releases made, 0 messages refused.")
		self.assertEqual(
			(told.document_type, told.document_name),
			("Schedule Release", result["releases"][0]["schedule_release"]),
		)
		for made in result["releases"]:
			self.assertIn(made["schedule_release"], told.email_content)
		((event, payload), options) = realtime.call_args
		self.assertEqual((event, options["user"]), (edifact_jobs.REALTIME_EVENT, frappe.session.user))
		self.assertEqual(payload["releases"], result["releases"])

	def test_a_large_interchange_refused_in_its_job_writes_nothing_and_says_why(self):
		content = interchange(
			message(
				"M3",
				"DF-BAD",
				self.party,
				[{"item": "NOT-OURS", "lines": [(True, 5, 4)]}],
				order_reference=self.reference,
			)
		)
		before = self.written()
		answer, _enqueue = self.enqueue(content)
		self.assertTrue(answer["queued"])
		with patch("frappe.publish_realtime") as realtime:
			result = frappe.call(edifact_jobs.JOB_METHOD, content=content, user=frappe.session.user)
		self.assertEqual((result["releases"], self.written()), ([], before))
		(told,) = self.bell()
		self.assertEqual(told.subject, "EDIFACT import refused: nothing was imported.")
		self.assertIn("NOT-OURS", told.email_content)
		self.assertIn("NOT-OURS", realtime.call_args.args[1]["refusal"])

	# --- bad input -------------------------------------------------------------------------------

	def assert_refused(self, content: str, *phrases: str):
		before = self.written()
		with self.assertRaises(SchedulingInputError) as refused:
			import_edifact(content)
		for phrase in phrases:
			self.assertIn(phrase, str(refused.exception))
		self.assertEqual(self.written(), before)
		frappe.clear_messages()

	def test_every_kind_of_bad_input_is_refused_with_nothing_written(self):
		good = self.delfor("M1", "DF-1", [(True, 15, 4)])
		# the envelope: segment terminator, UNH, UNT, the UNT count
		self.assert_refused(interchange(good, una=False).replace("'", "~"), "segment terminator")
		self.assert_refused(interchange(good[1:]), "Segment 3 (BGM)", "outside any message")
		self.assert_refused(interchange(good[:-1]), "message M1 was not closed with a UNT segment")
		wrong_count = [*good[:-1], "UNT+99+M1"]
		self.assert_refused(interchange(wrong_count), "Message M1", "counts 99 segments")
		# what is not a delivery schedule
		orders = [segment.replace("DELFOR:D:96A", "ORDERS:D:96A") for segment in good]
		self.assert_refused(interchange(orders), "Message M1 is a ORDERS message")
		self.assert_refused(interchange(self.delfor("M1", "DF-1", [(True, 15, 4)], version="01B")), "D01B")
		# lines: outside the agreement's validity, negative, not a number
		self.assert_refused(
			interchange(self.delfor("M1", "DF-1", [(True, 15, 400)])), "outside the agreement"
		)
		self.assert_refused(interchange(self.delfor("M1", "DF-1", [(True, -5, 4)])), "negative quantity -5")
		self.assert_refused(
			interchange(self.delfor("M1", "DF-1", [(True, "ten", 4)])), "unreadable quantity ten"
		)
		# the customer says it received more than we ever delivered since the reset date
		self.assert_refused(
			interchange(self.delfor("M1", "DF-1", [(True, 15, 4)], received=21)), "more than the 20"
		)
		# not matched: unknown buyer, unknown agreement reference
		stranger = message("M1", "DF-1", "NOBODY", [{"item": self.code_a, "lines": [(True, 5, 4)]}])
		self.assert_refused(interchange(stranger), "Message M1", "NOBODY")
		elsewhere = message(
			"M1",
			"DF-1",
			self.party,
			[{"item": self.code_a, "lines": [(True, 5, 4)]}],
			order_reference="NO-SUCH",
		)
		self.assert_refused(interchange(elsewhere), "NO-SUCH")
		# a release number already applied
		import_edifact(interchange(good))
		self.assert_refused(
			interchange(self.delfor("M9", "DF-1", [(True, 20, 4)])), "DF-1", "already been imported"
		)
