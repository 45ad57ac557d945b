"""`get_exposure` over REST in four statements (issue 16): the fast path (`standing.py`) decides
exactly what the step-by-step path decided on the same data: the policy (customer, nested customer
group, risk class, company-wide), the limit (the policy's, else ERPNext's: the customer's, its
group's unless it bypasses, the company's), pending holds oldest first, collection holds, the
stored score; and the permission checks still refuse what they refused."""

import frappe
from frappe.tests.utils import FrappeTestCase
from frappe.utils import add_days, flt, nowdate

from o2c_extension.api import credit as credit_api
from o2c_extension.credit_control import core, holds, scores
from o2c_extension.credit_control.exposure import get_exposure as compute_exposure
from o2c_extension.credit_control.policies import get_erpnext_limits, get_policy, get_terms
from tests.integration import books, factories
from tests.integration import credit_control_helpers as helpers


def step_by_step(customer: str, company: str) -> dict:
	"""What `get_exposure` answered before issue 16, one question at a time."""
	policy = get_policy(customer, company)
	if policy:
		terms = get_terms(company, {customer: policy})[customer]
	else:
		terms = core.CreditTerms(credit_limit=get_erpnext_limits(company, [customer])[customer])
	exposure = compute_exposure(customer, company)
	decision = core.decide(exposure, terms, holds.collection_blocks(customer, company))
	pending = frappe.get_all(
		"Credit Hold",
		filters={"customer": customer, "company": company, "status": holds.PENDING},
		pluck="name",
		order_by="creation asc",
	)
	score = scores.stored_scores(company, [customer]).get(customer)
	return {
		"credit_policy": policy.name if policy else None,
		"credit_limit": flt(terms.credit_limit, 2),
		"effective_limit": flt(terms.effective_limit, 2),
		"tolerance_percent": terms.tolerance_percent,
		"status": "On Credit Hold" if pending else ("Within Limit" if decision.passed else "Over Limit"),
		"pending_holds": pending,
		"credit_score": score.credit_score if score else None,
		"risk_class": score.risk_class if score else None,
		"reasons": len(decision.reasons),
		"total": flt(exposure.total, 2),
	}


def answered(customer: str, company: str) -> dict:
	answer = credit_api.get_exposure(customer, company)
	return {
		**{
			key: answer[key]
			for key in (
				"credit_policy",
				"credit_limit",
				"effective_limit",
				"tolerance_percent",
				"status",
				"pending_holds",
				"credit_score",
				"risk_class",
				"total",
			)
		},
		"reasons": len(answer["reasons"]),
	}


class CreditStandingTestCase(FrappeTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		frappe.set_user("Administrator")
		cls.world = books.world()
		cls.company = cls.world.company
		cls.item = factories.item(stock_qty=10000, rate=100)

	def tearDown(self):
		frappe.set_user("Administrator")

	def group(self, name, parent="All Customer Groups", limit=None, bypass=0):
		if not frappe.db.exists("Customer Group", name):
			frappe.get_doc(
				{
					"doctype": "Customer Group",
					"customer_group_name": name,
					"parent_customer_group": parent,
					"is_group": 1,
				}
			).insert()
		if limit is not None:
			doc = frappe.get_doc("Customer Group", name)
			doc.set("credit_limits", [])
			doc.append(
				"credit_limits",
				{"company": self.company, "credit_limit": limit, "bypass_credit_limit_check": bypass},
			)
			doc.save()
		return name

	def assertSameAsStepByStep(self, customer):
		self.assertEqual(answered(customer, self.company), step_by_step(customer, self.company))

	def test_every_policy_scope_and_limit_source(self):
		outer = self.group(f"_O2C Standing Outer {frappe.generate_hash(length=5)}", limit=9000)
		inner = self.group(f"_O2C Standing Inner {frappe.generate_hash(length=5)}", parent=outer, limit=4000)
		bypassing = self.group(f"_O2C Standing Bypass {frappe.generate_hash(length=5)}", limit=3000, bypass=1)
		frappe.db.set_value("Company", self.company, "credit_limit", 2500)

		own = books.eur_customer(customer_group=inner)
		in_inner = factories.customer(customer_group=inner)
		in_bypassing = factories.customer(customer_group=bypassing)
		risky = factories.customer(customer_group=bypassing)
		plain = factories.customer()
		for customer in (own, in_inner, in_bypassing, risky, plain):
			books.sales_invoice(customer, [(self.item, 3, 400)], posting_date=add_days(nowdate(), -50))

		# no policy yet: ERPNext's limits (the group's, the bypassing group's falls to the company's)
		for customer in (in_inner, in_bypassing, plain):
			self.assertSameAsStepByStep(customer)
		self.assertEqual(credit_api.get_exposure(in_inner, self.company)["credit_limit"], 4000)
		self.assertEqual(credit_api.get_exposure(in_bypassing, self.company)["credit_limit"], 2500)

		helpers.erpnext_credit_limit(own, 1500)
		helpers.credit_policy(customer=own, applies_to="Customer", credit_limit=0, check_on_sales_order=1)
		helpers.credit_policy(
			customer_group=outer, applies_to="Customer Group", credit_limit=6000, tolerance_percent=10
		)
		helpers.credit_policy(
			customer_group=inner,
			applies_to="Customer Group",
			credit_limit=500,
			max_overdue_days=30,
			check_on_sales_order=1,
			check_on_sales_invoice=0,
		)
		helpers.credit_policy(applies_to="Risk Class", risk_class="D", credit_limit=100)
		helpers.credit_policy(credit_limit=50_000)
		frappe.get_doc(
			{
				"doctype": "Customer Credit Score",
				"customer": risky,
				"company": self.company,
				"credit_score": 21.5,
				"risk_class": "D",
				"scored_on": nowdate(),
			}
		).insert(ignore_permissions=True)

		for customer in (own, in_inner, in_bypassing, risky, plain):
			with self.subTest(customer=customer):
				self.assertSameAsStepByStep(customer)
		# own policy, limit 0: ERPNext's own limit for the customer; the nearest group wins
		self.assertEqual(credit_api.get_exposure(own, self.company)["credit_limit"], 1500)
		self.assertEqual(credit_api.get_exposure(in_inner, self.company)["credit_limit"], 500)
		self.assertEqual(credit_api.get_exposure(risky, self.company)["risk_class"], "D")
		self.assertEqual(credit_api.get_exposure(risky, self.company)["credit_limit"], 100)
		self.assertEqual(credit_api.get_exposure(plain, self.company)["credit_limit"], 50_000)

		# pending holds (an order held by the policy, a collections hold), oldest first
		order = books.sales_order(in_inner, [(self.item, 10, 100)])
		self.assertTrue(helpers.hold_of(order.name))
		invoice = helpers.overdue_invoice(in_inner, self.item, 300, 40)
		holds.block_customer_for_collections(in_inner, self.company, invoice.name, "overdue")
		answer = credit_api.get_exposure(in_inner, self.company)
		self.assertEqual(len(answer["pending_holds"]), 2)
		self.assertEqual(answer["status"], "On Credit Hold")
		self.assertSameAsStepByStep(in_inner)

	def test_four_statements(self):
		customer = factories.customer()
		books.sales_invoice(customer, [(self.item, 1, 300)])
		helpers.credit_policy(customer=customer, applies_to="Customer", credit_limit=1000)
		credit_api.get_exposure(customer, self.company)  # Frappe's caches (roles, company) filled
		statements = []
		original = frappe.db.sql

		def counting(query, *args, **kwargs):
			statements.append(query)
			return original(query, *args, **kwargs)

		frappe.db.sql = counting
		try:
			credit_api.get_exposure(customer, self.company)
		finally:
			del frappe.db.sql
		self.assertLessEqual(len(statements), 4, statements)

	def test_refusals_unchanged(self):
		customer = factories.customer()
		with self.assertRaises(frappe.DoesNotExistError):
			credit_api.get_exposure("_O2C no such customer", self.company)
		with self.assertRaises(frappe.DoesNotExistError):
			credit_api.get_exposure(customer, "_O2C no such company")
		second_customer = factories.customer()
		frappe.set_user(self.world.restricted_user)  # first company only, no Credit Controller role
		self.assertEqual(credit_api.get_exposure(f"  {customer} ", self.company)["customer"], customer)
		with self.assertRaises(frappe.PermissionError):
			credit_api.get_exposure(second_customer, self.world.second_company)
		frappe.set_user("Administrator")
		controller = factories.user("_o2c.standing.controller@example.com", ["Credit Controller"])
		books.restrict_to_company(controller, self.company)
		frappe.set_user(controller)
		with self.assertRaises(frappe.PermissionError):
			credit_api.get_exposure(customer, self.world.second_company)
