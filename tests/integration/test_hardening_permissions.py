"""Hardening (issue 7): the permission matrix over real HTTP.

Every whitelisted method of the app and every app DocType's /api/resource (read list, create), for
Guest and for one user per role holding that role only: Sales User, Accounts User, Credit
Controller, Collections Agent, Collections Manager. "Allowed" is HTTP 200 on a valid request;
"denied" is HTTP 403 with a PermissionError. A cell that answers anything else (a 417 on a valid
request, a 500) shows in the diff too, and a denied request must leave nothing written.

The expected matrix below is derived from the DocType permission JSONs (and ERPNext's own
permissions on Customer, Sales Invoice, Sales Order and Quotation, which the methods check) and
from each method's checks. The app's roles reach what their job needs without a role on ERPNext's
masters (a Credit Controller the exposure, a Collections Manager any invoice of its companies),
always within the user's User Permissions (TestCompanyRestriction).

The server sees committed data only, so the test commits; the conftest restores the database.
"""

import contextlib
import json

import frappe
import requests
from frappe.desk.form import assign_to
from frappe.permissions import add_user_permission
from frappe.tests.utils import FrappeTestCase
from frappe.utils import add_days, getdate, nowdate

from o2c_extension.collections import core
from o2c_extension.order_to_cash.sealed_fields import app_writes
from tests.integration import books, edifact_samples, factories
from tests.integration import credit_control_helpers as credit
from tests.integration import scheduling_helpers as scheduling
from tests.integration.web import running_server, token_session

PERSONAS = (
	"Guest",
	"Sales User",
	"Accounts User",
	"Credit Controller",
	"Collections Agent",
	"Collections Manager",
)
USERS = {role: f"_o2c.hard.{role.lower().replace(' ', '-')}@example.com" for role in PERSONAS[1:]}
# the same roles, each with one invoice assigned (an assignment shares the invoice with the user)
ASSIGNEES = {
	role: f"_o2c.hard.assigned.{role.lower().replace(' ', '-')}@example.com" for role in PERSONAS[1:]
}

# --- the expected matrix: one letter per persona, in PERSONAS order -----------------------------
# Y allowed (200), N denied (403 PermissionError), E let through the permission check and then
# refused by the document itself with a clear 4xx error (never a 500)

# method -> (HTTP verb, expected)
METHODS = {
	# Customer read (ERPNext: Sales User, Accounts User) or the Credit Controller role
	"o2c_extension.api.credit.get_exposure": ("GET", "NYYYNN"),
	# the same: Customer read, or the Credit Controller / Credit Manager role
	"o2c_extension.api.credit.score_customer": ("GET", "NYYYNN"),
	# only_for Credit Controller + Credit Hold write
	"o2c_extension.api.credit.release_hold": ("POST", "NNNYNN"),
	"o2c_extension.api.credit.reject_hold": ("POST", "NNNYNN"),
	# only_for Credit Controller / Credit Manager + Credit Limit Request write
	"o2c_extension.api.credit.approve_limit_request": ("POST", "NNNYNN"),
	"o2c_extension.api.credit.reject_limit_request": ("POST", "NNNYNN"),
	# Scheduling Agreement write (+ Schedule Release create / submit)
	"o2c_extension.api.scheduling.import_release": ("POST", "NYNNNN"),
	"o2c_extension.api.scheduling.import_release_csv": ("POST", "NYNNNN"),
	# Schedule Release create / submit + write on the agreement the message names
	"o2c_extension.api.scheduling.import_edifact": ("POST", "NYNNNN"),
	# Scheduling Agreement write + Sales Order create and submit
	"o2c_extension.api.scheduling.release_now": ("POST", "NYNNNN"),
	# a collections role + read on the invoice, or the Collections Manager role (any invoice of its
	# companies); an agent only on invoices assigned to it (ASSIGNED below)
	"o2c_extension.api.collections.record_promise": ("POST", "NNNNNY"),
	"o2c_extension.api.collections.record_dispute": ("POST", "NNNNNY"),
	"o2c_extension.api.collections.resolve_dispute": ("POST", "NNNNNY"),
	# only the Collections Manager role
	"o2c_extension.api.collections.run_now": ("POST", "NNNNNY"),
	# the collections team (agents, managers, accounts managers) allowed every invoice of the company
	"o2c_extension.api.collections.preview_run": ("GET", "NNNNYY"),
	# the collections team + read on the case (an agent reads the cases of its companies)
	"o2c_extension.api.collections.log_contact": ("POST", "NNNNYY"),
	# KPI cards: a role reading every record of the card's DocType (the receivables cards: or
	# Collections Manager), within the User Permissions on the company; the Credit Controller reads
	# every Sales Invoice (the documents it decides on, issue 13)
	"o2c_extension.order_to_cash.kpi.dso_card": ("GET", "NNYYNY"),
	"o2c_extension.order_to_cash.kpi.overdue_receivables_card": ("GET", "NNYYNY"),
	"o2c_extension.order_to_cash.kpi.collection_effectiveness_card": ("GET", "NNYYNY"),
	"o2c_extension.order_to_cash.kpi.pending_credit_holds_card": ("GET", "NYYYNN"),
	"o2c_extension.order_to_cash.kpi.credit_decision_time_card": ("GET", "NYYYNN"),
	"o2c_extension.order_to_cash.kpi.schedule_adherence_card": ("GET", "NYYNNN"),
	# the workspace's company block: read on one of the DocTypes its figures come from (Sales
	# Invoice, Credit Hold, Scheduling Agreement) or on Collection Case
	"o2c_extension.order_to_cash.workspace_company.companies": ("GET", "NYYYYY"),
	"o2c_extension.order_to_cash.workspace_company.set_company": ("POST", "NYYYYY"),
	# the workspace's charts: read on the DocType the chart counts (Sales Invoice here), within
	# the User Permissions on the company
	"o2c_extension.order_to_cash.dashboard_chart_source.order_to_cash_chart.order_to_cash_chart.get": (
		"GET",
		"NNYYNN",
	),
	# mappers: create on the target + read on the source
	"o2c_extension.scheduling.doctype.scheduling_agreement.scheduling_agreement.make_scheduling_agreement": (
		"POST",
		"NYNNNN",
	),
	"o2c_extension.scheduling.doctype.scheduling_agreement.scheduling_agreement.make_sales_order": (
		"POST",
		"NYNNNN",
	),
}
# the collections methods once the invoice is assigned to the caller (assignment shares it)
ASSIGNED = {
	"o2c_extension.api.collections.record_dispute": "NNNNYY",
	"o2c_extension.api.collections.resolve_dispute": "NNNNYY",
	"o2c_extension.api.collections.record_promise": "NNNNYY",
}

# DocType -> (read list, create); None = not applicable (a Single is read as its one document).
# A child row is created through its parent (POST with parent, parenttype, parentfield), with the
# parent's write permission; the parents here are drafts, or Pending for the Credit Hold.
RESOURCES = {
	"Collection Action": ("NNYNYY", "NNNNNN"),  # only the run writes its log
	"Collection Case": ("NNYNYY", "NNNNNN"),  # opened by the run only
	# made through the same checks as record_promise / record_dispute: on an invoice nobody
	# assigned to the caller, only a Collections Manager
	"Dispute": ("NNYNYY", "NNNNNY"),
	"Dispute Reason": ("NNYNYY", "NNNNNY"),  # the reason master is kept by Collections Managers
	"Promise to Pay": ("NNYNYY", "NNNNNY"),
	"Collections Rule": ("NNYNYY", "NNNNNY"),
	"Credit Check Tally": ("NNNNNN", "NNNNNN"),
	"Credit Hold": ("NYYYNN", "NNNNNN"),
	"Credit Limit Change": ("NYYYNN", "NNNNNN"),  # written by approvals and policy changes only
	"Credit Limit Request": ("NYNYNN", "NYNYNN"),
	"Customer Credit Score": ("NYYYNN", "NNNNNN"),  # written by the daily scoring only
	"Credit Policy": ("NNYYNN", "NNNYNN"),
	"O2C Settings": ("NNNYNY", None),
	"Schedule Release": ("NYYNNN", "NYNNNN"),
	"Scheduling Agreement": ("NYYNNN", "NYNNNN"),
	# child tables: never listed on their own (O2C Settings' rows change with the Single)
	"Credit Approval Limit": ("NNNNNN", None),
	"Promise to Pay Invoice": ("NNNNNN", None),  # rows of a promise on a case, made by the app
	"Collections Rule Step": ("NNNNNN", "NNNNNY"),
	"Credit Hold Decision": ("NNNNNN", "NNNNNN"),  # decisions only through release / reject
	"Schedule Release Change": ("NNNNNN", "NYNNNN"),
	"Schedule Release Item Delta": ("NNNNNN", "NYNNNN"),
	"Schedule Release Item": ("NNNNNN", "NYNNNN"),
	"Schedule Release Line": ("NNNNNN", "NYNNNN"),
	"Scheduling Agreement Item": ("NNNNNN", "NYNNNN"),
	"Scheduling Agreement Schedule Line": ("NNNNNN", "NYNNNN"),
}

WORKSPACE = "o2c_extension.order_to_cash.workspace_company."
CHART = "o2c_extension.order_to_cash.dashboard_chart_source.order_to_cash_chart.order_to_cash_chart.get"
OTHER_COMPANY = "Wind Power LLC"  # the test site's own company: no open invoices to enqueue


def app_whitelisted_methods() -> set[str]:
	import importlib
	import pkgutil

	import o2c_extension

	for module in pkgutil.walk_packages(o2c_extension.__path__, "o2c_extension."):
		if ".patches" not in module.name and not module.name.endswith(".hooks"):
			importlib.import_module(module.name)
	return {
		f"{function.__module__}.{function.__name__}"
		for function in frappe.whitelisted
		if function.__module__.startswith("o2c_extension.")
	}


def app_doctypes() -> set[str]:
	return set(
		frappe.get_all(
			"DocType", filters={"module": ("in", frappe.get_module_list("o2c_extension"))}, pluck="name"
		)
	)


def collection_case(customer: str, company: str) -> str:
	"""The customer's open Collection Case, opened as the run opens one (the app's own write)."""
	name = frappe.db.get_value(
		"Collection Case", {"customer": customer, "company": company, "status": "Open"}
	)
	if name:
		return name
	with app_writes():
		case = frappe.get_doc({"doctype": "Collection Case", "customer": customer, "company": company})
		case.flags.ignore_permissions = True
		return case.insert().name


class TestPermissionMatrix(FrappeTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		factories.company_ready_to_sell()
		for role in PERSONAS[1:]:
			factories.user(USERS[role], [role])
			factories.user(ASSIGNEES[role], [role])
		cls.item = factories.item(stock_qty=1000, rate=100)

		# credit: a customer with a policy; held orders to release and reject
		cls.customer = factories.customer()
		credit.credit_policy(customer=cls.customer, credit_limit=100)
		# scheduling: an Active agreement with lines due, and a quotation to map
		cls.sa_customer, (cls.sa_item, _other) = scheduling.setup_masters()
		cls.agreement = scheduling.agreement(
			cls.sa_customer,
			[(cls.sa_item, 100_000, 10)],
			lines=[(cls.sa_item, 1, 1, "Firm"), (cls.sa_item, 2, 1, "Firm")],
			release_horizon_days=5,
		).name
		cls.quotation = factories.quotation(cls.sa_customer, [(cls.sa_item, 5, 10)]).name
		cls.other_item = _other
		# parents for child rows: drafts (and a Pending hold, made below)
		cls.draft_agreement = scheduling.agreement(
			cls.sa_customer, [(cls.sa_item, 100, 10)], submit=False, release_horizon_days=5
		).name
		cls.draft_release = (
			frappe.get_doc(
				{
					"doctype": "Schedule Release",
					"scheduling_agreement": cls.agreement,
					"release_no": "HARD-draft",
					"release_date": nowdate(),
					"lines": [
						{
							"item_code": cls.sa_item,
							"schedule_date": add_days(nowdate(), 6),
							"qty": 1,
							"line_type": "Firm",
						}
					],
				}
			)
			.insert()
			.name
		)
		# collections: an open invoice nobody is assigned, and one assigned to each persona
		cls.coll_customer = factories.customer()
		cls.invoice = cls.open_invoice()
		cls.case = collection_case(cls.coll_customer, factories.COMPANY)
		# disputes and promises made over /api/resource stay (the server commits): on an invoice of
		# their own, so the methods' cases on `invoice` find it as it was
		cls.resource_invoice = cls.open_invoice()
		cls.rule = (
			frappe.get_doc(
				{
					"doctype": "Collections Rule",
					"rule_name": "_O2C Hardening parent",
					"company": factories.COMPANY,
					"enabled": 0,
					"steps": [
						{"day_offset": 1, "action": core.CREATE_TODO, "assign_to_role": "Collections Agent"}
					],
				}
			)
			.insert()
			.name
		)
		cls.pending_hold = frappe.db.get_value(
			"Sales Order", factories.sales_order(cls.customer, [(cls.item, 5, 100)]).name, "credit_hold"
		)
		# one customer per persona for the Credit Limit Requests they create (one open per customer)
		cls.limit_customers = {persona: factories.customer() for persona in PERSONAS}
		cls.assigned = {}
		for role, user in ASSIGNEES.items():
			invoice = cls.open_invoice()
			assign_to.add(
				{"assign_to": [user], "doctype": "Sales Invoice", "name": invoice, "description": "collect"},
				ignore_permissions=True,
			)
			cls.assigned[role] = invoice
		frappe.db.commit()

		cls.sessions = {"Guest": cls.guest_session()}
		cls.sessions.update({role: token_session(user) for role, user in USERS.items()})
		cls.assignee_sessions = {"Guest": cls.sessions["Guest"]}
		cls.assignee_sessions.update({role: token_session(user) for role, user in ASSIGNEES.items()})
		cls._server = contextlib.ExitStack()
		cls.base_url = cls._server.enter_context(running_server())

	@classmethod
	def tearDownClass(cls):
		cls._server.close()
		# keep these single-role users out of later tests' role holders (ToDo assignment)
		factories.retire_users(*USERS.values(), *ASSIGNEES.values())
		super().tearDownClass()

	@classmethod
	def open_invoice(cls) -> str:
		return factories.sales_invoice(
			cls.coll_customer, [(cls.item, 1, 100)], due_date=add_days(nowdate(), 10)
		).name

	@staticmethod
	def guest_session() -> requests.Session:
		session = requests.Session()
		session.headers.update({"Accept": "application/json"})
		return session

	def pending_limit_request(self) -> str:
		"""A Pending Credit Limit Request of a customer of its own (one open request per customer)."""
		frappe.set_user("Administrator")
		name = (
			frappe.get_doc(
				{
					"doctype": "Credit Limit Request",
					"customer": factories.customer(),
					"company": factories.COMPANY,
					"requested_limit": 1000,
					"reason": "a larger order",
					"status": "Pending",
				}
			)
			.insert()
			.name
		)
		frappe.db.commit()
		return name

	def held_hold(self) -> str:
		frappe.set_user("Administrator")
		order = factories.sales_order(self.customer, [(self.item, 5, 100)])
		hold = frappe.db.get_value("Sales Order", order.name, "credit_hold")
		self.assertTrue(hold)
		frappe.db.commit()
		return hold

	# --- one request -------------------------------------------------------------------------

	def request(
		self, persona: str, verb: str, path: str, payload: dict | None = None, assignee: bool = False
	) -> str:
		"""'Y' for 200, 'N' for 403 PermissionError, 'E:...' for another 4xx Frappe error, 'X:...' for
		anything else (a 500, a 4xx without a Frappe error)."""
		url = f"{self.base_url}{path}"
		session = (self.assignee_sessions if assignee else self.sessions)[persona]
		if verb == "GET":
			params = {k: v if isinstance(v, str) else json.dumps(v) for k, v in (payload or {}).items()}
			response = session.get(url, params=params, timeout=60)
		else:
			response = session.post(url, json=payload or {}, timeout=60)
		if response.status_code == 200:
			return "Y"
		try:
			body = response.json()
		except ValueError:
			body = {}
		if response.status_code == 403 and body.get("exc_type") == "PermissionError":
			return "N"
		messages = body.get("_server_messages") or body.get("exception") or response.text[:200]
		detail = f"<{response.status_code} {body.get('exc_type')}: {str(messages)[:160]}>"
		if 400 <= response.status_code < 500 and body.get("exc_type"):
			return f"E:{detail}"
		return f"X:{detail}"

	def compare(self, expected: dict[str, str], actual: dict[str, list[str]]) -> None:
		wrong = []
		for row, cells in actual.items():
			for persona, want, got in zip(PERSONAS, expected[row], cells, strict=True):
				if got.split(":", 1)[0] != want:
					wrong.append(f"{row} / {persona}: expected {want}, got {got}")
		self.assertEqual(wrong, [], "\n" + "\n".join(wrong))

	# --- the tests ---------------------------------------------------------------------------

	def test_matrix_covers_every_whitelisted_method_and_every_app_doctype(self):
		self.assertEqual(app_whitelisted_methods(), set(METHODS))
		self.assertEqual(app_doctypes(), set(RESOURCES))

	def test_whitelisted_methods(self):
		release_numbers = {}
		holds = {}
		actual = {}
		for method, (verb, _expected) in METHODS.items():
			cells = []
			for persona in PERSONAS:
				payload = self.payload(method, persona, release_numbers, holds)
				cells.append(self.request(persona, verb, f"/api/method/{method}", payload))
			actual[method] = cells
		self.compare({method: expected for method, (_verb, expected) in METHODS.items()}, actual)
		self.assert_denied_left_nothing(release_numbers, holds, actual)

	def test_collections_methods_on_an_invoice_assigned_to_the_caller(self):
		actual = {method: [] for method in ASSIGNED}
		before = self.invoice_state(self.invoice)
		for persona in PERSONAS:
			invoice = self.assigned.get(persona, self.invoice)
			arguments = {
				"o2c_extension.api.collections.record_dispute": {"reason": "wrong quantity"},
				"o2c_extension.api.collections.resolve_dispute": {},
				"o2c_extension.api.collections.record_promise": {
					"promise_date": add_days(nowdate(), 7),
					"note": "by phone",
				},
			}
			for method, extra in arguments.items():  # dispute, resolve, then promise: each valid
				payload = {"sales_invoice": invoice, **extra}
				actual[method].append(
					self.request(persona, "POST", f"/api/method/{method}", payload, assignee=True)
				)
		self.compare(ASSIGNED, actual)
		frappe.db.rollback()
		for persona, invoice in self.assigned.items():
			state = self.invoice_state(invoice)
			if ASSIGNED["o2c_extension.api.collections.record_promise"][PERSONAS.index(persona)] == "Y":
				self.assertEqual(state["collection_status"], core.PROMISE_TO_PAY, persona)
			else:
				self.assertEqual(state, before | {"name": invoice}, persona)
		self.assertEqual(self.invoice_state(self.invoice), before)

	def test_resources_read_list_and_create(self):
		# top-level documents: exactly the allowed creates were written (child rows are recomputed
		# by some parents on save, so they are left out of the count)
		counts_before = {
			doctype: frappe.db.count(doctype)
			for doctype in RESOURCES
			if not (frappe.get_meta(doctype).issingle or frappe.get_meta(doctype).istable)
		}
		actual_read, actual_create, allowed_creates = {}, {}, {}
		for doctype, (_read, create) in RESOURCES.items():
			single = frappe.get_meta(doctype).issingle
			path = f"/api/resource/{doctype}" + (f"/{doctype}" if single else "")
			actual_read[doctype] = [self.request(persona, "GET", path) for persona in PERSONAS]
			if create is None:
				continue
			actual_create[doctype] = [
				self.request(persona, "POST", f"/api/resource/{doctype}", self.new_doc(doctype, persona))
				for persona in PERSONAS
			]
			allowed_creates[doctype] = actual_create[doctype].count("Y")
		self.compare({doctype: read for doctype, (read, _c) in RESOURCES.items()}, actual_read)
		self.compare(
			{doctype: create for doctype, (_r, create) in RESOURCES.items() if create}, actual_create
		)
		frappe.db.rollback()
		# a Credit Policy made with a limit keeps that first limit as a Credit Limit Change
		side_effects = {"Credit Limit Change": allowed_creates.get("Credit Policy", 0)}
		for doctype, before in counts_before.items():
			self.assertEqual(
				frappe.db.count(doctype),
				before + allowed_creates.get(doctype, 0) + side_effects.get(doctype, 0),
				f"{doctype} rows",
			)

	def test_credit_policy_for_a_customer_over_rest(self):
		customer = factories.customer()
		frappe.db.commit()
		payload = {"company": factories.COMPANY, "customer": customer, "credit_limit": 500}
		self.assertEqual(
			self.request("Credit Controller", "POST", "/api/resource/Credit Policy", payload), "Y"
		)
		frappe.db.rollback()  # see the server's commit
		self.assertEqual(
			frappe.db.get_value("Credit Policy", {"customer": customer}, ["applies_to", "customer_group"]),
			("Customer", None),
		)

	def test_kpi_cards_are_not_opened_by_one_shared_invoice(self):
		# the Sales User has no read on Sales Invoice (DSO is denied to it in the matrix), but this
		# one has a single invoice assigned
		filters = {"filters": {"company": factories.COMPANY}}
		self.assertEqual(
			self.request(
				"Sales User",
				"GET",
				"/api/method/o2c_extension.order_to_cash.kpi.dso_card",
				filters,
				assignee=True,
			),
			"N",
		)

	# --- valid requests ----------------------------------------------------------------------

	def payload(self, method: str, persona: str, release_numbers: dict, holds: dict) -> dict:
		name = method.rsplit(".", 1)[1]
		today = nowdate()
		if name in ("get_exposure", "score_customer"):
			return {"customer": self.customer, "company": factories.COMPANY}
		if name in ("release_hold", "reject_hold"):
			holds[(name, persona)] = self.held_hold()
			return {"name": holds[(name, persona)], "comment": "decided over REST"}
		if name in ("approve_limit_request", "reject_limit_request"):
			holds[(name, persona)] = self.pending_limit_request()
			return {"name": holds[(name, persona)], "comment": "decided over REST"}
		if name in ("import_release", "import_release_csv"):
			number = f"HARD-{name}-{persona}"
			release_numbers[(name, persona)] = number
			line = (self.sa_item, add_days(today, 3), 4, "Firm")
			base = {"scheduling_agreement": self.agreement, "release_no": number, "release_date": today}
			if name == "import_release":
				keys = ("item_code", "schedule_date", "qty", "line_type")
				return {**base, "lines": [dict(zip(keys, line, strict=True))]}
			return {**base, "csv_text": "item_code,schedule_date,qty,line_type\n" + ",".join(map(str, line))}
		if name == "release_now":
			return {"scheduling_agreement": self.agreement}
		if name == "import_edifact":
			number = f"HARD-{name}-{persona}"
			release_numbers[(name, persona)] = number
			lines = [(True, 4, 3)]
			groups = [{"item": self.sa_item, "kind": "SA", "lines": lines}]
			return {
				"content": edifact_samples.interchange(
					edifact_samples.message("M1", number, self.sa_customer, groups)
				)
			}
		if name == "record_promise":
			return {"sales_invoice": self.invoice, "promise_date": add_days(today, 7), "note": "by phone"}
		if name == "record_dispute":
			return {"sales_invoice": self.invoice, "reason": "wrong quantity"}
		if name == "resolve_dispute":
			return {"sales_invoice": self.invoice}
		if name in ("run_now", "preview_run"):
			return {"company": OTHER_COMPANY}
		if name == "log_contact":
			return {"collection_case": self.case, "note": f"called by {persona}", "kind": "Call"}
		if name.endswith("_card"):
			return {"filters": {"company": factories.COMPANY}}
		if name == "companies":
			return {}
		if name == "set_company":
			return {"company": factories.COMPANY}
		if method == CHART:
			return {"chart_name": "Invoices by Collection Status", "filters": {"company": factories.COMPANY}}
		if name == "make_scheduling_agreement":
			return {"source_name": self.quotation}
		if name == "make_sales_order":
			return {"source_name": self.agreement}
		raise AssertionError(f"no valid request known for {method}: add one to the matrix")

	def new_doc(self, doctype: str, persona: str) -> dict:
		tag = persona.lower().replace(" ", "-")
		company = factories.COMPANY
		if doctype == "Collection Action":
			return {
				"sales_invoice": self.invoice,
				"customer": self.coll_customer,
				"company": company,
				"step": f"hand-made-{tag}",
				"action": core.CREATE_TODO,
				"action_date": nowdate(),
				"status": core.COMPLETED,
			}
		if doctype == "Collection Case":
			return {"customer": self.coll_customer, "company": company}
		if doctype == "Dispute":
			return {
				"sales_invoice": self.resource_invoice,
				"disputed_amount": 1,
				"reason_code": "Wrong Price",
				"description": f"disputed by {tag}",
			}
		if doctype == "Dispute Reason":
			return {"reason_code": f"_O2C Hardening {tag}", "description": "made over REST"}
		if doctype == "Promise to Pay":
			return {
				"sales_invoice": self.resource_invoice,
				"promise_date": add_days(nowdate(), 7),
				"promised_amount": 1,
				"note": f"promised to {tag}",
			}
		if doctype == "Collections Rule":
			return {
				"rule_name": f"_O2C Hardening {tag}",
				"company": company,
				"enabled": 0,
				"steps": [
					{"day_offset": 3, "action": core.CREATE_TODO, "assign_to_role": "Collections Agent"}
				],
			}
		if doctype == "Credit Limit Request":
			return {
				"customer": self.limit_customers[persona],
				"company": company,
				"requested_limit": 1000,
				"reason": f"requested by {tag}",
			}
		if doctype == "Credit Limit Change":
			return {"customer": self.customer, "company": company, "old_limit": 100, "new_limit": 1_000_000}
		if doctype == "Customer Credit Score":
			return {"customer": self.customer, "company": company, "credit_score": 100, "risk_class": "A"}
		if doctype == "Credit Check Tally":
			return {"customer": self.customer, "company": company, "approved_amount": 1}
		if doctype == "Credit Hold":
			return {
				"customer": self.customer,
				"company": company,
				"reference_doctype": "Sales Invoice",
				"reference_name": self.invoice,
				"status": "Pending",
				"amount": 1,
			}
		if doctype == "Credit Policy":
			# customer_group given as empty on purpose: see test_credit_policy_for_a_customer_over_rest
			return {
				"company": company,
				"customer": self.coll_customer,
				"customer_group": None,
				"credit_limit": 1,
				"enabled": 0,
			}
		if doctype == "Schedule Release":
			return {
				"scheduling_agreement": self.agreement,
				"release_no": f"HARD-resource-{tag}",
				"release_date": nowdate(),
				"lines": [
					{
						"item_code": self.sa_item,
						"schedule_date": add_days(nowdate(), 4),
						"qty": 2,
						"line_type": "Firm",
					}
				],
			}
		if doctype == "Scheduling Agreement":
			return {
				"customer": self.sa_customer,
				"company": company,
				"currency": factories.CURRENCY,
				"selling_price_list": factories.price_list(),
				"valid_from": nowdate(),
				"valid_to": add_days(nowdate(), 90),
				"items": [
					{
						"item_code": self.sa_item,
						"agreed_qty": 10,
						"rate": 10,
						"warehouse": factories.warehouse(),
					}
				],
			}
		# child tables: a valid row, added through the parent
		index = PERSONAS.index(persona)
		rows = {
			"Collections Rule Step": (
				"Collections Rule",
				self.rule,
				"steps",
				{"day_offset": 10 + index, "action": core.CREATE_TODO, "assign_to_role": "Collections Agent"},
			),
			"Credit Hold Decision": (
				"Credit Hold",
				self.pending_hold,
				"decisions",
				{"decision": "Released", "comment": "released by hand"},
			),
			"Schedule Release Change": (
				"Schedule Release",
				self.draft_release,
				"changes",
				{"change_type": "Added", "item_code": self.sa_item, "new_qty": 1},
			),
			"Schedule Release Item Delta": (
				"Schedule Release",
				self.draft_release,
				"item_deltas",
				{"item_code": self.sa_item, "qty_delta": 1},
			),
			"Schedule Release Line": (
				"Schedule Release",
				self.draft_release,
				"lines",
				{
					"item_code": self.sa_item,
					"schedule_date": add_days(nowdate(), 10 + index),
					"qty": 1,
					"line_type": "Firm",
				},
			),
			"Schedule Release Item": (
				"Schedule Release",
				self.draft_release,
				"items",
				{"item_code": self.sa_item, "last_delivery_note": f"DN-HARD-{index}"},
			),
			"Scheduling Agreement Item": (
				"Scheduling Agreement",
				self.draft_agreement,
				"items",
				{
					"item_code": self.other_item,
					"agreed_qty": 5,
					"rate": 10,
					"warehouse": factories.warehouse(),
				},
			),
			"Scheduling Agreement Schedule Line": (
				"Scheduling Agreement",
				self.draft_agreement,
				"schedule",
				{
					"item_code": self.sa_item,
					"schedule_date": add_days(nowdate(), 10 + index),
					"qty": 1,
					"line_type": "Firm",
				},
			),
		}
		parenttype, parent, parentfield, row = rows[doctype]
		return {"parenttype": parenttype, "parent": parent, "parentfield": parentfield, **row}

	# --- what a denied request must not have done ----------------------------------------------

	def invoice_state(self, invoice: str) -> dict:
		return frappe.db.get_value(
			"Sales Invoice",
			invoice,
			["name", "disputed", "dispute_reason", "promise_to_pay_date", "collection_status"],
			as_dict=True,
		)

	def assert_denied_left_nothing(self, release_numbers: dict, holds: dict, actual: dict) -> None:
		frappe.db.rollback()
		for (name, persona), number in release_numbers.items():
			method = next(m for m in METHODS if m.endswith(f".{name}"))
			made = frappe.db.exists("Schedule Release", {"release_no": number})
			self.assertEqual(bool(made), actual[method][PERSONAS.index(persona)] == "Y", (name, persona))
		decided = {
			"release_hold": "Released",
			"reject_hold": "Rejected",
			"approve_limit_request": "Approved",
			"reject_limit_request": "Rejected",
		}
		for (name, persona), hold in holds.items():
			method = next(m for m in METHODS if m.endswith(f".{name}"))
			doctype = "Credit Hold" if name.endswith("_hold") else "Credit Limit Request"
			status = frappe.db.get_value(doctype, hold, "status")
			if actual[method][PERSONAS.index(persona)] == "Y":
				self.assertEqual(status, decided[name])
			else:
				self.assertEqual(status, "Pending", (name, persona))
		# allowed: a promise, then a dispute recorded and resolved (the promise stays)
		state = self.invoice_state(self.invoice)
		promised = "Y" in actual["o2c_extension.api.collections.record_promise"]
		self.assertEqual(
			(state.disputed, state.promise_to_pay_date, state.dispute_reason),
			(0, getdate(add_days(nowdate(), 7)) if promised else None, None),
			state,
		)


class TestCompanyRestriction(FrappeTestCase):
	"""The app's roles reach company-wide figures and any invoice of their companies without a role
	on ERPNext's masters, but never past the user's User Permissions; an agent acts on what it is
	assigned; only the collections run writes Collection Actions. In process, as /api/method calls."""

	# the app's roles, restricted by a User Permission to the other company
	RESTRICTED = "_o2c.hard.restricted@example.com"
	# the same roles, no User Permission
	UNRESTRICTED = "_o2c.hard.unrestricted@example.com"
	# an Accounts User restricted by a User Permission to one customer
	ONE_CUSTOMER = "_o2c.hard.one-customer@example.com"
	AGENT = "_o2c.hard.todo-agent@example.com"
	APP_ROLES = ["Credit Controller", "Collections Manager"]

	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		factories.company_ready_to_sell()
		cls.item = factories.item(stock_qty=1000, rate=100)
		cls.customer = factories.customer()
		cls.other_customer = factories.customer()
		cls.invoice = factories.sales_invoice(
			cls.customer, [(cls.item, 1, 100)], due_date=add_days(nowdate(), 10)
		).name
		factories.user(cls.RESTRICTED, cls.APP_ROLES)
		factories.user(cls.UNRESTRICTED, cls.APP_ROLES)
		factories.user(cls.ONE_CUSTOMER, ["Accounts User"])
		factories.user(cls.AGENT, ["Collections Agent"])
		add_user_permission("Company", OTHER_COMPANY, cls.RESTRICTED, ignore_permissions=True)
		add_user_permission("Customer", cls.customer, cls.ONE_CUSTOMER, ignore_permissions=True)
		frappe.db.commit()

	@classmethod
	def tearDownClass(cls):
		frappe.set_user("Administrator")
		factories.retire_users(cls.RESTRICTED, cls.UNRESTRICTED, cls.ONE_CUSTOMER, cls.AGENT)
		super().tearDownClass()

	def tearDown(self):
		frappe.set_user("Administrator")
		frappe.db.rollback()
		frappe.clear_messages()

	def call(self, user: str, method: str, **kwargs):
		frappe.set_user(user)
		try:
			return frappe.call(frappe.get_attr(f"o2c_extension.{method}"), **kwargs)
		finally:
			frappe.set_user("Administrator")

	def assert_refused(self, user: str, method: str, **kwargs):
		with self.assertRaises(frappe.PermissionError, msg=f"{method} as {user}"):
			self.call(user, method, **kwargs)
		frappe.clear_messages()

	def test_a_user_restricted_to_another_company_sees_nothing_of_this_one(self):
		company = {"filters": {"company": factories.COMPANY}}
		exposure = {"customer": self.customer}
		before = frappe.db.get_value("Sales Invoice", self.invoice, ["collection_status", "disputed"])
		for user, allowed in ((self.RESTRICTED, False), (self.UNRESTRICTED, True)):
			calls = [
				("api.credit.get_exposure", {**exposure, "company": factories.COMPANY}),
				("order_to_cash.kpi.pending_credit_holds_card", company),
				("order_to_cash.kpi.dso_card", company),
				("api.collections.record_dispute", {"sales_invoice": self.invoice, "reason": "damaged"}),
			]
			if not allowed:  # (allowed, it would queue a real run of the company's invoices)
				calls.append(("api.collections.run_now", {"company": factories.COMPANY}))
			for method, kwargs in calls:
				if allowed:
					self.assertTrue(self.call(user, method, **kwargs), method)
				else:
					self.assert_refused(user, method, **kwargs)
			frappe.db.rollback()
		self.assertEqual(
			frappe.db.get_value("Sales Invoice", self.invoice, ["collection_status", "disputed"]), before
		)
		# the company the user may see
		self.assertEqual(
			self.call(self.RESTRICTED, "api.credit.get_exposure", **exposure, company=OTHER_COMPANY)[
				"company"
			],
			OTHER_COMPANY,
		)
		self.assertIn(
			"value",
			self.call(
				self.RESTRICTED,
				"order_to_cash.kpi.pending_credit_holds_card",
				filters={"company": OTHER_COMPANY},
			),
		)
		self.assertIn("jobs", self.call(self.RESTRICTED, "api.collections.run_now", company=OTHER_COMPANY))

	def test_user_permissions_on_customers_keep_company_wide_kpis_hidden(self):
		# an Accounts User reads every invoice by role, but this one only those of one customer
		for card in ("dso_card", "pending_credit_holds_card", "schedule_adherence_card"):
			self.assert_refused(
				self.ONE_CUSTOMER, f"order_to_cash.kpi.{card}", filters={"company": factories.COMPANY}
			)
		# a customer's own exposure, within the User Permission
		answer = self.call(
			self.ONE_CUSTOMER, "api.credit.get_exposure", customer=self.customer, company=factories.COMPANY
		)
		self.assertEqual(answer["customer"], self.customer)
		self.assert_refused(
			self.ONE_CUSTOMER,
			"api.credit.get_exposure",
			customer=self.other_customer,
			company=factories.COMPANY,
		)

	def test_an_agent_acts_on_the_invoices_an_open_todo_assigns_it(self):
		dispute = {"sales_invoice": self.invoice, "reason": "wrong quantity"}
		self.assert_refused(self.AGENT, "api.collections.record_dispute", **dispute)
		# a ToDo alone (no share: the run or a manager may assign without sharing)
		todo = frappe.get_doc(
			{
				"doctype": "ToDo",
				"allocated_to": self.AGENT,
				"reference_type": "Sales Invoice",
				"reference_name": self.invoice,
				"description": "collect",
			}
		).insert(ignore_permissions=True)
		self.assertFalse(frappe.has_permission("Sales Invoice", "read", self.invoice, user=self.AGENT))
		answer = self.call(self.AGENT, "api.collections.record_dispute", **dispute)
		self.assertEqual(answer["collection_status"], core.DISPUTED)
		todo.db_set("status", "Closed")
		self.assert_refused(self.AGENT, "api.collections.resolve_dispute", sales_invoice=self.invoice)
		self.assertEqual(frappe.db.get_value("Sales Invoice", self.invoice, "disputed"), 1)

	def test_only_the_collections_run_creates_collection_actions(self):
		creators = [row.role for row in frappe.get_meta("Collection Action").permissions if row.create]
		self.assertEqual(creators, [])
		self.assertFalse(frappe.has_permission("Collection Action", "create", user=self.UNRESTRICTED))


class TestUserPermissionsEverywhere(FrappeTestCase):
	"""Issue 11: every whitelisted method of the app and its three script reports honour User
	Permissions on company and customer, in the real-books world (EUR-billed customers, VAT, an
	additional discount, three instalments, a second company).

	Two users hold every role the methods ask for: one kept to the first company by a User
	Permission, one kept to one customer. With the other company's (or another customer's) records
	each method answers 403 and writes nothing, each report lists none of them; with their own each
	answers as usual (so a 403 above is the User Permission's, not a broken request). ERPNext's own
	sales and accounts user of the books world (`books.RESTRICTED_USER`) is refused the other
	company too. In process, as /api/method and query_report.run calls."""

	COMPANY_USER = "_o2c.every.first-company@example.com"
	CUSTOMER_USER = "_o2c.every.one-customer@example.com"
	ROLES = [
		"Sales User",
		"Sales Manager",
		"Accounts User",
		"Stock User",
		"Credit Controller",
		"Collections Manager",
		"Collections Agent",
	]
	KPI = "o2c_extension.order_to_cash.kpi."
	CARDS = (
		"dso_card",
		"overdue_receivables_card",
		"collection_effectiveness_card",
		"pending_credit_holds_card",
		"credit_decision_time_card",
		"schedule_adherence_card",
	)
	MAPPERS = "o2c_extension.scheduling.doctype.scheduling_agreement.scheduling_agreement."

	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		frappe.set_user("Administrator")
		world = books.world()
		cls.first, cls.second = world.company, world.second_company
		cls.item = factories.item(stock_qty=1000, rate=100)
		# mine: the customer the customer-restricted user may see; theirs: another of the first
		# company; abroad: a customer of the second company
		cls.mine = books.eur_customer(eur_receivable=False)
		cls.theirs = books.eur_customer(eur_receivable=False)
		cls.abroad = factories.customer()
		cls.parties = parties = {
			"mine": (cls.mine, cls.first),
			"theirs": (cls.theirs, cls.first),
			"abroad": (cls.abroad, cls.second),
		}

		# overdue invoices (the first instalment fell due 45 days ago), before any credit policy
		posted = add_days(nowdate(), -45)
		cls.invoices = {
			key: [cls.invoice(customer, company, posted) for _copy in range(2)]
			for key, (customer, company) in parties.items()
		}
		# credit policies everyone fails: orders are submitted On Hold, each with its Credit Hold
		for customer, company in parties.values():
			frappe.get_doc(
				{"doctype": "Credit Policy", "company": company, "customer": customer, "credit_limit": 100}
			).insert()
		cls.holds = {
			key: [cls.held(customer, company) for _copy in range(4)]
			for key, (customer, company) in parties.items()
		}
		# Active agreements with a Firm line due within the horizon, and submitted quotations
		cls.agreements = {
			key: cls.agreement(customer, company) for key, (customer, company) in parties.items()
		}
		cls.quotations = {
			key: cls.quotation(customer, company) for key, (customer, company) in parties.items()
		}

		# a Collection Case of each customer, as the run opens them
		cls.cases = {key: collection_case(customer, company) for key, (customer, company) in parties.items()}
		books.restricted_user(cls.first, cls.COMPANY_USER, cls.ROLES)
		factories.user(cls.CUSTOMER_USER, cls.ROLES)
		add_user_permission("Customer", cls.mine, cls.CUSTOMER_USER, ignore_permissions=True)
		frappe.db.commit()

	@classmethod
	def tearDownClass(cls):
		frappe.set_user("Administrator")
		factories.retire_users(cls.COMPANY_USER, cls.CUSTOMER_USER)
		super().tearDownClass()

	def tearDown(self):
		frappe.set_user("Administrator")
		frappe.db.rollback()
		frappe.clear_messages()

	# --- the world ---------------------------------------------------------------------------

	@classmethod
	def invoice(cls, customer: str, company: str, posting_date) -> str:
		currency = None if company == cls.first else factories.CURRENCY
		return books.sales_invoice(
			customer, [(cls.item, 5, 100)], company=company, currency=currency, posting_date=posting_date
		).name

	@classmethod
	def held(cls, customer: str, company: str) -> str:
		currency = None if company == cls.first else factories.CURRENCY
		order = books.sales_order(customer, [(cls.item, 2, 100)], company=company, currency=currency)
		hold = frappe.db.get_value("Sales Order", order.name, "credit_hold")
		assert hold, f"{order.name} was not held"
		return hold

	@classmethod
	def agreement(cls, customer: str, company: str) -> str:
		warehouse = f"Stores - {books.abbr(company)}"
		doc = frappe.get_doc(
			{
				"doctype": "Scheduling Agreement",
				"customer": customer,
				"company": company,
				"currency": factories.CURRENCY,
				"selling_price_list": factories.price_list(),
				"valid_from": nowdate(),
				"valid_to": add_days(nowdate(), 180),
				"release_horizon_days": 5,
				"items": [{"item_code": cls.item, "agreed_qty": 1000, "rate": 10, "warehouse": warehouse}],
				"schedule": [
					{
						"item_code": cls.item,
						"schedule_date": add_days(nowdate(), 1),
						"qty": 3,
						"line_type": "Firm",
					}
				],
			}
		).insert()
		doc.submit()
		return doc.name

	@classmethod
	def quotation(cls, customer: str, company: str) -> str:
		doc = frappe.get_doc(
			{
				"doctype": "Quotation",
				"quotation_to": "Customer",
				"party_name": customer,
				"company": company,
				"currency": factories.CURRENCY,
				"selling_price_list": factories.price_list(),
				"transaction_date": nowdate(),
				"valid_till": add_days(nowdate(), 90),
				"items": [{"item_code": cls.item, "qty": 5, "rate": 100}],
			}
		).insert()
		doc.submit()
		frappe.clear_messages()  # the credit warning
		return doc.name

	# --- calls -------------------------------------------------------------------------------

	def call(self, user: str, method: str, **kwargs):
		frappe.set_user(user)
		try:
			return frappe.call(frappe.get_attr(method), **kwargs)
		finally:
			frappe.set_user("Administrator")

	def refusals(self, cases) -> list[str]:
		"""The (user, method, kwargs) cases that were not refused with a PermissionError."""
		wrong = []
		for user, method, kwargs in cases:
			try:
				answer = self.call(user, method, **kwargs)
			except frappe.PermissionError:
				frappe.clear_messages()
				continue
			except Exception as error:
				wrong.append(f"{method} as {user}: {type(error).__name__} {str(error)[:200]}")
			else:
				wrong.append(f"{method} as {user}: answered {str(answer)[:200]}")
			finally:
				frappe.db.rollback()
		return wrong

	def assert_refused(self, cases) -> None:
		wrong = self.refusals(cases)
		self.assertEqual(wrong, [], "\n" + "\n".join(wrong))

	def assert_answered(self, user: str, method: str, **kwargs):
		answer = self.call(user, method, **kwargs)
		frappe.clear_messages()
		return answer

	def restricted_to_first(self) -> tuple[str, ...]:
		return (self.COMPANY_USER, books.RESTRICTED_USER)

	def report(self, user: str, name: str, **filters) -> list[dict] | None:
		"""The report's rows for `user`, or None when it was refused with a PermissionError."""
		from frappe.desk.query_report import run

		frappe.set_user(user)
		try:
			result = run(name, filters=filters, ignore_prepared_report=True)["result"]
			return [row for row in result if isinstance(row, dict)]  # not a total row
		except frappe.PermissionError:
			frappe.clear_messages()
			return None
		finally:
			frappe.set_user("Administrator")

	# --- the tests ---------------------------------------------------------------------------

	def test_every_whitelisted_method_is_covered(self):
		covered = {
			"o2c_extension.api.credit.get_exposure",
			"o2c_extension.api.credit.score_customer",
			"o2c_extension.api.credit.release_hold",
			"o2c_extension.api.credit.reject_hold",
			"o2c_extension.api.credit.approve_limit_request",
			"o2c_extension.api.credit.reject_limit_request",
			"o2c_extension.api.scheduling.import_release",
			"o2c_extension.api.scheduling.import_release_csv",
			"o2c_extension.api.scheduling.release_now",
			"o2c_extension.api.scheduling.import_edifact",
			"o2c_extension.api.collections.record_promise",
			"o2c_extension.api.collections.record_dispute",
			"o2c_extension.api.collections.resolve_dispute",
			"o2c_extension.api.collections.run_now",
			"o2c_extension.api.collections.preview_run",
			"o2c_extension.api.collections.log_contact",
			*(self.KPI + card for card in self.CARDS),
			self.MAPPERS + "make_scheduling_agreement",
			self.MAPPERS + "make_sales_order",
			WORKSPACE + "companies",
			WORKSPACE + "set_company",
			CHART,
		}
		self.assertEqual(app_whitelisted_methods(), covered, "add the new method's cases to this class")

	def test_exposure_and_score(self):
		exposure, score = "o2c_extension.api.credit.get_exposure", "o2c_extension.api.credit.score_customer"
		self.assert_refused(
			[
				(user, method, {"customer": self.abroad, "company": self.second})
				for user in self.restricted_to_first()
				for method in (exposure, score)
			]
			+ [
				(self.CUSTOMER_USER, method, {"customer": self.theirs, "company": self.first})
				for method in (exposure, score)
			]
		)
		for user in (self.COMPANY_USER, self.CUSTOMER_USER):
			answer = self.assert_answered(user, exposure, customer=self.mine, company=self.first)
			self.assertGreater(answer["receivables"], 0)
			answer = self.assert_answered(user, score, customer=self.mine, company=self.first)
			self.assertEqual(answer["customer"], self.mine)

	def test_credit_hold_decisions(self):
		release, reject = "o2c_extension.api.credit.release_hold", "o2c_extension.api.credit.reject_hold"
		others = {self.COMPANY_USER: "abroad", books.RESTRICTED_USER: "abroad", self.CUSTOMER_USER: "theirs"}
		self.assert_refused(
			[
				(user, method, {"name": self.holds[key][index], "comment": "decided"})
				for user, key in others.items()
				for index, method in enumerate((release, reject))
			]
		)
		for key in ("abroad", "theirs"):
			self.assertEqual(
				{frappe.db.get_value("Credit Hold", hold, "status") for hold in self.holds[key]}, {"Pending"}
			)
		for offset, user in ((0, self.COMPANY_USER), (2, self.CUSTOMER_USER)):
			self.assertEqual(
				self.assert_answered(user, release, name=self.holds["mine"][offset], comment="ok")["status"],
				"Released",
			)
			self.assertEqual(
				self.assert_answered(user, reject, name=self.holds["mine"][offset + 1], comment="no")[
					"status"
				],
				"Rejected",
			)

	def limit_request(self, key: str, limit: float = 5000) -> str:
		customer = {"mine": self.mine, "theirs": self.theirs, "abroad": self.abroad}[key]
		company = self.second if key == "abroad" else self.first
		return (
			frappe.get_doc(
				{
					"doctype": "Credit Limit Request",
					"customer": customer,
					"company": company,
					"requested_limit": limit,
					"reason": "a larger order",
					"status": "Pending",
				}
			)
			.insert()
			.name
		)

	def test_credit_limit_request_decisions(self):
		approve = "o2c_extension.api.credit.approve_limit_request"
		reject = "o2c_extension.api.credit.reject_limit_request"
		requests_ = {key: self.limit_request(key) for key in ("theirs", "abroad")}
		frappe.db.commit()
		others = {self.COMPANY_USER: "abroad", books.RESTRICTED_USER: "abroad", self.CUSTOMER_USER: "theirs"}
		self.assert_refused(
			[
				(user, method, {"name": requests_[key], "comment": "decided"})
				for user, key in others.items()
				for method in (approve, reject)
			]
		)
		for name in requests_.values():
			self.assertEqual(frappe.db.get_value("Credit Limit Request", name, "status"), "Pending")
		for user, method, status, limit in (
			(self.COMPANY_USER, approve, "Approved", 5000),
			(self.CUSTOMER_USER, reject, "Rejected", 9000),
		):
			name = self.limit_request("mine", limit)
			self.assertEqual(
				self.assert_answered(user, method, name=name, comment="decided")["status"], status
			)

	def scheduling_calls(self, agreement: str, tag: str) -> list[tuple[str, dict]]:
		line = (self.item, add_days(nowdate(), 3), 4, "Firm")
		base = {"scheduling_agreement": agreement, "release_date": nowdate()}
		keys = ("item_code", "schedule_date", "qty", "line_type")
		return [
			(
				"o2c_extension.api.scheduling.import_release",
				{**base, "release_no": f"UP-{tag}-1", "lines": [dict(zip(keys, line, strict=True))]},
			),
			(
				"o2c_extension.api.scheduling.import_release_csv",
				{
					**base,
					"release_no": f"UP-{tag}-2",
					"csv_text": "item_code,schedule_date,qty,line_type\n" + ",".join(map(str, line)),
				},
			),
			("o2c_extension.api.scheduling.release_now", {"scheduling_agreement": agreement}),
			(
				"o2c_extension.api.scheduling.import_edifact",
				{
					"content": edifact_samples.interchange(
						edifact_samples.message(
							"M1",
							f"UP-{tag}-3",
							frappe.db.get_value("Scheduling Agreement", agreement, "customer"),
							[{"item": self.item, "kind": "SA", "lines": [(True, 4, 3)]}],
						)
					)
				},
			),
		]

	def test_scheduling_methods(self):
		others = {self.COMPANY_USER: "abroad", books.RESTRICTED_USER: "abroad", self.CUSTOMER_USER: "theirs"}
		self.assert_refused(
			[
				(user, method, kwargs)
				for user, key in others.items()
				for method, kwargs in self.scheduling_calls(self.agreements[key], f"{key}-{user}")
			]
		)
		for key in ("abroad", "theirs"):
			self.assertEqual(
				frappe.db.count("Schedule Release", {"scheduling_agreement": self.agreements[key]}), 0
			)
			self.assertEqual(
				frappe.db.count("Sales Order", {"scheduling_agreement": self.agreements[key]}), 0
			)
		for user in (self.COMPANY_USER, self.CUSTOMER_USER):
			for method, kwargs in self.scheduling_calls(self.agreements["mine"], f"mine-{user}"):
				self.assert_answered(user, method, **kwargs)
				frappe.db.rollback()

	def test_mappers(self):
		to_agreement, to_order = self.MAPPERS + "make_scheduling_agreement", self.MAPPERS + "make_sales_order"
		others = {self.COMPANY_USER: "abroad", books.RESTRICTED_USER: "abroad", self.CUSTOMER_USER: "theirs"}
		self.assert_refused(
			[(user, to_order, {"source_name": self.agreements[key]}) for user, key in others.items()]
			+ [
				(user, to_agreement, {"source_name": self.quotations["abroad"]})
				for user in self.restricted_to_first()
			]
		)
		for user in (self.COMPANY_USER, self.CUSTOMER_USER):
			self.assertEqual(
				self.assert_answered(user, to_order, source_name=self.agreements["mine"]).customer, self.mine
			)
			self.assertEqual(
				self.assert_answered(user, to_agreement, source_name=self.quotations["mine"]).customer,
				self.mine,
			)

	def test_user_permission_check_follows_dynamic_links(self):
		from o2c_extension import access

		frappe.set_user(self.CUSTOMER_USER)
		try:
			access.check_user_permissions(frappe.get_doc("Quotation", self.quotations["mine"]))
			with self.assertRaises(frappe.PermissionError):
				access.check_user_permissions(frappe.get_doc("Quotation", self.quotations["theirs"]))
		finally:
			frappe.set_user("Administrator")
		frappe.clear_messages()

	def test_quotation_mapper_honours_customer_permissions(self):
		# a Quotation names its customer in a Dynamic Link (party_name), which Frappe's own User
		# Permission check passes over
		self.assert_refused(
			[
				(
					self.CUSTOMER_USER,
					self.MAPPERS + "make_scheduling_agreement",
					{"source_name": self.quotations["theirs"]},
				)
			]
		)

	def test_collections_methods(self):
		api = "o2c_extension.api.collections."
		calls = (
			("record_dispute", {"reason": "wrong quantity"}),
			("resolve_dispute", {}),
			("record_promise", {"promise_date": add_days(nowdate(), 7), "note": "by phone"}),
		)
		others = {self.COMPANY_USER: "abroad", books.RESTRICTED_USER: "abroad", self.CUSTOMER_USER: "theirs"}
		before = {
			invoice: invoice_state_of(invoice)
			for key in ("abroad", "theirs")
			for invoice in self.invoices[key]
		}
		self.assert_refused(
			[
				(user, api + method, {"sales_invoice": self.invoices[key][0], **kwargs})
				for user, key in others.items()
				for method, kwargs in calls
			]
		)
		self.assertEqual({invoice: invoice_state_of(invoice) for invoice in before}, before)
		for index, user in enumerate((self.COMPANY_USER, self.CUSTOMER_USER)):
			for method, kwargs in calls:
				self.assert_answered(user, api + method, sales_invoice=self.invoices["mine"][index], **kwargs)

	def test_preview_run(self):
		method = "o2c_extension.api.collections.preview_run"
		# the preview shows every customer of the company, as the run acts on all of them
		self.assert_refused(
			[(user, method, {"company": self.second}) for user in self.restricted_to_first()]
			+ [(self.CUSTOMER_USER, method, {"company": self.first})]
		)
		self.assertIn("customers", self.assert_answered(self.COMPANY_USER, method, company=self.first))

	def test_log_contact(self):
		method = "o2c_extension.api.collections.log_contact"
		cases = self.cases
		comments = frappe.db.count("Comment", {"reference_doctype": "Collection Case"})
		others = {self.COMPANY_USER: "abroad", books.RESTRICTED_USER: "abroad", self.CUSTOMER_USER: "theirs"}
		self.assert_refused(
			[
				(user, method, {"collection_case": cases[key], "note": "called", "kind": "Call"})
				for user, key in others.items()
			]
		)
		self.assertEqual(frappe.db.count("Comment", {"reference_doctype": "Collection Case"}), comments)
		self.assert_answered(self.CUSTOMER_USER, method, collection_case=cases["mine"], note="called")

	def test_run_now(self):
		method = "o2c_extension.api.collections.run_now"
		# (allowed, the run would be queued for real: TestCompanyRestriction shows that side)
		self.assert_refused(
			[(user, method, {"company": self.second}) for user in self.restricted_to_first()]
			# the run acts on every customer of the company
			+ [(self.CUSTOMER_USER, method, {"company": self.first})]
		)

	def test_kpi_cards(self):
		self.assert_refused(
			[
				(user, self.KPI + card, {"filters": {"company": self.second}})
				for user in self.restricted_to_first()
				for card in self.CARDS
			]
			# company-wide figures: not for a user kept to some customers
			+ [
				(self.CUSTOMER_USER, self.KPI + card, {"filters": {"company": self.first}})
				for card in self.CARDS
			]
		)
		for card in self.CARDS:
			self.assertIn(
				"value",
				self.assert_answered(self.COMPANY_USER, self.KPI + card, filters={"company": self.first}),
			)

	def test_workspace_company_and_charts(self):
		chart = {"chart_name": "Invoices by Collection Status"}
		self.assert_refused(
			[
				(user, WORKSPACE + "set_company", {"company": self.second})
				for user in self.restricted_to_first()
			]
			+ [
				(user, CHART, {**chart, "filters": {"company": self.second}})
				for user in self.restricted_to_first()
			]
		)
		for user in self.restricted_to_first():
			companies = self.assert_answered(user, WORKSPACE + "companies")
			self.assertIn(self.first, companies, user)
			self.assertNotIn(self.second, companies, user)
		self.assertEqual(
			self.assert_answered(self.COMPANY_USER, WORKSPACE + "set_company", company=self.first), self.first
		)
		figures = self.assert_answered(self.COMPANY_USER, CHART, **chart, filters={"company": self.first})
		self.assertTrue(figures and figures.get("labels"), figures)

	def test_credit_exposure_report(self):
		report = "Credit Exposure"
		for user in self.restricted_to_first():
			self.assertFalse(self.report(user, report, company=self.second), user)
		self.assertFalse(self.report(self.CUSTOMER_USER, report, company=self.first, customer=self.theirs))
		own = self.report(self.COMPANY_USER, report, company=self.first)
		self.assertTrue({self.mine, self.theirs} <= {row.get("customer") for row in own})
		seen = {row.get("customer") for row in self.report(self.CUSTOMER_USER, report, company=self.first)}
		self.assertEqual(seen - {None}, {self.mine})

	def test_collections_worklist_report(self):
		report = "Collections Worklist"
		for user in self.restricted_to_first():
			self.assertFalse(self.report(user, report, company=self.second), user)
		self.assertFalse(self.report(self.CUSTOMER_USER, report, company=self.first, customer=self.theirs))
		own = {row.get("sales_invoice") for row in self.report(self.COMPANY_USER, report, company=self.first)}
		self.assertTrue(set(self.invoices["mine"] + self.invoices["theirs"]) <= own)
		rows = self.report(self.CUSTOMER_USER, report, company=self.first)
		self.assertEqual({row.get("customer") for row in rows} - {None}, {self.mine})

	def test_schedule_vs_actual_report(self):
		report = "Schedule vs Actual"
		for user in self.restricted_to_first():
			self.assertFalse(self.report(user, report, company=self.second), user)
			seen = {row.get("scheduling_agreement") for row in self.report(user, report) or []}
			self.assertNotIn(self.agreements["abroad"], seen, user)
		seen = {row.get("scheduling_agreement") for row in self.report(self.COMPANY_USER, report)}
		self.assertTrue({self.agreements["mine"], self.agreements["theirs"]} <= seen)
		self.assertFalse(self.report(self.CUSTOMER_USER, report, customer=self.theirs))
		rows = self.report(self.CUSTOMER_USER, report)
		self.assertEqual({row.get("customer") for row in rows} - {None}, {self.mine})


def invoice_state_of(invoice: str) -> tuple:
	return frappe.db.get_value(
		"Sales Invoice", invoice, ["collection_status", "disputed", "dispute_reason", "promise_to_pay_date"]
	)
