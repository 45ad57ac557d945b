"""Credit management v2 on a real site, in the real-books world (EUR customers on a EUR receivable,
10 % VAT, a 5 % additional discount, three instalments): approval authority by amount, Credit
Limit Requests and the history of every limit change."""

import frappe
from frappe.handler import execute_cmd
from frappe.tests.utils import FrappeTestCase
from werkzeug.test import EnvironBuilder

from tests.integration import books, collections_helpers, factories
from tests.integration import credit_control_helpers as helpers

API = "o2c_extension.api.credit"
MANAGER = "_o2c.credit.manager@example.com"


def credit_manager() -> str:
	return factories.user(MANAGER, ["Credit Manager", "Credit Controller", "Sales User", "Accounts User"])


def set_approval_limits(rows: list[tuple[str, float]]) -> None:
	settings = frappe.get_single("O2C Settings")
	settings.set("credit_approval_limits", [{"role": role, "max_amount": amount} for role, amount in rows])
	settings.save()


def customer_group(name: str) -> str:
	if not frappe.db.exists("Customer Group", name):
		frappe.get_doc(
			{
				"doctype": "Customer Group",
				"customer_group_name": name,
				"parent_customer_group": "All Customer Groups",
			}
		).insert()
	return name


class CreditManagementCase(FrappeTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		frappe.set_user("Administrator")
		books.world()
		cls.item = factories.item(stock_qty=5000, rate=100)
		cls.controller = helpers.controller()
		cls.manager = credit_manager()
		cls.sales_user = helpers.sales_user()

	def tearDown(self):
		frappe.set_user("Administrator")
		frappe.local.request = None
		frappe.local.form_dict = frappe._dict()

	def call(self, user, method, http_method="POST", **args):
		"""What /api/method/<method> does after authenticating `user`."""
		frappe.set_user(user)
		frappe.local.request = EnvironBuilder(method=http_method).get_request()
		frappe.local.form_dict = frappe._dict(args)
		try:
			return execute_cmd(f"{API}.{method}")
		finally:
			frappe.set_user("Administrator")

	def eur_order(self, customer, qty, **fields):
		"""qty × 100 EUR, less 5 %, plus 10 % VAT, at 1.1 USD: qty × 114.95 USD."""
		return books.sales_order(customer, [(self.item, qty, 100)], **fields)


class TestApprovalAuthority(CreditManagementCase):
	def held(self, qty):
		customer = books.eur_customer()
		helpers.credit_policy(customer=customer, credit_limit=100)
		order = self.eur_order(customer, qty)
		hold = helpers.hold_of(order.name)
		self.assertEqual(hold.status, "Pending")
		return order, hold

	def test_a_controller_with_a_1000_limit_cannot_release_1500_a_manager_can(self):
		set_approval_limits([("Credit Controller", 1000), ("Credit Manager", 5000)])
		order, hold = self.held(13)  # 1,494.35 USD
		self.assertAlmostEqual(hold.amount, 1494.35, places=2)
		with self.assertRaisesRegex(frappe.PermissionError, "Credit Manager") as refused:
			self.call(self.controller, "release_hold", name=hold.name, comment="Good customer")
		self.assertIn("1,000.00", str(refused.exception))
		self.assertEqual(frappe.db.get_value("Credit Hold", hold.name, "status"), "Pending")
		self.assertEqual(frappe.db.get_value("Sales Order", order.name, "status"), "On Hold")

		result = self.call(self.manager, "release_hold", name=hold.name, comment="Approved up to 5,000")
		self.assertEqual(result["status"], "Released")
		self.assertEqual(frappe.db.get_value("Credit Hold", hold.name, "decided_by"), self.manager)

		# within the controller's authority, and rejecting needs no authority
		_order, small = self.held(5)  # 574.75 USD
		self.assertEqual(
			self.call(self.controller, "release_hold", name=small.name, comment="ok")["status"], "Released"
		)
		_order, large = self.held(13)
		self.assertEqual(
			self.call(self.controller, "reject_hold", name=large.name, comment="no")["status"], "Rejected"
		)

	def test_above_every_authority_names_no_role_and_empty_table_lets_controllers_decide(self):
		set_approval_limits([("Credit Controller", 500), ("Credit Manager", 1000)])
		_order, hold = self.held(13)
		with self.assertRaisesRegex(frappe.PermissionError, "above every approval authority"):
			self.call(self.manager, "release_hold", name=hold.name, comment="Big one")
		set_approval_limits([("Credit Controller", 500), ("Credit Manager", 0)])  # 0: no upper bound
		self.assertEqual(
			self.call(self.manager, "release_hold", name=hold.name, comment="ok")["status"], "Released"
		)

		set_approval_limits([])
		_order, hold = self.held(13)
		self.assertEqual(
			self.call(self.controller, "release_hold", name=hold.name, comment="ok")["status"], "Released"
		)

	def test_bad_approval_limit_rows_are_refused_and_nothing_is_saved(self):
		set_approval_limits([("Credit Controller", 1000)])
		for rows, message in (
			([("_O2C No Such Role", 1000)], "does not exist|Could not find.*_O2C No Such Role"),
			([("Credit Controller", 1000), ("Credit Controller", 2000)], "more than one row"),
			([("Credit Manager", -5)], "cannot be negative"),
		):
			with self.assertRaisesRegex(frappe.ValidationError, message):
				set_approval_limits(rows)
			frappe.clear_document_cache("O2C Settings", "O2C Settings")
			saved = frappe.get_all(
				"Credit Approval Limit", filters={"parenttype": "O2C Settings"}, fields=["role", "max_amount"]
			)
			self.assertEqual([(row.role, row.max_amount) for row in saved], [("Credit Controller", 1000)])


class TestCreditLimitRequests(CreditManagementCase):
	def setUp(self):
		set_approval_limits([("Credit Controller", 1000), ("Credit Manager", 10000)])

	def request(self, customer, requested, user=None, **fields):
		frappe.set_user(user or self.sales_user)
		try:
			doc = frappe.get_doc(
				{
					"doctype": "Credit Limit Request",
					"customer": customer,
					"company": factories.company(),
					"requested_limit": requested,
					"reason": "Seasonal orders <script>alert(1)</script>from the new branch",
					**fields,
				}
			).insert()
		finally:
			frappe.set_user("Administrator")
		return doc

	def test_approved_over_rest_the_new_limit_holds_for_the_next_order_and_is_in_the_history(self):
		group = customer_group("_O2C CLR Group")
		helpers.credit_policy(
			customer_group=group, credit_limit=500, max_overdue_days=45, tolerance_percent=5
		)
		customer = books.eur_customer(customer_group=group)
		held = self.eur_order(customer, 13)
		self.assertEqual(frappe.db.get_value("Sales Order", held.name, "credit_status"), "On Credit Hold")

		request = self.request(customer, 5000, sales_order=held.name)
		self.assertEqual((request.status, request.current_limit), ("Pending", 500))
		self.assertNotIn("<script>", request.reason)

		with self.assertRaisesRegex(frappe.PermissionError, "Credit Manager"):
			self.call(self.controller, "approve_limit_request", name=request.name, comment="Fine")
		with self.assertRaises(frappe.PermissionError):
			self.call(self.sales_user, "approve_limit_request", name=request.name, comment="Fine")
		self.assertEqual(frappe.db.get_value("Credit Limit Request", request.name, "status"), "Pending")
		self.assertFalse(frappe.db.exists("Credit Policy", {"customer": customer}))

		result = self.call(
			self.manager, "approve_limit_request", name=request.name, comment="Two years, always paid"
		)
		self.assertEqual(result["status"], "Approved")
		policy = frappe.get_doc("Credit Policy", result["credit_policy"])
		self.assertEqual(
			(policy.applies_to, policy.customer, policy.credit_limit), ("Customer", customer, 5000)
		)
		# the rules are copied from the group policy that applied
		self.assertEqual((policy.max_overdue_days, policy.tolerance_percent), (45, 5))
		request.reload()
		self.assertEqual(
			(request.approved_by, request.decision_comment), (self.manager, "Two years, always paid")
		)
		self.assertTrue(request.approved_on)

		changes = frappe.get_all(
			"Credit Limit Change",
			filters={"customer": customer},
			fields=[
				"old_limit",
				"new_limit",
				"changed_by",
				"reason",
				"credit_limit_request",
				"credit_policy",
			],
		)
		self.assertEqual(len(changes), 1)
		self.assertEqual((changes[0].old_limit, changes[0].new_limit), (0, 5000))
		self.assertEqual(
			(changes[0].changed_by, changes[0].credit_limit_request), (self.manager, request.name)
		)
		self.assertIn("Two years, always paid", changes[0].reason)

		with self.assertRaisesRegex(frappe.ValidationError, "only Pending requests"):
			self.call(self.manager, "approve_limit_request", name=request.name, comment="again")

		# the next order (1,494.35 USD) is within the new limit
		following = self.eur_order(customer, 13)
		self.assertEqual(frappe.db.get_value("Sales Order", following.name, "credit_status"), "Within Limit")

		# a change by hand on the policy is kept too, with its reason
		frappe.set_user(self.controller)
		policy = frappe.get_doc("Credit Policy", policy.name)
		policy.credit_limit = 4000
		policy.limit_change_reason = "Quarterly review"
		policy.save()
		frappe.set_user("Administrator")
		history = frappe.get_all(
			"Credit Limit Change",
			filters={"customer": customer},
			fields=["old_limit", "new_limit", "changed_by", "reason"],
			order_by="creation desc",
		)
		self.assertEqual(
			(history[0].old_limit, history[0].new_limit, history[0].changed_by, history[0].reason),
			(5000, 4000, self.controller, "Quarterly review"),
		)
		self.assertFalse(frappe.db.get_value("Credit Policy", policy.name, "limit_change_reason"))

	def test_rejecting_leaves_the_limit_as_it_was(self):
		customer = books.eur_customer()
		policy = helpers.credit_policy(customer=customer, credit_limit=500)
		request = self.request(customer, 3000)
		changes_before = frappe.db.count("Credit Limit Change", {"customer": customer})
		result = self.call(self.controller, "reject_limit_request", name=request.name, comment="Too risky")
		self.assertEqual(result, {"name": request.name, "status": "Rejected"})
		self.assertEqual(frappe.db.get_value("Credit Policy", policy.name, "credit_limit"), 500)
		self.assertEqual(frappe.db.count("Credit Limit Change", {"customer": customer}), changes_before)
		self.assertEqual(
			frappe.db.get_value("Credit Limit Request", request.name, "approved_by"), self.controller
		)
		with self.assertRaisesRegex(frappe.ValidationError, "only Pending requests"):
			self.call(self.manager, "approve_limit_request", name=request.name, comment="changed my mind")
		self.assertEqual(frappe.db.get_value("Credit Policy", policy.name, "credit_limit"), 500)

	def test_bad_requests_and_decisions_are_refused_and_write_nothing(self):
		customer = books.eur_customer()
		helpers.credit_policy(customer=customer, credit_limit=500)
		count = frappe.db.count("Credit Limit Request")
		for requested, message in (
			(500, "not above the current credit limit"),
			(200, "not above"),
			(-10, "above 0"),
			(1e13, "cannot exceed"),
		):
			with self.assertRaisesRegex(frappe.ValidationError, message):
				self.request(customer, requested)
		with self.assertRaisesRegex(frappe.ValidationError, "reason is required"):
			self.request(customer, 1000, reason="  ")
		with self.assertRaisesRegex(frappe.ValidationError, "only by a decision"):
			self.request(customer, 1000, status="Approved")
		self.assertEqual(frappe.db.count("Credit Limit Request"), count)

		own = self.request(customer, 900, user=self.manager)
		with self.assertRaisesRegex(frappe.PermissionError, "another user must decide"):
			self.call(self.manager, "approve_limit_request", name=own.name, comment="Mine")
		with self.assertRaisesRegex(frappe.ValidationError, "comment is required"):
			self.call(self.controller, "approve_limit_request", name=own.name, comment=" ")
		with self.assertRaisesRegex(frappe.ValidationError, "still open"):
			self.request(customer, 2000)
		with self.assertRaises(frappe.DoesNotExistError):
			self.call(self.controller, "approve_limit_request", name="CLR-99999", comment="ok")
		# editing a request into a decision by hand is refused
		frappe.set_user(self.manager)
		doc = frappe.get_doc("Credit Limit Request", own.name)
		doc.status = "Approved"
		with self.assertRaisesRegex(frappe.ValidationError, "only by a decision"):
			doc.save()
		frappe.set_user("Administrator")
		self.assertEqual(frappe.db.get_value("Credit Limit Request", own.name, "status"), "Pending")
		self.assertEqual(frappe.db.get_value("Credit Policy", {"customer": customer}, "credit_limit"), 500)

	def test_a_user_of_another_company_cannot_decide(self):
		customer = books.eur_customer()
		helpers.credit_policy(customer=customer, credit_limit=500)
		request = self.request(customer, 900)
		outsider = factories.user(
			"_o2c.credit.second-company@example.com", ["Credit Manager", "Credit Controller"]
		)
		books.restrict_to_company(outsider, books.SECOND_COMPANY)
		with self.assertRaises(frappe.PermissionError):
			self.call(outsider, "approve_limit_request", name=request.name, comment="ok")
		self.assertEqual(frappe.db.get_value("Credit Limit Request", request.name, "status"), "Pending")


class TestCreditNotifications(CreditManagementCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		cls.other_controller = factories.user(
			"_o2c.credit.controller-second@example.com", ["Credit Controller", "Sales User", "Accounts User"]
		)
		books.restrict_to_company(cls.other_controller, books.SECOND_COMPANY)
		set_approval_limits([])
		collections_helpers.outgoing_email_account()  # Frappe queues notification e-mail through it

	def logs(self, user, hold):
		# what the commit of the deciding transaction does: the notifications are made after it
		frappe.db.after_commit.run()
		return frappe.get_all(
			"Notification Log",
			filters={"for_user": user, "document_type": "Credit Hold", "document_name": hold},
			pluck="subject",
			order_by="creation asc",
		)

	def held_by_sales_user(self):
		customer = books.eur_customer()
		helpers.credit_policy(customer=customer, credit_limit=100)
		draft = self.eur_order(customer, 5, submit=False)
		# the sales user's order, submitted by them (books.world() itself needs Administrator)
		frappe.db.set_value("Sales Order", draft.name, "owner", self.sales_user, update_modified=False)
		frappe.set_user(self.sales_user)
		try:
			order = frappe.get_doc("Sales Order", draft.name)
			order.submit()
		finally:
			frappe.set_user("Administrator")
		frappe.db.after_commit.run()  # the submit's commit: its notifications are made
		return order, helpers.hold_of(order.name)

	def test_a_new_hold_notifies_the_controllers_of_its_company_and_a_decision_the_order_owner(self):
		order, hold = self.held_by_sales_user()
		self.assertIn(
			self.controller, frappe.db.get_all("Has Role", {"role": "Credit Controller"}, pluck="parent")
		)
		(subject,) = self.logs(self.controller, hold.name)
		self.assertIn(hold.name, subject)
		self.assertIn(order.name, subject)
		self.assertEqual(self.logs(self.manager, hold.name), [subject])
		self.assertEqual(
			self.logs(self.other_controller, hold.name), [], "a user of another company was told"
		)
		self.assertEqual(self.logs(self.sales_user, hold.name), [])
		# and its e-mail, through Frappe's queue
		self.assertTrue(
			frappe.db.exists("Email Queue Recipient", {"recipient": self.controller}),
			"no notification e-mail was queued",
		)

		self.call(self.controller, "release_hold", name=hold.name, comment="Paid by wire")
		(decision,) = self.logs(self.sales_user, hold.name)
		self.assertIn("released", decision)
		self.assertEqual(
			len(self.logs(self.controller, hold.name)), 1, "the decider is not told of their own decision"
		)

		_order, rejected = self.held_by_sales_user()
		self.call(self.controller, "reject_hold", name=rejected.name, comment="Too much overdue")
		(decision,) = self.logs(self.sales_user, rejected.name)
		self.assertIn("rejected", decision)

	def test_each_reader_is_told_in_their_own_language(self):
		# a German-speaking controller, an English-speaking manager; the hold is made in English
		frappe.db.set_value("User", self.controller, "language", "de")
		frappe.db.set_value("User", self.manager, "language", "en")
		try:
			frappe.local.lang = "en"
			_order, hold = self.held_by_sales_user()
			self.assertEqual(frappe.local.lang, "en")
			(german,) = self.logs(self.controller, hold.name)
			self.assertTrue(
				german.startswith(f"Die Kreditsperre {hold.name} wartet auf Ihre Entscheidung: "), german
			)
			self.assertIn("des Kunden", german)
			(english,) = self.logs(self.manager, hold.name)
			self.assertTrue(english.startswith(f"Credit Hold {hold.name} waits for your decision: "), english)
			self.assertEqual(frappe.local.lang, "en")
		finally:
			frappe.db.set_value("User", self.controller, "language", None)
			frappe.db.set_value("User", self.manager, "language", None)

	def test_a_hold_pending_too_long_reminds_once(self):
		from o2c_extension.credit_control import notifications

		settings = frappe.get_single("O2C Settings")
		settings.hold_reminder_hours = 4
		settings.save()
		_order, fresh = self.held_by_sales_user()
		_order, old = self.held_by_sales_user()
		frappe.db.set_value("Credit Hold", old.name, "creation", frappe.utils.add_to_date(None, hours=-5))
		reminded = notifications.remind_pending_holds()
		self.assertIn(old.name, reminded)
		self.assertNotIn(fresh.name, reminded)
		subjects = self.logs(self.controller, old.name)
		self.assertEqual(len(subjects), 2)
		self.assertIn("Reminder", subjects[1])
		self.assertEqual(self.logs(self.other_controller, old.name), [])
		# once
		self.assertNotIn(old.name, notifications.remind_pending_holds())
		self.assertEqual(len(self.logs(self.controller, old.name)), 2)


class TestCreditScore(CreditManagementCase):
	def test_a_customer_who_paid_120_days_late_scores_clearly_below_one_who_pays_on_time(self):
		from frappe.utils import add_days, nowdate

		from o2c_extension.credit_control import scores

		late, punctual = books.eur_customer(), books.eur_customer()
		# three instalments due 250, 220 and 190 days ago, all paid 70 days ago: 180, 150, 120 days late
		invoice = books.sales_invoice(late, [(self.item, 5, 100)], posting_date=add_days(nowdate(), -250))
		factories.ensure_fiscal_year(add_days(nowdate(), -70))
		factories.payment_for_invoice(invoice.name, posting_date=add_days(nowdate(), -70))
		# paid on the invoice date, before every instalment was due
		invoice = books.sales_invoice(punctual, [(self.item, 5, 100)], posting_date=add_days(nowdate(), -100))
		factories.payment_for_invoice(invoice.name, posting_date=add_days(nowdate(), -100))

		company = factories.company()
		late_score = self.call(
			self.controller, "score_customer", http_method="GET", customer=late, company=company
		)
		on_time = self.call(
			self.controller, "score_customer", http_method="GET", customer=punctual, company=company
		)
		# weighted by amount: 40 % × 180 + 30 % × 150 + 30 % × 120 days
		self.assertAlmostEqual(late_score["factors"]["days_late"], 153, places=1)
		self.assertEqual(on_time["factors"]["days_late"], 0)
		self.assertEqual((on_time["credit_score"], on_time["risk_class"]), (100, "A"))
		self.assertLess(late_score["credit_score"], on_time["credit_score"] - 30)
		self.assertIn(late_score["risk_class"], ("B", "C", "D"))

		# an open invoice overdue on its first instalment adds an overdue share
		books.sales_invoice(late, [(self.item, 5, 100)], posting_date=add_days(nowdate(), -40))
		worse = self.call(
			self.controller, "score_customer", http_method="GET", customer=late, company=company
		)
		self.assertAlmostEqual(worse["factors"]["overdue_share"], 70, places=0)  # 40 % + 30 % due
		self.assertLess(worse["credit_score"], late_score["credit_score"])

		# the daily job stores them; get_exposure shows them
		scores.refresh_all()
		stored = frappe.get_all(
			"Customer Credit Score",
			filters={"customer": ("in", [late, punctual]), "company": company},
			fields=["customer", "credit_score", "risk_class"],
		)
		self.assertEqual(
			{row.customer: row.risk_class for row in stored}, {late: worse["risk_class"], punctual: "A"}
		)
		scores.refresh_all()  # again: still one per customer and company
		self.assertEqual(frappe.db.count("Customer Credit Score", {"customer": late, "company": company}), 1)
		exposure = self.call(
			self.controller, "get_exposure", http_method="GET", customer=late, company=company
		)
		self.assertEqual(
			(exposure["credit_score"], exposure["risk_class"]), (worse["credit_score"], worse["risk_class"])
		)

		outsider = factories.user("_o2c.credit.score-outsider@example.com", [factories.OUTSIDER_ROLE])
		with self.assertRaises(frappe.PermissionError):
			self.call(outsider, "score_customer", http_method="GET", customer=late, company=company)

	def test_a_risk_class_policy_applies_to_the_class_it_names(self):
		from o2c_extension.credit_control import scores, scoring
		from o2c_extension.credit_control.policies import get_policy

		company = factories.company()
		risky, safe = books.eur_customer(), books.eur_customer()
		scores.store_scores(
			company,
			{
				risky: scoring.score(scoring.Factors(days_late=200, overdue_share=100, dunning_level=3)),
				safe: scoring.score(scoring.Factors()),
			},
		)
		self.assertEqual(scores.risk_classes(company, [risky, safe]), {risky: "D", safe: "A"})
		policy = helpers.credit_policy(applies_to="Risk Class", risk_class="D", credit_limit=100)
		self.assertEqual(policy.title, "Risk Class D")
		self.assertEqual(get_policy(risky, company).name, policy.name)
		self.assertIsNone(get_policy(safe, company))

		held = self.eur_order(risky, 5)
		self.assertEqual(frappe.db.get_value("Sales Order", held.name, "credit_status"), "On Credit Hold")
		passed = self.eur_order(safe, 5)
		self.assertNotEqual(
			frappe.db.get_value("Sales Order", passed.name, "credit_status"), "On Credit Hold"
		)
		# the Credit Exposure report shows score and class
		from o2c_extension.credit_control.report.credit_exposure.credit_exposure import execute

		_columns, rows = execute(frappe._dict(company=company, customer=risky))
		self.assertEqual([(row["risk_class"], row["credit_policy"]) for row in rows], [("D", policy.name)])
		# the customer's own policy is more specific than its class
		own = helpers.credit_policy(customer=risky, credit_limit=100000)
		self.assertEqual(get_policy(risky, company).name, own.name)

		with self.assertRaisesRegex(frappe.ValidationError, "Select the Risk Class"):
			helpers.credit_policy(applies_to="Risk Class", credit_limit=100)
		with self.assertRaisesRegex(frappe.ValidationError, "already enabled"):
			helpers.credit_policy(applies_to="Risk Class", risk_class="D", credit_limit=500)


class TestCreditRolesOpenWhatTheyDecide(CreditManagementCase):
	"""Credit Controller and Credit Manager read the held order, its customer and invoices with no
	sales or accounts role (the app's read rules on install / migrate); User Permissions on company
	still narrow which ones."""

	def test_a_credit_only_user_reads_the_held_order_its_customer_and_invoices_of_its_company(self):
		customer = books.eur_customer()
		invoice = books.sales_invoice(customer, [(self.item, 1, 100)])
		helpers.credit_policy(customer=customer, credit_limit=100)
		order = self.eur_order(customer, 5)
		self.assertEqual(helpers.hold_of(order.name).status, "Pending")

		for role in ("Credit Controller", "Credit Manager"):
			user = factories.user(f"_o2c.credit.only-{frappe.scrub(role)}@example.com", [role])
			for doctype, name in (
				("Sales Order", order.name),
				("Customer", customer),
				("Sales Invoice", invoice.name),
			):
				self.assertTrue(
					frappe.has_permission(doctype, "read", name, user=user), f"{role} cannot read {doctype}"
				)
				self.assertFalse(frappe.has_permission(doctype, "write", name, user=user), f"{role} writes")
			frappe.set_user(user)
			self.assertEqual(frappe.get_doc("Sales Order", order.name).credit_status, "On Credit Hold")
			self.assertEqual(frappe.get_doc("Customer", customer).name, customer)
			frappe.set_user("Administrator")

			# a user of another company does not see this company's order or invoice
			books.restrict_to_company(user, books.SECOND_COMPANY)
			for doctype, name in (("Sales Order", order.name), ("Sales Invoice", invoice.name)):
				self.assertFalse(
					frappe.has_permission(doctype, "read", name, user=user), f"{role} reads {doctype}"
				)
			frappe.set_user(user)
			with self.assertRaises(frappe.PermissionError):
				frappe.get_doc("Sales Order", order.name).check_permission("read")
			frappe.set_user("Administrator")
