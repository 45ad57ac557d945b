"""The collections run reads only the accounts with something due (issue 16), and decides exactly
what the full evaluation decides.

Each day of each test, on real-books data (EUR invoices on an EUR receivable in three instalments,
an EUR invoice on the USD receivable, a credit note, a dispute, a promise), `day()`:

1. asks the full evaluation what the run should do today: `preview_run` reads every open invoice
   of the company and plans every step (after the promises whose day passed are judged, as the
   run does first);
2. runs the fast run (`runner.run`: only the invoices changed since last evaluated or whose
   account's next evaluation date has come) and checks it applied exactly those steps;
3. runs the full run (`runner.run(full=True)`: every open invoice) right after and checks that it
   finds nothing more to do and changes nothing: no step, no invoice's collection status, no
   field of the customers' Collection Cases.

And on the days where nothing is due for a customer, that the fast run did not even select it.
"""

import frappe
from frappe.utils import add_days, getdate

from o2c_extension.collections import context, core, disputes, promises, runner, setup
from o2c_extension.collections.preview import preview_run
from tests.integration import books, factories
from tests.integration import collections_helpers as helpers
from tests.integration.test_collections_real_books import RealBooksCase, eur_invoice

BASE = helpers.BASE_DATE
CASE_FIELDS = (
	"status",
	"overdue_amount",
	"oldest_due_date",
	"next_action_date",
	"priority",
	"assigned_to",
	"last_action",
	"last_action_on",
	"closed_on",
)


def steps():
	return [
		{"day_offset": -3, "action": core.EMAIL_REMINDER, "email_template": setup.BEFORE_DUE},
		{"day_offset": 3, "action": core.CREATE_TODO, "assign_to_role": "Collections Agent"},
		{"day_offset": 7, "action": core.EMAIL_REMINDER, "email_template": setup.OVERDUE},
		{"day_offset": 10, "action": core.CREATE_DUNNING, "dunning_type": helpers.dunning_type()},
		{"day_offset": 20, "action": core.ESCALATE},
	]


class TestTheRunFollowsTheWorkDue(RealBooksCase):
	def setUp(self):
		super().setUp()
		self.customers: list[str] = []

	def account(self, tag: str, **fields) -> str:
		customer = self.eur_customer(tag, **fields)
		helpers.rule(customer, steps=steps())
		self.customers.append(customer)
		return customer

	# -- the oracle ------------------------------------------------------------------------

	def state(self) -> dict:
		"""What the run writes, for the test's customers: the steps logged, the invoices'
		collection statuses and their cases' fields."""
		invoices = frappe.get_all(
			"Sales Invoice",
			filters={"customer": ("in", self.customers), "docstatus": 1},
			fields=["name", "collection_status"],
		)
		cases = frappe.get_all(
			"Collection Case",
			filters={"customer": ("in", self.customers)},
			fields=["name", *CASE_FIELDS],
		)
		return {
			"steps": self.steps_logged(),
			"statuses": {row.name: row.collection_status for row in invoices},
			"cases": {row.name: tuple(str(row[field] or "") for field in CASE_FIELDS) for row in cases},
		}

	def steps_logged(self) -> set:
		return {
			(row.sales_invoice, row.payment_schedule or "", row.step, row.action, row.status)
			for row in frappe.get_all(
				"Collection Action",
				filters={"customer": ("in", self.customers)},
				fields=["sales_invoice", "payment_schedule", "step", "action", "status"],
			)
		}

	def selected(self, day) -> list[str]:
		"""The test's customers whose invoices the fast run would select on `day`."""
		with self.on(day):
			names = context.open_invoice_names(getdate(day), factories.COMPANY, skip_evaluated=True)
			return sorted(
				set(
					frappe.get_all(
						"Sales Invoice",
						filters={"name": ("in", names or [""]), "customer": ("in", self.customers)},
						pluck="customer",
					)
				)
			)

	def day(self, day, due: set[str] | None = None, due_includes: set[str] = frozenset()) -> dict:
		"""One day's run checked against the full evaluation (see the module's docstring);
		`due`: the customers that must be selected (all others must not be); `due_includes`: some
		that must be selected (the others are left to the oracle)."""
		day = getdate(day)
		with self.on(day):
			promises.judge_due_promises(factories.COMPANY, day)
			frappe.db.commit()
			planned = {
				(step["sales_invoice"], step["payment_schedule"] or "", step["action"])
				for row in preview_run(factories.COMPANY, day)["customers"]
				if row["customer"] in self.customers
				for step in row["steps"]
			}
		if due is not None or due_includes:
			selected = self.selected(day)
			if due is not None:
				self.assertEqual(selected, sorted(due), f"selected on {day}")
			self.assertFalse(set(due_includes) - set(selected), f"not selected on {day}")
		before = self.steps_logged()
		with self.on(day):
			runner.run(company=factories.COMPANY, enqueue=False)
		fast = self.state()
		acted = {(invoice, row, action) for invoice, row, _step, action, _s in fast["steps"] - before}
		self.assertEqual(acted, planned, f"steps applied on {day}")
		with self.on(day):
			runner.run(company=factories.COMPANY, enqueue=False, full=True)
		self.assertEqual(self.state(), fast, f"the full run after the fast one on {day}")
		self.assertEqual(self.selected(day), [], f"selected again on {day}")
		return fast

	# -- the events ------------------------------------------------------------------------

	def test_time_passing_payments_and_their_reversal(self):
		paying = self.account("due-pay")
		quiet = self.account("due-quiet")
		with self.on(BASE):
			first = eur_invoice(paying)  # 418 / 313.5 / 313.5 EUR due BASE, +30, +60
			eur_invoice(quiet, posting_date=add_days(BASE, 5))
		self.day(add_days(BASE, -3), due={paying, quiet})  # new invoices: never evaluated
		self.day(add_days(BASE, -2), due=set())
		self.day(BASE, due=set())
		self.day(add_days(BASE, 1), due={paying})  # the first term fell overdue: a case opens
		self.day(add_days(BASE, 2), due={quiet})  # the reminder 3 days before the quiet one's term
		self.day(add_days(BASE, 3), due={paying})  # the ToDo
		# a payment of the first term closes its work; then the payment is cancelled
		with self.on(add_days(BASE, 4)):
			payment = factories.payment_for_invoice(first.name, 418)
		self.day(add_days(BASE, 4), due={paying})
		self.day(add_days(BASE, 5), due=set())
		with self.on(add_days(BASE, 6)):
			payment.reload()
			payment.cancel()
		self.day(add_days(BASE, 6), due={paying, quiet})  # and the quiet one's first term fell overdue
		self.day(add_days(BASE, 7), due={paying})  # the overdue reminder
		for offset in (10, 20, 25, 31, 35, 61):
			self.day(add_days(BASE, offset))

	def test_promise_kept_broken_dispute_resolved_credit_note_cancelled(self):
		customer = self.account("due-events")
		usd_receivable = self.account("due-usd", eur_receivable=False)
		with self.on(BASE):
			promised = eur_invoice(customer)
			disputed = eur_invoice(customer, terms=False, due_date=BASE)
			returned = eur_invoice(customer, terms=False, due_date=BASE)
			books.sales_invoice(usd_receivable, [(helpers.item(), 5, 100)], posting_date=BASE)
		self.day(BASE, due={customer, usd_receivable})
		self.day(add_days(BASE, 3), due={customer, usd_receivable})

		# a promise for day 8: the promised invoice pauses, the others are still chased
		with self.on(add_days(BASE, 4)):
			promises.record_promise(promised.name, add_days(BASE, 8))
			dispute = disputes.record_dispute(disputed.name, "wrong price", disputed_amount=500)
		self.day(add_days(BASE, 4), due={customer})
		self.day(add_days(BASE, 5), due=set())
		self.day(add_days(BASE, 7), due={customer, usd_receivable})
		# the promise broken (not paid by its day and the tolerance): judged, escalated
		tolerance = promises.tolerance_days()
		self.day(add_days(BASE, 9 + tolerance))
		# the dispute resolved: its invoice is chased in full again
		with self.on(add_days(BASE, 12 + tolerance)):
			disputes.resolve_dispute(dispute.name, "Rejected")
		# (whether the USD account is due that day too depends on the days its steps fell due while
		# no run was held: the oracle judges it)
		self.day(add_days(BASE, 12 + tolerance), due_includes={customer})
		# a credit note pays the third invoice (its event closes its work and refreshes the case:
		# nothing is left for the run); cancelled, the invoice is owed again
		with self.on(add_days(BASE, 14 + tolerance)):
			credit_note = helpers.credit_note_against(returned.name)
		self.day(add_days(BASE, 14 + tolerance), due=set())
		with self.on(add_days(BASE, 15 + tolerance)):
			credit_note.reload()
			credit_note.cancel()
		self.day(add_days(BASE, 15 + tolerance), due={customer})
		for offset in (20, 31, 45, 70):
			self.day(add_days(BASE, offset + tolerance))

	def test_rule_edited_steps_changed_and_start_date_moved(self):
		customer = self.account("due-rule")
		with self.on(BASE):
			eur_invoice(customer, terms=False, due_date=BASE)
		self.day(BASE, due={customer})
		self.day(add_days(BASE, 1), due={customer})  # fell overdue
		self.day(add_days(BASE, 2), due=set())
		# a step added for day 2, today: the edited rule makes it due at once
		with self.on(add_days(BASE, 2)):
			rule = frappe.get_doc("Collections Rule", {"customer": customer})
			rule.append("steps", {"day_offset": 2, "action": core.CREDIT_HOLD})
			rule.save()
		self.day(add_days(BASE, 2), due={customer})
		# the go-live date moved past the invoice's due date: the run leaves it out
		with self.on(add_days(BASE, 4)):
			frappe.db.set_single_value("O2C Settings", "collections_start_date", add_days(BASE, 1))
		try:
			self.day(add_days(BASE, 4), due={customer})
			self.day(add_days(BASE, 7), due=set())
		finally:
			with self.on(add_days(BASE, 8)):
				frappe.db.set_single_value("O2C Settings", "collections_start_date", None)
		self.day(add_days(BASE, 8), due={customer})
		self.day(add_days(BASE, 10))
