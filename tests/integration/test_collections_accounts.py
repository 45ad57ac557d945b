"""Collections per customer account (issue 12), on books shaped like real ones: a customer billed
in EUR and in USD on its USD receivable, a three-term invoice with taxes and a discount, mail in
the customer's language, one Collection Case, one task, one Dunning per currency, the go-live
date and the preview of the next run.

The run commits per customer, so these tests commit; the suite's conftest restores the database
afterwards. Rules are scoped to a customer made for the test.
"""

import json

import frappe
from frappe.utils import add_days, add_years, flt, fmt_money, formatdate, getdate

from o2c_extension.api import collections as api
from o2c_extension.collections import core, setup
from o2c_extension.collections.report.collections_worklist import collections_worklist
from tests.integration import books, factories, mail_sink
from tests.integration import collections_helpers as helpers
from tests.integration.test_collections_real_books import RealBooksCase, body_of

BASE = helpers.BASE_DATE
GERMAN = "de"
# a sentence of the reminder in German, as a translator would give it (Frappe's Translation DocType)
DUE_SENTENCE = "These payments have fallen due:"
DUE_SENTENCE_DE = "Diese Zahlungen sind fällig geworden:"


def german_translation() -> None:
	if not frappe.db.exists("Translation", {"language": GERMAN, "source_text": DUE_SENTENCE}):
		frappe.get_doc(
			{
				"doctype": "Translation",
				"language": GERMAN,
				"source_text": DUE_SENTENCE,
				"translated_text": DUE_SENTENCE_DE,
			}
		).insert(ignore_permissions=True)


def counts() -> dict:
	return {
		doctype: frappe.db.count(doctype)
		for doctype in (
			"Email Queue",
			"Communication",
			"ToDo",
			"Collection Action",
			"Collection Case",
			"Dunning",
			"Credit Hold",
		)
	}


class AccountCase(RealBooksCase):
	STEPS = (
		{"day_offset": 5, "action": core.EMAIL_REMINDER, "email_template": setup.OVERDUE},
		{"day_offset": 5, "action": core.CREATE_TODO, "assign_to_role": "Collections Agent"},
	)

	def two_currency_customer(self, tag: str, language: str | None = GERMAN):
		"""A customer billed in EUR and USD on the USD receivable, with the German language."""
		customer = self.eur_customer(tag, eur_receivable=False)
		if language:
			frappe.db.set_value("Customer", customer, "language", language)
		return customer

	def invoices(self, customer):
		"""A three-term EUR invoice (taxes, discount) whose first two terms are overdue by 35 and 5
		days, a USD invoice 5 days overdue, and an EUR invoice 2 days overdue (no step due yet)."""
		with self.on(add_days(BASE, -35)):
			terms = books.sales_invoice(
				customer, [(helpers.item(), 10, 100)], posting_date=add_days(BASE, -35)
			)
		with self.on(add_days(BASE, -5)):
			usd = books.sales_invoice(
				customer,
				[(helpers.item(), 3, 100)],
				currency="USD",
				terms=False,
				posting_date=add_days(BASE, -5),
				due_date=add_days(BASE, -5),
			)
		with self.on(add_days(BASE, -2)):
			recent = books.sales_invoice(
				customer,
				[(helpers.item(), 2, 100)],
				terms=False,
				posting_date=add_days(BASE, -2),
				due_date=add_days(BASE, -2),
			)
		return terms, usd, recent


class TestOneMailOneCaseOneTask(AccountCase):
	def test_account_gets_one_mail_in_its_language_one_case_one_todo_until_the_last_payment(self):
		german_translation()
		customer = self.two_currency_customer("account")
		helpers.rule(customer, steps=list(self.STEPS))
		terms, usd, recent = self.invoices(customer)
		self.assertEqual((terms.currency, usd.currency, recent.currency), ("EUR", "USD", "EUR"))
		first, second, third = terms.payment_schedule

		self.run_collections(BASE)
		before = counts()

		# one e-mail, listing each term whose reminder fell due with its own amount and date
		emails = {email.name for doc in (terms, usd) for email in helpers.emails_for(doc.name)}
		self.assertEqual(len(emails), 1)
		(queue,) = emails
		body = body_of(queue)
		self.assertIn(DUE_SENTENCE_DE, body)  # the customer's language
		self.assertNotIn(DUE_SENTENCE, body)
		for row in (first, second):
			self.assertIn(formatdate(row.due_date), body)
			self.assertIn(fmt_money(flt(row.payment_amount), currency="EUR"), body)
		self.assertIn(fmt_money(flt(usd.outstanding_amount), currency="USD"), body)
		self.assertNotIn(formatdate(third.due_date), body)  # not due yet
		# the rest of what is overdue: the invoice whose step has not come yet
		self.assertIn(recent.name, body)
		self.assertIn(fmt_money(flt(recent.grand_total), currency="EUR"), body)

		# one case, the mail in its timeline, the statement of the account attached
		case = helpers.case_of(customer)
		self.assertEqual(frappe.db.count("Collection Case", {"customer": customer}), 1)
		queued = frappe.get_doc("Email Queue", queue)
		self.assertEqual((queued.reference_doctype, queued.reference_name), ("Collection Case", case.name))
		self.assertTrue(
			frappe.db.exists(
				"Communication",
				{
					"name": queued.communication,
					"reference_doctype": "Collection Case",
					"reference_name": case.name,
				},
			)
		)
		(attachment,) = json.loads(queued.attachments)
		self.assertEqual(
			(attachment["doctype"], attachment["name"], attachment["print_format"], attachment["lang"]),
			("Collection Case", case.name, "Collection Statement", GERMAN),
		)
		with self.on(BASE):
			statement = frappe.get_print("Collection Case", case.name, "Collection Statement")
		for doc in (terms, usd, recent):
			self.assertIn(doc.name, statement)
		# the mail as it arrives at the customer's billing contact (the test's mail server): the
		# German body and the statement of the account attached
		with self.on(BASE):
			(message,) = mail_sink.deliver(queue)
		self.assertEqual(message.recipients, helpers.recipients_of(queue))
		self.assertIn(DUE_SENTENCE_DE, message.html)
		self.assertNotIn(DUE_SENTENCE, message.html)
		(attached,) = message.attachments.values()
		for doc in (terms, usd, recent):
			self.assertIn(doc.name, attached.decode())

		# the case's figures, in company currency, as ERPNext's Accounts Receivable report has them
		with self.on(BASE):
			overdue = sum(
				flt(row.outstanding)
				for row in books.accounts_receivable(customer)
				if getdate(row.due_date) < BASE
			)
		self.assertEqual(case.status, core.CASE_OPEN)
		self.assertAlmostEqual(flt(case.overdue_amount), flt(overdue, 2), places=2)
		self.assertEqual(getdate(case.oldest_due_date), getdate(first.due_date))
		# the next step of any term: the reminder of the recent invoice, 5 days after its due date
		self.assertEqual(getdate(case.next_action_date), add_days(recent.due_date, 5))
		self.assertEqual(case.last_action, core.CREATE_TODO)

		# one ToDo, on the case, naming each term
		(todo,) = helpers.case_todos(case.name)
		self.assertEqual(
			{
				a.reference_name
				for doc in (terms, usd)
				for a in helpers.actions_of(doc.name)
				if a.action == core.CREATE_TODO
			},
			{todo},
		)
		self.assertEqual(
			frappe.db.count(
				"ToDo",
				{
					"reference_type": "Sales Invoice",
					"reference_name": ("in", [terms.name, usd.name, recent.name]),
				},
			),
			0,
		)
		self.assertEqual(case.assigned_to, frappe.db.get_value("ToDo", todo, "allocated_to"))

		# every step still logged per invoice and term, each linking the case
		logged = [a for doc in (terms, usd) for a in helpers.actions_of(doc.name)]
		self.assertEqual(
			sorted((a.payment_schedule or "", a.action) for a in logged),
			sorted(
				(row, action)
				for row in (first.name, second.name, usd.payment_schedule[0].name)
				for action in (core.CREATE_TODO, core.EMAIL_REMINDER)
			),
		)
		self.assertEqual(
			set(frappe.get_all("Collection Action", filters={"customer": customer}, pluck="collection_case")),
			{case.name},
		)

		# a re-run the same day adds nothing
		self.run_collections(BASE)
		self.assertEqual(counts(), before)
		runner_result = self.run_collections(BASE)
		self.assertEqual(runner_result["actions"], 0)

		# paid one by one: the case stays open until the last overdue invoice is paid
		for doc in (usd, recent):
			with self.on(add_days(BASE, 1)):
				factories.payment_for_invoice(doc.name)
			case.reload()
			self.assertEqual(case.status, core.CASE_OPEN, doc.name)
			self.assertEqual(helpers.case_todos(case.name), [todo])
		self.assertAlmostEqual(
			flt(case.overdue_amount),
			flt(sum(flt(row.base_payment_amount) for row in (first, second)), 2),
			places=2,
		)
		with self.on(add_days(BASE, 1)):
			factories.payment_for_invoice(terms.name)
		case.reload()
		self.assertEqual((case.status, getdate(case.closed_on)), (core.CASE_CLOSED, add_days(BASE, 1)))
		self.assertEqual(helpers.case_todos(case.name), [])
		self.assertEqual(frappe.db.get_value("ToDo", todo, "status"), "Closed")

	def test_dunning_step_makes_one_dunning_per_currency_in_the_customers_language(self):
		customer = self.two_currency_customer("dunning")
		helpers.rule(
			customer,
			steps=[{"day_offset": 5, "action": core.CREATE_DUNNING, "dunning_type": helpers.dunning_type()}],
		)
		terms, usd, _recent = self.invoices(customer)
		first, second, _third = terms.payment_schedule
		self.run_collections(BASE)
		logged = [a for doc in (terms, usd) for a in helpers.actions_of(doc.name)]
		dunnings = {a.reference_name for a in logged}
		self.assertEqual(len(dunnings), 2)
		by_currency = {
			frappe.db.get_value("Dunning", name, "currency"): frappe.get_doc("Dunning", name)
			for name in dunnings
		}
		self.assertEqual(set(by_currency), {"EUR", "USD"})
		self.assertEqual(
			sorted(row.payment_schedule for row in by_currency["EUR"].overdue_payments),
			sorted([first.name, second.name]),
		)
		self.assertEqual([row.sales_invoice for row in by_currency["USD"].overdue_payments], [usd.name])
		for dunning in by_currency.values():
			self.assertEqual((dunning.docstatus, dunning.language), (1, GERMAN))
		self.assertEqual(
			flt(by_currency["EUR"].total_outstanding),
			flt(flt(first.payment_amount) + flt(second.payment_amount), 2),
		)


class TestGoLiveAndPreview(AccountCase):
	def test_preview_equals_the_next_run_writes_nothing_and_leaves_out_what_fell_due_before_go_live(self):
		customer = self.two_currency_customer("preview", language=None)
		helpers.rule(
			customer,
			steps=[
				*self.STEPS,
				{"day_offset": 5, "action": core.CREATE_DUNNING, "dunning_type": helpers.dunning_type()},
			],
		)
		terms, usd, _recent = self.invoices(customer)
		with self.on(add_days(BASE, -60)):
			old = books.sales_invoice(
				customer,
				[(helpers.item(), 1, 100)],
				terms=False,
				posting_date=add_days(BASE, -60),
				due_date=add_days(BASE, -60),
			)
		frappe.db.commit()
		# set as of BASE (the settings' own check reads the real date): restored below
		frappe.db.set_single_value("O2C Settings", "collections_start_date", add_days(BASE, -40))
		try:
			self.preview_then_run(customer, terms, usd, old)
		finally:
			frappe.db.set_single_value("O2C Settings", "collections_start_date", None)
			frappe.db.commit()

	def preview_then_run(self, customer, terms, usd, old):
		with self.on(BASE):
			frappe.set_user(helpers.MANAGER)
			try:
				before = counts()
				preview = api.preview_run(factories.COMPANY)
				self.assertEqual(counts(), before)  # writes nothing
			finally:
				frappe.set_user("Administrator")
		(row,) = [row for row in preview["customers"] if row["customer"] == customer]
		planned = sorted(
			(step["sales_invoice"], step["payment_schedule"], step["action"]) for step in row["steps"]
		)
		self.assertNotIn(old.name, {step[0] for step in planned})  # due before go-live

		self.run_collections(BASE)
		logged = sorted(
			(a.sales_invoice, a.payment_schedule or "", a.action)
			for a in frappe.get_all(
				"Collection Action",
				filters={"customer": customer},
				fields=["sales_invoice", "payment_schedule", "action"],
			)
		)
		self.assertEqual(planned, logged)
		self.assertEqual(helpers.actions_of(old.name), [])  # never acted on
		case = helpers.case_of(customer)
		(todo,) = helpers.case_todos(case.name)
		self.assertEqual(
			row["task"],
			{"action": core.CREATE_TODO, "assign_to": frappe.db.get_value("ToDo", todo, "allocated_to")},
		)
		(queue,) = {e.name for doc in (terms, usd) for e in helpers.emails_for(doc.name)}
		self.assertEqual(row["email"]["recipients"], helpers.recipients_of(queue))
		self.assertEqual(
			sorted((line["sales_invoice"], line["due_date"]) for line in row["email"]["due"]),
			sorted(
				[
					(terms.name, str(terms.payment_schedule[0].due_date)),
					(terms.name, str(terms.payment_schedule[1].due_date)),
					(usd.name, str(usd.due_date)),
				]
			),
		)
		self.assertNotIn(old.name, body_of(queue))
		dunnings = {
			a.reference_name
			for a in helpers.actions_of(terms.name) + helpers.actions_of(usd.name)
			if a.action == core.CREATE_DUNNING
		}
		self.assertEqual(
			sorted(d["currency"] for d in row["dunnings"]),
			sorted(frappe.db.get_value("Dunning", name, "currency") for name in dunnings),
		)

		# what fell due before go-live still shows in the worklist (and the case's overdue)
		with self.on(BASE):
			_columns, data = collections_worklist.execute(
				{"company": factories.COMPANY, "customer": customer}
			)
		self.assertIn(old.name, {r.get("sales_invoice") for r in data})
		self.assertGreaterEqual(flt(case.overdue_amount), flt(old.base_grand_total))

		# the next preview, after the run, has nothing more for the customer today
		with self.on(BASE):
			again = api.preview_run(factories.COMPANY)
		self.assertNotIn(customer, {r["customer"] for r in again["customers"]})

	def test_start_date_more_than_a_year_ahead_is_refused_and_nothing_written(self):
		stored = frappe.get_doc("O2C Settings").collections_start_date
		settings = frappe.get_doc("O2C Settings")
		settings.collections_start_date = add_days(add_years(getdate(), 1), 1)
		with self.assertRaises(frappe.ValidationError) as caught:
			settings.save()
		self.assertIn("more than a year ahead", str(caught.exception))
		frappe.clear_messages()
		self.assertEqual(frappe.get_doc("O2C Settings").collections_start_date, stored)
		# within the year is fine
		settings = frappe.get_doc("O2C Settings")
		settings.collections_start_date = add_years(getdate(), 1)
		settings.save()
		self.assertEqual(
			getdate(frappe.get_doc("O2C Settings").collections_start_date), add_years(getdate(), 1)
		)
		settings.collections_start_date = stored
		settings.save()

	def test_preview_is_for_the_collections_team_and_whole_companies(self):
		outsider = factories.user("_o2c-preview-outsider@example.com", ["Accounts User"])
		kept = factories.user("_o2c-preview-kept@example.com", ["Collections Agent"])
		customer = self.two_currency_customer("kept", language=None)
		if not frappe.db.exists("User Permission", {"user": kept, "allow": "Customer"}):
			frappe.get_doc(
				{
					"doctype": "User Permission",
					"user": kept,
					"allow": "Customer",
					"for_value": customer,
					"apply_to_all_doctypes": 1,
				}
			).insert(ignore_permissions=True)
		for user in (outsider, kept):
			frappe.set_user(user)
			try:
				with self.assertRaises(frappe.PermissionError):
					api.preview_run(factories.COMPANY)
			finally:
				frappe.set_user("Administrator")
		with self.assertRaises(frappe.DoesNotExistError):
			api.preview_run("_O2C No Such Company")
