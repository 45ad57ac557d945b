"""Disputes in the real-books world (issue 12): EUR customers on an EUR receivable, 10 % VAT, 5 %
additional discount, 40 / 30 / 30 payment terms (1,045.00 EUR an invoice of 10 items, 104.50 an
item; terms 418.00, 313.50, 313.50). Only the disputed amount pauses: the run still reminds the
customer of the undisputed rest. A credit note for the disputed part resolves the dispute; bad
disputes are refused with nothing written. Dates are frozen; the conftest restores the database.
"""

import frappe
from frappe.utils import add_days, flt

from o2c_extension.api import collections as api
from o2c_extension.collections import core, dispute_core, disputes, setup
from o2c_extension.collections.context import load_chunk
from tests.integration import books, factories
from tests.integration import collections_helpers as helpers
from tests.integration.test_collections_real_books import RealBooksCase, body_of, eur_invoice

BASE = helpers.BASE_DATE
POSTED = add_days(BASE, -10)  # the first term (418.00) is 10 days overdue on BASE
SEVEN_ITEMS = 731.5  # 7 × 100 less 5 %, plus 10 % VAT


def dispute_of(name: str):
	return frappe.get_doc("Dispute", name)


def invoice_state(name: str):
	return frappe.db.get_value(
		"Sales Invoice",
		name,
		["collection_status", "disputed", "dispute_reason", "outstanding_amount"],
		as_dict=True,
	)


class DisputeCase(RealBooksCase):
	def customer_with_invoice(self, tag: str, reminder: bool = False):
		customer = self.eur_customer(tag)
		if reminder:
			helpers.rule(
				customer,
				steps=[{"day_offset": 1, "action": core.EMAIL_REMINDER, "email_template": setup.OVERDUE}],
			)
		with self.on(POSTED):
			invoice = eur_invoice(customer, posting_date=POSTED)
		self.assertEqual(flt(invoice.outstanding_amount), 1045.0)
		return customer, invoice


class TestPartialDispute(DisputeCase):
	def test_the_undisputed_rest_is_reminded_and_a_credit_note_resolves_the_dispute(self):
		customer, invoice = self.customer_with_invoice("partial", reminder=True)
		with self.on(POSTED):
			whole = eur_invoice(customer, posting_date=POSTED)
		with self.on(BASE):
			answer = api.record_dispute(
				invoice.name, "Seven items arrived broken", SEVEN_ITEMS, "Goods Damaged"
			)
			whole_answer = api.record_dispute(whole.name, "Never ordered", None, "Not Delivered")

		dispute = dispute_of(answer["dispute"])
		self.assertEqual(
			(
				dispute.status,
				dispute.disputed_amount,
				dispute.currency,
				dispute.customer,
				dispute.reason_code,
			),
			(dispute_core.OPEN, SEVEN_ITEMS, "EUR", customer, "Goods Damaged"),
		)
		self.assertEqual(dispute.assigned_to, frappe.session.user)
		# a partial dispute leaves the invoice chased; a dispute of all of it pauses it
		self.assertEqual(invoice_state(invoice.name).disputed, 0)
		self.assertNotEqual(invoice_state(invoice.name).collection_status, core.DISPUTED)
		self.assertEqual(whole_answer["disputed_amount"], 1045.0)
		self.assertEqual(invoice_state(whole.name).disputed, 1)
		self.assertEqual(invoice_state(whole.name).collection_status, core.DISPUTED)
		self.assertEqual(
			disputes.open_disputed_amounts([invoice.name, whole.name, "nothing"]),
			{invoice.name: SEVEN_ITEMS, whole.name: 1045.0},
		)

		# the disputed 731.50 comes off the latest terms: of the overdue first term 313.50 is chased
		(state,) = load_chunk([invoice.name], open_only=False).invoices
		self.assertEqual(
			[(row.due_date, flt(row.outstanding, 2)) for row in state.chased_rows()],
			[(state.rows[0].due_date, 313.5)],
		)

		self.run_collections(add_days(BASE, 1))
		logged = helpers.actions_of(invoice.name)
		self.assertEqual([action.action for action in logged], [core.EMAIL_REMINDER])
		self.assertEqual(helpers.actions_of(whole.name), [])  # all of it disputed: not chased
		(mail,) = helpers.emails_for(invoice.name)
		body = body_of(mail.name)
		self.assertIn(invoice.name, body)
		# what the mail asks for is the undisputed rest of the term, not the term's 418.00
		self.assertIn("Total listed: € 313.50.", body)
		self.assertNotIn("Total listed: € 418.00", body)
		self.assertNotIn(whole.name, body)

		# the credit note for the seven items resolves the dispute by itself and is linked to it
		with self.on(add_days(BASE, 2)):
			credit_note = helpers.credit_note_against(invoice.name, 0.7)
		dispute.reload()
		self.assertEqual(
			(dispute.status, dispute.resolution, dispute.credit_note, str(dispute.resolved_on)),
			(dispute_core.RESOLVED, dispute_core.CREDIT_NOTE, credit_note.name, str(add_days(BASE, 2))),
		)
		credited = abs(flt(credit_note.rounded_total) or flt(credit_note.grand_total))
		self.assertAlmostEqual(credited, SEVEN_ITEMS, delta=0.5)  # ERPNext may round the total
		self.assertEqual(flt(invoice_state(invoice.name).outstanding_amount), flt(1045.0 - credited, 2))
		self.assertEqual(disputes.open_disputed_amounts([invoice.name]), {})
		self.assertIsNone(invoice_state(invoice.name).dispute_reason)

		# cancelling the credit note opens the dispute again
		with self.on(add_days(BASE, 3)):
			credit_note.reload()
			credit_note.cancel()
		dispute.reload()
		self.assertEqual(
			(dispute.status, dispute.resolution, dispute.credit_note), (dispute_core.OPEN, None, None)
		)
		self.assertEqual(disputes.open_disputed_amounts([invoice.name]), {invoice.name: SEVEN_ITEMS})

	def test_resolving_by_credit_note_through_the_api_links_the_credit_note(self):
		_customer, invoice = self.customer_with_invoice("api-credit")
		with self.on(BASE):
			first = api.record_dispute(invoice.name, "Price too high", 209.0, "Wrong Price")["dispute"]
			second = api.record_dispute(invoice.name, "One item short", 104.5, "Wrong Quantity")["dispute"]
			with self.assertRaises(frappe.ValidationError):
				api.resolve_dispute(first, "Credit Note")  # no credit note yet
			self.assertEqual(dispute_of(first).status, dispute_core.OPEN)
		with self.on(add_days(BASE, 1)):
			# two items credited: the amount of the first dispute, which it settles by itself
			two_items = helpers.credit_note_against(invoice.name, 0.2)
		self.assertEqual(dispute_of(first).credit_note, two_items.name)
		self.assertEqual(dispute_of(second).status, dispute_core.OPEN)
		with self.on(add_days(BASE, 1)):
			# a credit note already linked to a dispute cannot resolve another
			with self.assertRaises(frappe.ValidationError):
				api.resolve_dispute(dispute=second, resolution="Credit Note", credit_note=two_items.name)
			# a credit note standing alone (ERPNext's "outstanding for self") leaves the dispute open:
			# the invoice still owes it all until the credit is allocated
			one_item = books.partial_return(invoice.name, qty_factor=0.125)  # 1 of the 8 left
			self.assertEqual(dispute_of(second).status, dispute_core.OPEN)
			answer = api.resolve_dispute(invoice.name, "Credit Note")  # the invoice's one open dispute
		self.assertEqual(
			(answer["dispute"], answer["status"], answer["credit_note"]),
			(second, dispute_core.RESOLVED, one_item.name),
		)
		with self.on(add_days(BASE, 2)):
			third = api.record_dispute(invoice.name, "Freight charged twice", 52.25)["dispute"]
			self.assertEqual(disputes.open_disputed_amounts([invoice.name]), {invoice.name: 52.25})
			rejected = api.resolve_dispute(dispute=third, resolution="Rejected")
		self.assertEqual(
			(rejected["status"], rejected["resolution"]), (dispute_core.REJECTED, dispute_core.REJECTED)
		)
		self.assertEqual(disputes.open_disputed_amounts([invoice.name]), {})  # chased again

	def test_the_old_calls_keep_working(self):
		_customer, invoice = self.customer_with_invoice("old")
		with self.on(BASE):
			recorded = api.record_dispute(invoice.name, "Goods arrived damaged")
			self.assertEqual(recorded["collection_status"], core.DISPUTED)
			self.assertEqual(invoice_state(invoice.name).dispute_reason, "Goods arrived damaged")
			resolved = api.resolve_dispute(invoice.name)
		self.assertEqual(resolved["resolution"], dispute_core.CUSTOMER_PAID)
		self.assertEqual(resolved["status"], dispute_core.RESOLVED)
		self.assertEqual(resolved["collection_status"], core.OVERDUE)
		self.assertEqual(invoice_state(invoice.name).disputed, 0)


class TestDisputeEndsWithPayment(DisputeCase):
	def test_a_payment_clearing_the_invoice_ends_its_disputes_as_customer_paid(self):
		_customer, invoice = self.customer_with_invoice("paid-later")
		with self.on(BASE):
			name = api.record_dispute(invoice.name, "Price", 209.0, "Wrong Price")["dispute"]
			factories.payment_for_invoice(invoice.name, 500.0, posting_date=BASE)
		self.assertEqual(dispute_of(name).status, dispute_core.OPEN)  # 545.00 still owed
		with self.on(add_days(BASE, 1)):
			factories.payment_for_invoice(invoice.name, posting_date=add_days(BASE, 1))
		dispute = dispute_of(name)
		self.assertEqual(
			(dispute.status, dispute.resolution, str(dispute.resolved_on)),
			(dispute_core.RESOLVED, dispute_core.CUSTOMER_PAID, str(add_days(BASE, 1))),
		)
		self.assertEqual(invoice_state(invoice.name).collection_status, core.PAID)


class TestBadDisputes(DisputeCase):
	def assert_refused(self, invoice_name: str, message_part: str, *arguments, **keywords):
		before = invoice_state(invoice_name)
		count = frappe.db.count("Dispute", {"sales_invoice": invoice_name})
		with self.on(BASE):
			with self.assertRaises(frappe.ValidationError) as raised:
				api.record_dispute(invoice_name, *arguments, **keywords)
		self.assertIn(message_part, str(raised.exception))
		self.assertEqual(frappe.db.count("Dispute", {"sales_invoice": invoice_name}), count)
		self.assertEqual(invoice_state(invoice_name), before)

	def test_bad_disputes_are_refused_with_nothing_written(self):
		_customer, invoice = self.customer_with_invoice("bad")
		self.assert_refused(invoice.name, "1,045.00", "Too much", 1045.01)
		self.assert_refused(invoice.name, "more than zero", "Nothing", 0)
		self.assert_refused(invoice.name, "more than zero", "Less than nothing", -5)
		self.assert_refused(invoice.name, "No Such Reason", "Odd", 100, "No Such Reason")
		frappe.db.set_value("Dispute Reason", "Duplicate Invoice", "enabled", 0)
		self.assert_refused(invoice.name, "not an enabled Dispute Reason", "Odd", 100, "Duplicate Invoice")
		frappe.db.set_value("Dispute Reason", "Duplicate Invoice", "enabled", 1)
		self.assert_refused(invoice.name, "Enter the reason", "  ")
		with self.on(BASE):
			api.record_dispute(invoice.name, "Price", 300, "Wrong Price")
		# a second open dispute for the same amount; more than is left undisputed (745.00)
		self.assert_refused(invoice.name, "already has an open dispute", "Price again", 300)
		self.assert_refused(invoice.name, "745.00", "Everything else and more", 746)
		with self.on(BASE):
			api.record_dispute(invoice.name, "Everything else")  # the rest: 745.00
		self.assertEqual(disputes.open_disputed_amounts([invoice.name]), {invoice.name: 1045.0})
		self.assertEqual(invoice_state(invoice.name).collection_status, core.DISPUTED)
		self.assert_refused(invoice.name, "already disputed", "And again")

	def test_a_paid_invoice_cannot_be_disputed(self):
		_customer, invoice = self.customer_with_invoice("paid")
		with self.on(BASE):
			factories.payment_for_invoice(invoice.name, posting_date=BASE)
		self.assert_refused(invoice.name, "already paid", "Late complaint")

	def test_ending_a_dispute_twice_or_with_no_resolution_is_refused(self):
		_customer, invoice = self.customer_with_invoice("end")
		with self.on(BASE):
			name = api.record_dispute(invoice.name, "Quality", 100, "Quality Issue")["dispute"]
			with self.assertRaises(frappe.ValidationError):
				api.resolve_dispute(name, "Forget it")
			api.resolve_dispute(dispute=name, resolution="Write-off")
			with self.assertRaises(frappe.ValidationError):
				api.resolve_dispute(dispute=name, resolution="Rejected")
			dispute = dispute_of(name)
			self.assertEqual(
				(dispute.status, dispute.resolution), (dispute_core.RESOLVED, dispute_core.WRITE_OFF)
			)
			# the outcome is the app's alone
			dispute.status = dispute_core.OPEN
			with self.assertRaises(frappe.ValidationError):
				dispute.save()

	def test_shipped_dispute_reasons(self):
		self.assertEqual(
			set(frappe.get_all("Dispute Reason", filters={"enabled": 1}, pluck="name"))
			>= {
				"Wrong Price",
				"Wrong Quantity",
				"Goods Damaged",
				"Not Delivered",
				"Quality Issue",
				"Duplicate Invoice",
			},
			True,
		)
