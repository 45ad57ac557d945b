"""Promises to pay in the real-books world (issue 12): EUR customers on an EUR receivable, 10 % VAT,
5 % additional discount, 40 / 30 / 30 payment terms (1,045.00 EUR an invoice: 418.00, 313.50,
313.50). A promise is judged by the run on the day after its date plus O2C Settings' tolerance,
from the payments allocated to its invoices after it was made: Kept, Partially Kept, Broken; a
broken one escalates the customer's case once and counts in the credit score. Bad promises are
refused with nothing written. Dates are frozen; the conftest restores the database afterwards.
"""

import frappe
from frappe.tests.utils import change_settings
from frappe.utils import add_days, flt, getdate

from o2c_extension.api import collections as api
from o2c_extension.collections import cases, core, promise_core
from o2c_extension.credit_control import scores
from tests.integration import collections_helpers as helpers
from tests.integration import factories
from tests.integration.test_collections_real_books import RealBooksCase, eur_invoice

BASE = helpers.BASE_DATE
POSTED = add_days(BASE, -10)  # the first term (418.00) is 10 days overdue on BASE
PROMISED_DAY = add_days(BASE, 4)
TOLERANCE = 3
LAST_COUNTING_DAY = add_days(PROMISED_DAY, TOLERANCE)
JUDGEMENT_DAY = add_days(PROMISED_DAY, TOLERANCE + 1)


def pay(invoice_name: str, amount: float, day) -> None:
	factories.payment_for_invoice(invoice_name, amount, posting_date=day)


def promise_of(name: str):
	return frappe.get_doc("Promise to Pay", name)


def escalations_of(promise: str) -> int:
	"""How often the customer's case was escalated for this promise (its timeline says so)."""
	return len(
		frappe.get_all(
			"Comment",
			filters={
				"reference_doctype": "Collection Case",
				"content": ("like", f"%{promise}%"),
				"comment_type": "Info",
			},
			pluck="content",
		)
	)


class PromiseCase(RealBooksCase):
	def setUp(self):
		super().setUp()
		self.settings = change_settings("O2C Settings", promise_tolerance_days=TOLERANCE)
		self.settings.__enter__()

	def tearDown(self):
		self.settings.__exit__(None, None, None)
		super().tearDown()

	def customer_with_invoice(self, tag: str):
		customer = self.eur_customer(tag)
		helpers.rule(
			customer,
			steps=[{"day_offset": 1, "action": core.CREATE_TODO, "assign_to_role": "Collections Agent"}],
		)
		with self.on(POSTED):
			invoice = eur_invoice(customer, posting_date=POSTED)
		self.assertEqual(flt(invoice.outstanding_amount), 1045.0)
		self.assertEqual([flt(row.payment_amount) for row in invoice.payment_schedule], [418.0, 313.5, 313.5])
		return customer, invoice

	def run_on(self, day):
		return self.run_collections(day)


class TestPromiseOutcomes(PromiseCase):
	def test_kept_partially_kept_and_broken_judged_on_the_right_day_broken_escalated_once(self):
		kept_customer, kept = self.customer_with_invoice("kept")
		partial_customer, partial = self.customer_with_invoice("partial")
		broken_customer, broken = self.customer_with_invoice("broken")
		with self.on(add_days(BASE, -1)):
			pay(broken.name, 100.0, add_days(BASE, -1))  # before the promise: does not count

		with self.on(BASE):
			answers = {
				"kept": api.record_promise(kept.name, str(PROMISED_DAY), "First instalment", 418),
				"partial": api.record_promise(partial.name, str(PROMISED_DAY), "All of it"),
				"broken": api.record_promise(
					sales_invoice=broken.name, promise_date=str(PROMISED_DAY), amount="418.00"
				),
			}
		names = {key: answer["promise_to_pay"] for key, answer in answers.items()}
		self.assertEqual(answers["kept"]["promised_amount"], 418.0)
		self.assertEqual(answers["partial"]["promised_amount"], 1045.0)  # the outstanding by default
		self.assertEqual(answers["broken"]["currency"], "EUR")
		for invoice in (kept, partial, broken):
			self.assertEqual(helpers.status_of(invoice.name), core.PROMISE_TO_PAY)
			self.assertEqual(
				getdate(frappe.db.get_value("Sales Invoice", invoice.name, "promise_to_pay_date")),
				PROMISED_DAY,
			)

		# up to the last day of the tolerance every promise is still open
		with self.on(add_days(BASE, 3)):
			pay(kept.name, 418.0, add_days(BASE, 3))
		self.run_on(PROMISED_DAY)
		with self.on(LAST_COUNTING_DAY):
			pay(partial.name, 300.0, LAST_COUNTING_DAY)  # the last day of the tolerance still counts
		self.run_on(LAST_COUNTING_DAY)
		for name in names.values():
			self.assertEqual(promise_of(name).status, promise_core.OPEN)

		with self.on(JUDGEMENT_DAY):
			pay(
				broken.name, 200.0, JUDGEMENT_DAY
			)  # too late for the promise (118.00 of the term still overdue)
		self.run_on(JUDGEMENT_DAY)
		outcome = {key: promise_of(name) for key, name in names.items()}
		self.assertEqual(
			{key: (doc.status, doc.paid_amount) for key, doc in outcome.items()},
			{
				"kept": (promise_core.KEPT, 418.0),
				"partial": (promise_core.PARTIALLY_KEPT, 300.0),
				"broken": (promise_core.BROKEN, 0.0),
			},
		)
		for doc in outcome.values():
			self.assertEqual(getdate(doc.judged_on), JUDGEMENT_DAY)

		# the broken promise escalated the customer's case once; the others did not
		self.assertEqual(escalations_of(names["broken"]), 1)
		self.assertEqual(
			escalations_of(names["kept"]),
			0,
			frappe.get_all(
				"Comment",
				filters={"reference_doctype": "Collection Case"},
				fields=["reference_name", "content"],
			),
		)
		self.assertEqual(escalations_of(names["partial"]), 0)
		case = cases.open_case(broken_customer, factories.company())
		self.assertEqual(frappe.db.get_value("Collection Case", case, "priority"), "High")

		# the invoices are chased again for what is unpaid
		for invoice in (partial, broken):
			self.assertIsNone(frappe.db.get_value("Sales Invoice", invoice.name, "promise_to_pay_date"))
			self.assertNotEqual(helpers.status_of(invoice.name), core.PROMISE_TO_PAY)

		# later runs judge nothing again and escalate nothing more
		for day in (JUDGEMENT_DAY, add_days(JUDGEMENT_DAY, 1), add_days(JUDGEMENT_DAY, 5)):
			self.run_on(day)
		self.assertEqual(escalations_of(names["broken"]), 1)
		self.assertEqual(
			[promise_of(names[key]).status for key in ("kept", "partial", "broken")],
			[promise_core.KEPT, promise_core.PARTIALLY_KEPT, promise_core.BROKEN],
		)
		self.assertEqual(promise_of(names["partial"]).paid_amount, 300.0)

		# the credit score counts the broken promise of its customer, and only that
		with self.on(add_days(JUDGEMENT_DAY, 5)):
			counted = scores._broken_promises(
				factories.company(), [kept_customer, partial_customer, broken_customer], add_days(BASE, -365)
			)
		self.assertEqual(counted, {broken_customer: 1})

	def test_a_promise_judged_late_is_judged_as_on_its_day(self):
		"""The job was down: judged days later, only payments up to the tolerance's end count."""
		_customer, invoice = self.customer_with_invoice("late")
		with self.on(BASE):
			name = api.record_promise(invoice.name, str(PROMISED_DAY), None, 313.5)["promise_to_pay"]
		with self.on(add_days(JUDGEMENT_DAY, 2)):
			pay(invoice.name, 313.5, add_days(JUDGEMENT_DAY, 2))
		self.run_on(add_days(JUDGEMENT_DAY, 3))
		self.assertEqual((promise_of(name).status, promise_of(name).paid_amount), (promise_core.BROKEN, 0.0))

	def test_a_new_promise_replaces_the_open_one(self):
		_customer, invoice = self.customer_with_invoice("replace")
		with self.on(BASE):
			first = api.record_promise(invoice.name, str(PROMISED_DAY))["promise_to_pay"]
		with self.on(add_days(BASE, 2)):
			second = api.record_promise(invoice.name, str(add_days(PROMISED_DAY, 10)), None, 500)
		self.assertEqual(promise_of(first).status, promise_core.CANCELLED)
		self.assertEqual(promise_of(second["promise_to_pay"]).status, promise_core.OPEN)
		self.assertEqual(
			getdate(frappe.db.get_value("Sales Invoice", invoice.name, "promise_to_pay_date")),
			add_days(PROMISED_DAY, 10),
		)
		# the replaced promise is never judged, so never broken
		self.run_on(add_days(JUDGEMENT_DAY, 1))
		self.assertEqual(promise_of(first).status, promise_core.CANCELLED)
		self.assertEqual(promise_of(second["promise_to_pay"]).status, promise_core.OPEN)


class TestPromiseOnTheCase(PromiseCase):
	def test_a_promise_on_the_case_covers_its_overdue_invoices(self):
		customer, first = self.customer_with_invoice("case")
		with self.on(add_days(BASE, -40)):
			older = eur_invoice(customer, posting_date=add_days(BASE, -40))  # two terms overdue
		with self.on(add_days(BASE, -1)):
			pay(older.name, 200.0, add_days(BASE, -1))
		with self.on(BASE):
			eur_invoice(customer, posting_date=BASE)  # its first term is due today, not overdue: not covered
			case = cases.refresh_case(customer, factories.company())
			self.assertTrue(case)
			answer = api.record_promise(collection_case=case, promise_date=str(PROMISED_DAY), note="Both")
		self.assertEqual(sorted(answer["invoices"]), sorted([first.name, older.name]))
		self.assertEqual(answer["promised_amount"], 1045.0 + 845.0)
		self.assertEqual(answer["collection_case"], case)
		for invoice in (first, older):
			self.assertEqual(helpers.status_of(invoice.name), core.PROMISE_TO_PAY)

		with self.on(add_days(BASE, 2)):
			pay(first.name, 1045.0, add_days(BASE, 2))
			pay(older.name, 845.0, add_days(BASE, 2))
		self.run_on(JUDGEMENT_DAY)
		promise = promise_of(answer["promise_to_pay"])
		self.assertEqual((promise.status, promise.paid_amount), (promise_core.KEPT, 1890.0))


class TestBadPromises(PromiseCase):
	def assert_refused(self, invoice, message_part: str, **arguments):
		before = frappe.db.get_value(
			"Sales Invoice",
			invoice.name,
			["collection_status", "promise_to_pay_date", "modified"],
			as_dict=True,
		)
		with self.on(BASE):
			with self.assertRaises(frappe.ValidationError) as raised:
				api.record_promise(invoice.name, **arguments)
		self.assertIn(message_part, str(raised.exception))
		self.assertFalse(frappe.db.exists("Promise to Pay Invoice", {"sales_invoice": invoice.name}))
		self.assertEqual(
			frappe.db.get_value(
				"Sales Invoice",
				invoice.name,
				["collection_status", "promise_to_pay_date", "modified"],
				as_dict=True,
			),
			before,
		)

	def test_past_zero_negative_and_too_high_promises_are_refused_with_nothing_written(self):
		_customer, invoice = self.customer_with_invoice("bad")
		self.assert_refused(invoice, "in the past", promise_date=str(add_days(BASE, -1)))
		self.assert_refused(invoice, "more than zero", promise_date=str(PROMISED_DAY), amount=0)
		self.assert_refused(invoice, "more than zero", promise_date=str(PROMISED_DAY), amount=-10)
		self.assert_refused(invoice, "1,045.01", promise_date=str(PROMISED_DAY), amount=1045.01)
		self.assert_refused(invoice, "not a valid amount", promise_date=str(PROMISED_DAY), amount="lots")
		self.assert_refused(invoice, "not a valid promise date", promise_date="31.02.2031")
		# after a payment of 400 the outstanding is 645: a promise of 700 is too much
		with self.on(BASE):
			pay(invoice.name, 400.0, BASE)
		self.assert_refused(invoice, "645", promise_date=str(PROMISED_DAY), amount=700)

	def test_the_disputed_part_cannot_be_promised(self):
		_customer, invoice = self.customer_with_invoice("disputed")
		with self.on(BASE):
			api.record_dispute(invoice.name, "Two items damaged", 209.0, "Goods Damaged")
		self.assert_refused(invoice, "836", promise_date=str(PROMISED_DAY), amount=900)
		with self.on(BASE):
			answer = api.record_promise(invoice.name, str(PROMISED_DAY))
		self.assertEqual(answer["promised_amount"], 836.0)  # the undisputed rest

	def test_state_of_a_promise_is_the_apps_alone(self):
		_customer, invoice = self.customer_with_invoice("sealed")
		with self.on(BASE):
			name = api.record_promise(invoice.name, str(PROMISED_DAY))["promise_to_pay"]
			promise = promise_of(name)
			promise.status = promise_core.KEPT
			with self.assertRaises(frappe.ValidationError):
				promise.save()
			promise.reload()
			promise.note = "<b>called back</b>"
			promise.save()
		self.assertEqual(promise_of(name).note, "&lt;b&gt;called back&lt;/b&gt;")
		self.assertEqual(promise_of(name).status, promise_core.OPEN)
