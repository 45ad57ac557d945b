"""Collections on books shaped like real ones (issue 11): an EUR customer on an EUR receivable with
three instalments, taxes and an additional discount, a partial payment covering the first term only,
an EUR invoice on the USD receivable, a second company and collectors restricted by User Permission.

Each test walks the calendar with a frozen date and commits (the run commits per invoice); the
suite's conftest restores the database afterwards. Rules are scoped to a customer made for the test.
"""

import email

import frappe
from frappe.utils import add_days, flt, fmt_money, formatdate, getdate

from o2c_extension.api import collections as api
from o2c_extension.collections import core, setup
from o2c_extension.collections.context import load_chunk
from o2c_extension.collections.report.collections_worklist import collections_worklist
from o2c_extension.patches import collections_step_identity
from tests.integration import books, factories
from tests.integration import collections_helpers as helpers
from tests.integration.test_collections_run import CollectionsTestCase

BASE = helpers.BASE_DATE
COLLECTOR_ROLE = "_O2C Books Collector"
RESTRICTED_COLLECTOR = "_o2c-books-collector-first@example.com"
FREE_COLLECTOR = "_o2c-books-collector-any@example.com"
CUSTOMER_COLLECTOR = "_o2c-books-collector-customer@example.com"
MARKUP = "<img src=x onerror=alert(1)> <b>bold</b> price"


def eur_invoice(customer, posting_date=BASE, **fields):
	"""10 × 100 EUR, 5 % discount, 10 % VAT: 1,045.00 EUR in 40 / 30 / 30 % instalments."""
	with_fiscal_year(posting_date)
	return books.sales_invoice(customer, [(helpers.item(), 10, 100)], posting_date=posting_date, **fields)


def with_fiscal_year(day):
	factories.ensure_fiscal_year(day)


def body_of(queue_name: str) -> str:
	message = email.message_from_string(frappe.db.get_value("Email Queue", queue_name, "message"))
	return "\n".join(
		part.get_payload(decode=True).decode()
		for part in message.walk()
		if part.get_content_type() in ("text/html", "text/plain")
	)


def collector_role(name: str = COLLECTOR_ROLE) -> str:
	if not frappe.db.exists("Role", name):
		frappe.get_doc({"doctype": "Role", "role_name": name, "desk_access": 1}).insert(
			ignore_permissions=True
		)
	return name


def busy(user: str, count: int) -> None:
	"""Give `user` `count` open ToDos of their own, so the least-loaded choice is known."""
	for _n in range(count):
		frappe.get_doc(
			{"doctype": "ToDo", "allocated_to": user, "description": "other work", "status": "Open"}
		).insert(ignore_permissions=True)


def restrict(user: str, doctype: str, value: str) -> None:
	if not frappe.db.exists("User Permission", {"user": user, "allow": doctype, "for_value": value}):
		frappe.get_doc(
			{
				"doctype": "User Permission",
				"user": user,
				"allow": doctype,
				"for_value": value,
				"apply_to_all_doctypes": 1,
			}
		).insert(ignore_permissions=True)


class RealBooksCase(CollectionsTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		books.world()
		frappe.db.commit()

	def eur_customer(self, tag: str, **fields) -> str:
		customer = books.eur_customer(**fields)
		helpers.contact(
			customer, f"_billing-{tag}-{frappe.generate_hash(length=5)}@example.com", billing=True
		)
		return customer

	def term_state(self, invoice_name: str):
		(state,) = load_chunk([invoice_name], open_only=False).invoices
		return state


class TestTheTermThatFellDue(RealBooksCase):
	def test_reminder_todo_and_dunning_speak_of_the_term_and_its_outstanding(self):
		customer = self.eur_customer("term")
		helpers.rule(
			customer,
			steps=[
				{"day_offset": 0, "action": core.EMAIL_REMINDER, "email_template": setup.DUE_TODAY},
				{"day_offset": 3, "action": core.CREATE_TODO, "assign_to_role": "Collections Agent"},
				{"day_offset": 10, "action": core.CREATE_DUNNING, "dunning_type": helpers.dunning_type()},
			],
		)
		with self.on(BASE):
			invoice = eur_invoice(customer)
		self.assertEqual((invoice.currency, invoice.party_account_currency), ("EUR", "EUR"))
		self.assertEqual(flt(invoice.grand_total), 1045.0)
		first, second, third = invoice.payment_schedule
		self.assertEqual([flt(row.payment_amount) for row in invoice.payment_schedule], [418.0, 313.5, 313.5])
		self.assertEqual(getdate(invoice.due_date), getdate(third.due_date))

		self.run_collections(BASE)
		(reminder,) = helpers.emails_for(invoice.name)
		body = body_of(reminder.name)
		self.assertIn(fmt_money(418.0, currency="EUR"), body)
		self.assertIn(formatdate(first.due_date), body)
		self.assertNotIn(formatdate(third.due_date), body)  # not the invoice's (last) due date

		# the customer pays 200 EUR: the first term has 218 EUR left, the later ones are untouched
		with self.on(add_days(BASE, 1)):
			factories.payment_for_invoice(invoice.name, 200)
		state = self.term_state(invoice.name)
		self.assertEqual(state.term_outstanding(first.name), (218.0, 239.8))
		self.assertEqual(state.term_outstanding(second.name), (313.5, 344.85))
		# as ERPNext's Accounts Receivable report based on payment terms has it, to the cent
		with self.on(add_days(BASE, 1)):
			report = {
				getdate(row.due_date): flt(row.outstanding, 2)
				for row in books.accounts_receivable(customer)
				if row.voucher_no == invoice.name
			}
		self.assertEqual(
			report,
			{
				getdate(first.due_date): 239.8,
				getdate(second.due_date): 344.85,
				getdate(third.due_date): 344.85,
			},
		)

		self.run_collections(add_days(BASE, 3))
		todo_action = next(a for a in helpers.actions_of(invoice.name) if a.action == core.CREATE_TODO)
		self.assertEqual(todo_action.payment_schedule, first.name)
		description = frappe.db.get_value("ToDo", todo_action.reference_name, "description")
		self.assertIn(fmt_money(218.0, currency="EUR"), description)
		self.assertIn(fmt_money(239.8, currency="USD"), description)
		self.assertIn(formatdate(first.due_date), description)
		self.assertNotIn(fmt_money(845.0, currency="EUR"), description)  # not the invoice's outstanding

		self.run_collections(add_days(BASE, 10))
		dunning_action = next(a for a in helpers.actions_of(invoice.name) if a.action == core.CREATE_DUNNING)
		dunning = frappe.get_doc("Dunning", dunning_action.reference_name)
		self.assertEqual((dunning.docstatus, dunning.currency), (1, "EUR"))
		(row,) = dunning.overdue_payments
		self.assertEqual((row.payment_schedule, getdate(row.due_date)), (first.name, getdate(first.due_date)))
		self.assertEqual((flt(row.outstanding), flt(row.payment_amount)), (218.0, 418.0))
		self.assertEqual(flt(dunning.total_outstanding), 218.0)


class TestPaidTermClosesItsWork(RealBooksCase):
	def test_first_term_paid_closes_its_todo_while_later_terms_stay_open(self):
		customer = self.eur_customer("paidterm")
		helpers.rule(
			customer,
			steps=[
				{"day_offset": 3, "action": core.CREATE_TODO, "assign_to_role": "Collections Agent"},
				{"day_offset": 10, "action": core.CREATE_DUNNING, "dunning_type": helpers.dunning_type()},
			],
		)
		with self.on(BASE):
			invoice = eur_invoice(customer)
		self.run_collections(add_days(BASE, 3))
		(todo_action,) = helpers.actions_of(invoice.name)
		self.assertEqual(helpers.open_todos(invoice.name), [todo_action.reference_name])

		# a partial payment of the first term leaves its work open
		with self.on(add_days(BASE, 4)):
			factories.payment_for_invoice(invoice.name, 100)
		self.assertEqual(helpers.open_todos(invoice.name), [todo_action.reference_name])
		self.assertEqual(helpers.actions_of(invoice.name)[0].status, core.OPEN)

		# the rest of the first term: its ToDo closes, the invoice is still open for the later terms
		with self.on(add_days(BASE, 5)):
			rest = factories.payment_for_invoice(invoice.name, 318)
		self.assertEqual(helpers.open_todos(invoice.name), [])
		self.assertEqual(helpers.actions_of(invoice.name)[0].status, core.CLOSED)
		self.assertEqual(flt(frappe.db.get_value("Sales Invoice", invoice.name, "outstanding_amount")), 627.0)
		self.assertEqual(helpers.status_of(invoice.name), core.NOT_DUE)  # the next term is not due yet

		# nothing more waits on the paid term: no Dunning for it
		self.run_collections(add_days(BASE, 10))
		self.assertEqual([a.action for a in helpers.actions_of(invoice.name)], [core.CREATE_TODO])

		# the payment cancelled: the term is unpaid again and its ToDo opens again
		with self.on(add_days(BASE, 11)):
			rest.reload()
			rest.cancel()
		self.assertEqual(helpers.open_todos(invoice.name), [todo_action.reference_name])
		self.assertEqual(helpers.actions_of(invoice.name)[0].status, core.OPEN)

	def test_a_todo_shared_by_two_terms_stays_open_until_both_are_paid(self):
		role = collector_role("_O2C Books Solo Collector")
		solo = factories.user("_o2c-books-solo@example.com", [role])
		customer = self.eur_customer("shared")
		helpers.rule(customer, steps=[{"day_offset": 3, "action": core.CREATE_TODO, "assign_to_role": role}])
		with self.on(BASE):
			invoice = eur_invoice(customer)
		first, second, _third = invoice.payment_schedule
		self.run_collections(add_days(BASE, 3))
		self.run_collections(add_days(BASE, 33))
		logged = helpers.actions_of(invoice.name)
		self.assertEqual([a.payment_schedule for a in logged], [first.name, second.name])
		(todo,) = helpers.open_todos(invoice.name)
		self.assertEqual({a.reference_name for a in logged}, {todo})
		self.assertEqual({a.assigned_to for a in logged}, {solo})
		description = frappe.db.get_value("ToDo", todo, "description")
		for row in (first, second):
			self.assertIn(formatdate(row.due_date), description)
			self.assertIn(fmt_money(flt(row.payment_amount), currency="EUR"), description)

		with self.on(add_days(BASE, 34)):
			factories.payment_for_invoice(invoice.name, 418)  # the first term
		self.assertEqual(helpers.open_todos(invoice.name), [todo])  # still waits on the second
		self.assertEqual([a.status for a in helpers.actions_of(invoice.name)], [core.CLOSED, core.OPEN])
		with self.on(add_days(BASE, 35)):
			factories.payment_for_invoice(invoice.name, 313.5)  # the second
		self.assertEqual(helpers.open_todos(invoice.name), [])
		self.assertEqual([a.status for a in helpers.actions_of(invoice.name)], [core.CLOSED, core.CLOSED])

	def test_eur_invoice_on_usd_receivable_first_term_paid_to_the_cent_is_closed(self):
		# 1,045.01 EUR at 1.1 = 1,149.51 USD, split into 459.80 + 344.85 + 344.85 = 1,149.50 USD
		customer = self.eur_customer("usdrec", eur_receivable=False)
		helpers.rule(
			customer,
			steps=[{"day_offset": 3, "action": core.CREATE_TODO, "assign_to_role": "Collections Agent"}],
		)
		with self.on(BASE):
			with_fiscal_year(BASE)
			invoice = books.sales_invoice(
				customer,
				[(helpers.item(), 1, 1045.01)],
				posting_date=BASE,
				taxes=False,
				discount_percent=None,
				disable_rounded_total=1,
			)
		self.assertEqual((invoice.currency, invoice.party_account_currency), ("EUR", "USD"))
		self.assertEqual(flt(invoice.outstanding_amount), 1149.51)
		first, second, _third = invoice.payment_schedule
		self.run_collections(add_days(BASE, 3))
		self.assertEqual(len(helpers.open_todos(invoice.name)), 1)

		with self.on(add_days(BASE, 4)):
			factories.payment_for_invoice(invoice.name, flt(first.base_payment_amount))
		self.assertEqual(helpers.open_todos(invoice.name), [])
		state = self.term_state(invoice.name)
		self.assertIsNone(state.term_outstanding(first.name))
		self.assertEqual(state.earliest_open_due, getdate(second.due_date))


class TestStepIdentity(RealBooksCase):
	STEPS = (
		{"day_offset": 0, "action": core.EMAIL_REMINDER, "email_template": setup.DUE_TODAY},
		{"day_offset": 0, "action": core.CREATE_TODO, "assign_to_role": "Collections Agent"},
	)

	def test_resaving_retyping_or_reordering_the_steps_never_repeats_them(self):
		customer = self.eur_customer("identity")
		rule = helpers.rule(customer, steps=[dict(step) for step in self.STEPS])
		with self.on(BASE):
			invoice = eur_invoice(customer)
		self.run_collections(BASE)
		self.assertEqual(len(helpers.emails_for(invoice.name)), 1)
		logged = helpers.actions_of(invoice.name)
		self.assertEqual(
			{a.step for a in logged},
			{
				core.step_identity(rule.name, 0, core.EMAIL_REMINDER),
				core.step_identity(rule.name, 0, core.CREATE_TODO),
			},
		)

		for steps in (list(self.STEPS), list(reversed(self.STEPS))):
			with self.on(BASE):
				rule.reload()
				old_rows = {row.name for row in rule.steps}
				rule.set("steps", [dict(step) for step in steps])  # typed again: new row names
				rule.save()
				self.assertFalse(old_rows & {row.name for row in rule.reload().steps})
			frappe.db.commit()
			self.run_collections(BASE)
			self.assertEqual(len(helpers.emails_for(invoice.name)), 1)
			self.assertEqual(len(helpers.actions_of(invoice.name)), 2)
			self.assertEqual(len(helpers.open_todos(invoice.name)), 1)

	def test_patch_gives_old_log_entries_their_identity(self):
		customer = self.eur_customer("patch")
		rule = helpers.rule(customer, steps=[dict(self.STEPS[0])])
		with self.on(BASE):
			invoice = eur_invoice(customer)
		row_name = rule.steps[0].name
		term = invoice.payment_schedule[0].name

		def old_log(step, status, day):
			return frappe.get_doc(
				{
					"doctype": "Collection Action",
					"sales_invoice": invoice.name,
					"customer": customer,
					"company": invoice.company,
					"rule": rule.name,
					"step": step,
					"day_offset": 0,
					"payment_schedule": term,
					"due_date": BASE,
					"action": core.EMAIL_REMINDER,
					"action_date": day,
					"status": status,
				}
			).insert(ignore_permissions=True)

		first = old_log(row_name, core.COMPLETED, BASE)
		repeat = old_log("re-saved-row-name", core.COMPLETED, BASE)  # the repeat the old key allowed
		collections_step_identity.execute()
		identity = core.step_identity(rule.name, 0, core.EMAIL_REMINDER)
		self.assertEqual(frappe.db.get_value("Collection Action", first.name, "step"), identity)
		self.assertEqual(
			frappe.db.get_value("Collection Action", repeat.name, "step"), f"{identity}~{repeat.name}"
		)
		frappe.db.commit()
		# the migrated log counts as done: the run sends nothing again
		self.run_collections(BASE)
		self.assertEqual(helpers.emails_for(invoice.name), [])


class TestUserTextIsNeverLiveHtml(RealBooksCase):
	def test_dispute_reason_and_promise_note_are_stored_and_shown_escaped(self):
		customer = self.eur_customer("markup")
		with self.on(BASE):
			disputed = eur_invoice(customer)
			promised = eur_invoice(customer)
			api.record_dispute(disputed.name, MARKUP)
			api.record_promise(promised.name, str(add_days(BASE, 5)), MARKUP)
		stored = frappe.db.get_value("Sales Invoice", disputed.name, "dispute_reason")
		self.assertNotIn("<", stored)
		self.assertNotIn(">", stored)
		self.assertIn("&lt;b&gt;bold&lt;/b&gt;", stored)  # the text as typed, not bold
		for invoice in (disputed, promised):
			comments = frappe.get_all(
				"Comment",
				filters={"reference_doctype": "Sales Invoice", "reference_name": invoice.name},
				pluck="content",
			)
			self.assertTrue(any("&lt;img" in comment for comment in comments), comments)
			self.assertFalse(any("<img" in comment or "<b>" in comment for comment in comments), comments)

		with self.on(add_days(BASE, 1)):
			_columns, rows = collections_worklist.execute(
				{"company": factories.company(), "customer": customer}
			)
		(row,) = [row for row in rows if row["sales_invoice"] == disputed.name]
		self.assertEqual(row["dispute_reason"], stored)
		self.assertNotIn("<", row["dispute_reason"])

	def test_collection_action_note_is_stored_escaped(self):
		customer = self.eur_customer("note")
		helpers.rule(
			customer,
			steps=[{"day_offset": 0, "action": core.EMAIL_REMINDER, "email_template": setup.DUE_TODAY}],
		)
		with self.on(BASE):
			invoice = eur_invoice(customer)
		self.run_collections(BASE)
		(logged,) = helpers.actions_of(invoice.name)
		action = frappe.get_doc("Collection Action", logged.name)
		action.note = MARKUP
		action.save(ignore_permissions=True)
		note = frappe.db.get_value("Collection Action", logged.name, "note")
		self.assertNotIn("<", note)
		action.reload().save(ignore_permissions=True)  # saved again: not escaped twice
		self.assertEqual(frappe.db.get_value("Collection Action", logged.name, "note"), note)


class TestAssignmentWithinUserPermissions(RealBooksCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		role = collector_role()
		for user in (RESTRICTED_COLLECTOR, FREE_COLLECTOR, CUSTOMER_COLLECTOR):
			factories.user(user, [role])
		books.restrict_to_company(RESTRICTED_COLLECTOR, factories.company())
		frappe.db.commit()

	def second_company_invoice(self, customer):
		with self.on(BASE):
			return books.sales_invoice(
				customer,
				[(helpers.item(), 10, 100)],
				company=books.SECOND_COMPANY,
				currency="USD",
				posting_date=BASE,
			)

	def test_collector_restricted_to_one_company_is_never_given_another_companys_invoice(self):
		customer = factories.customer()
		restrict(CUSTOMER_COLLECTOR, "Customer", factories.customer("_O2C Books Other Customer"))
		busy(FREE_COLLECTOR, 3)  # the least loaded are the restricted ones
		helpers.rule(
			customer,
			company=books.SECOND_COMPANY,
			steps=[
				{"day_offset": 0, "action": core.CREATE_TODO, "assign_to_role": COLLECTOR_ROLE},
				{"day_offset": 5, "action": core.ESCALATE, "assign_to_role": COLLECTOR_ROLE},
			],
		)
		invoice = self.second_company_invoice(customer)
		frappe.db.commit()
		self.assertEqual(self.run_collections_for(books.SECOND_COMPANY, BASE)["actions"], 1)
		self.run_collections_for(books.SECOND_COMPANY, add_days(BASE, 5))
		logged = helpers.actions_of(invoice.name)
		self.assertEqual([a.action for a in logged], [core.CREATE_TODO, core.ESCALATE])
		self.assertEqual({a.assigned_to for a in logged}, {FREE_COLLECTOR})

	def test_no_allowed_collector_fails_the_step_with_a_clear_message(self):
		customer = factories.customer()
		helpers.rule(
			customer,
			company=books.SECOND_COMPANY,
			steps=[{"day_offset": 0, "action": core.CREATE_TODO, "assign_to_role": COLLECTOR_ROLE}],
		)
		invoice = self.second_company_invoice(customer)
		frappe.db.set_value("User", FREE_COLLECTOR, "enabled", 0)
		restrict(CUSTOMER_COLLECTOR, "Customer", factories.customer("_O2C Books Other Customer"))
		frappe.db.commit()
		try:
			self.run_collections_for(books.SECOND_COMPANY, BASE)
		finally:
			frappe.db.set_value("User", FREE_COLLECTOR, "enabled", 1)
			frappe.db.commit()
		(logged,) = helpers.actions_of(invoice.name)
		self.assertEqual(logged.status, core.FAILED)
		self.assertIn(books.SECOND_COMPANY, logged.error)
		self.assertEqual(helpers.open_todos(invoice.name), [])

	def run_collections_for(self, company, day):
		from o2c_extension.collections import runner

		with self.on(day):
			return runner.run(company=company, enqueue=False)


class TestUserPermissionsOnTheWorklistAndApi(RealBooksCase):
	def test_worklist_keeps_to_the_users_company_and_customers(self):
		mine, other = self.eur_customer("mine"), self.eur_customer("other")
		with self.on(BASE):
			mine_invoice, other_invoice = eur_invoice(mine), eur_invoice(other)
		manager = factories.user(
			"_o2c-books-wl-manager@example.com", ["Collections Manager", "Accounts User"]
		)
		restrict(manager, "Company", factories.company())
		restrict(manager, "Customer", mine)
		frappe.db.commit()
		try:
			frappe.set_user(manager)
			with self.on(add_days(BASE, 1)):
				_columns, rows = collections_worklist.execute({"company": factories.company()})
				listed = {row["sales_invoice"] for row in rows}
				self.assertIn(mine_invoice.name, listed)
				self.assertNotIn(other_invoice.name, listed)
				with self.assertRaises(frappe.PermissionError):
					collections_worklist.execute({"company": factories.company(), "customer": other})
				with self.assertRaises(frappe.PermissionError):
					collections_worklist.execute({"company": books.SECOND_COMPANY})
				with self.assertRaises(frappe.PermissionError):
					api.record_promise(other_invoice.name, str(add_days(BASE, 5)))
				with self.assertRaises(frappe.PermissionError):
					api.run_now(factories.company())  # the run covers customers the user may not see
				api.record_promise(mine_invoice.name, str(add_days(BASE, 5)))
		finally:
			frappe.set_user("Administrator")

	def test_agent_assigned_another_companys_invoice_is_still_refused(self):
		customer = factories.customer()
		agent = books.restricted_user(
			factories.company(), "_o2c-books-agent-first@example.com", ["Collections Agent"]
		)
		with self.on(BASE):
			invoice = books.sales_invoice(
				customer,
				[(helpers.item(), 1, 100)],
				company=books.SECOND_COMPANY,
				currency="USD",
				posting_date=BASE,
			)
		frappe.get_doc(
			{
				"doctype": "ToDo",
				"allocated_to": agent,
				"reference_type": "Sales Invoice",
				"reference_name": invoice.name,
				"description": "by hand",
				"status": "Open",
			}
		).insert(ignore_permissions=True)
		try:
			frappe.set_user(agent)
			with self.on(BASE), self.assertRaises(frappe.PermissionError):
				api.record_dispute(invoice.name, "wrong price")
		finally:
			frappe.set_user("Administrator")
		self.assertFalse(frappe.db.get_value("Sales Invoice", invoice.name, "disputed"))


class TestOverdueAgeIsTheEarliestUnpaidTerm(RealBooksCase):
	def test_worklist_days_overdue_follow_the_earliest_unpaid_term(self):
		customer = self.eur_customer("age")
		today = add_days(BASE, 40)
		with self.on(BASE):
			invoice = eur_invoice(customer)  # terms due BASE (40 days ago), +30 (10 days ago), +60
		first, second, _third = invoice.payment_schedule

		def worklist_row():
			with self.on(today):
				_columns, rows = collections_worklist.execute(
					{"company": factories.company(), "customer": customer}
				)
			account, row = rows  # the customer's account, and its one invoice under it
			self.assertEqual((account["indent"], row["indent"]), (0, 1))
			self.assertEqual(
				(account["days_overdue"], account["due_date"]), (row["days_overdue"], row["due_date"])
			)
			return row

		row = worklist_row()
		self.assertEqual((row["days_overdue"], getdate(row["due_date"])), (40, getdate(first.due_date)))
		with self.on(today):
			factories.payment_for_invoice(invoice.name, 418)  # the first term, in full
		row = worklist_row()
		self.assertEqual((row["days_overdue"], getdate(row["due_date"])), (10, getdate(second.due_date)))
		self.assertEqual(row["outstanding"], flt(627 * books.EUR_RATE, 2))
