"""The app's side of each benchmark: THE PLUG-IN POINTS.

Each benchmark script measures ERPNext alone and, next to it, the app's variant defined here. A
function here raises ``NotMeasuredYet`` while the DocType or function it needs has not landed;
the benchmark then reports the variant as *not measured yet* instead of a number. When a module
lands, adjust the function below (field names, the dotted path of the function to time) and run
the benchmark again; nothing else in the scripts needs to change.

Everything a plug-in creates happens inside the sample's transaction, which the harness rolls
back after timing (except the collections run, whose workers commit; see ``collections_reset``).
"""

import importlib
import json
from pathlib import Path

import frappe
from common import NotMeasuredYet
from frappe.utils import add_days, get_datetime, nowdate


def require_doctype(doctype: str, fields: tuple[str, ...] = ()) -> None:
	"""The DocType exists on the site, with ``fields`` (else the site needs a migrate)."""
	if not frappe.db.exists("DocType", doctype):
		raise NotMeasuredYet(f"DocType {doctype} does not exist yet (or the site is not migrated)")
	missing = [f for f in fields if not frappe.get_meta(doctype).has_field(f)]
	if missing:
		raise NotMeasuredYet(
			f"DocType {doctype} on the site lacks {', '.join(missing)}: migrate the site to the app's code"
		)


def require_module_migrated(package: str) -> None:
	"""The site's schema is in step with the app's code for one module (``credit_control``,
	``scheduling``, ``collections``): its DocTypes are synced (same ``modified`` as their JSON) and
	its custom fields exist. Otherwise NotMeasuredYet: a run against a half-migrated site would
	time errors, not the app."""
	app_dir = Path(importlib.import_module("o2c_extension").__file__).parent
	for path in sorted((app_dir / package / "doctype").glob("*/*.json")):
		if path.stem != path.parent.name:
			continue
		meta = json.loads(path.read_text())
		if meta.get("doctype") != "DocType":
			continue
		synced = frappe.db.get_value("DocType", meta["name"], "modified")
		if not synced or get_datetime(synced) < get_datetime(meta.get("modified")):
			raise NotMeasuredYet(
				f"the site is not migrated to the app's {package} code (DocType {meta['name']}):"
				" run bench migrate"
			)
	try:
		fields = importlib.import_module(f"o2c_extension.{package}.custom_fields").get_custom_fields()
	except (ImportError, AttributeError):
		fields = {}
	for doctype, rows in fields.items():
		for row in rows:
			if row.get("fieldtype") in ("Section Break", "Column Break", "Tab Break", "HTML"):
				continue
			if not frappe.db.has_column(doctype, row["fieldname"]):
				raise NotMeasuredYet(
					f"the site is not migrated to the app's {package} code ({doctype}.{row['fieldname']}"
					" missing): run bench migrate"
				)


def require_function(dotted_path: str):
	"""The function at ``module.path.function``, or NotMeasuredYet."""
	module_name, _, attr = dotted_path.rpartition(".")
	try:
		module = importlib.import_module(module_name)
	except ImportError as e:
		raise NotMeasuredYet(f"{dotted_path} does not exist yet ({e})") from None
	fn = getattr(module, attr, None)
	if fn is None:
		raise NotMeasuredYet(f"{dotted_path} does not exist yet")
	return fn


# ============================================================================================
# 1. Credit check (bench/credit_check.py)
#
# Expected: the app's Credit Policy for (customer, company) with check_on_sales_order on and a
# limit above the customer's exposure, so that the timed Sales Order submit runs the app's whole
# check and *passes* (same outcome as the ERPNext baseline, whose credit limit is also above the
# outstanding). Called untimed, before the order is made, inside the sample's transaction.


CREDIT_POLICY_FIELDS = ("company", "customer", "credit_limit", "check_on_sales_order", "enabled")


def credit_policy_check() -> None:
	require_module_migrated("credit_control")
	require_doctype("Credit Policy", CREDIT_POLICY_FIELDS)


def credit_policy_for(customer: str, company: str, credit_limit: float) -> None:
	credit_policy_check()
	frappe.get_doc(
		{
			"doctype": "Credit Policy",
			"company": company,
			"customer": customer,
			"credit_limit": credit_limit,
			"tolerance_percent": 0,
			"check_on_quotation": 0,
			"check_on_sales_order": 1,
			"check_on_delivery_note": 0,
			"check_on_sales_invoice": 0,
			"enabled": 1,
		}
	).insert(ignore_permissions=True)


# ============================================================================================
# 2. Exposure (bench/exposure.py)
#
# Expected: the app's exposure of (customer, company) in company currency, the same parts as
# ERPNext's get_customer_outstanding (receivables + unbilled orders + unbilled delivery notes).
# Two variants, each timed on every call: the exposure function itself (the like-for-like
# comparison with ERPNext's function) and the REST method integrators call (adds the policy,
# the limit, the oldest overdue days and the permission check).

EXPOSURE_FUNCTION = "o2c_extension.credit_control.exposure.get_exposure"
EXPOSURE_API = "o2c_extension.api.credit.get_exposure"


def exposure_check(api: bool = False) -> None:
	require_module_migrated("credit_control")
	require_function(EXPOSURE_API if api else EXPOSURE_FUNCTION)


def exposure(customer: str, company: str):
	return require_function(EXPOSURE_FUNCTION)(customer=customer, company=company)


def exposure_api(customer: str, company: str):
	"""The REST method as `/api/method/...` runs it: `frappe.handler.execute_cmd` with the form."""
	import frappe.handler

	require_function(EXPOSURE_API)
	if not getattr(frappe.local, "request", None):
		frappe.local.request = frappe._dict(method="GET")
	frappe.local.form_dict = frappe._dict(cmd=EXPOSURE_API, customer=customer, company=company)
	return frappe.handler.execute_cmd(EXPOSURE_API)


# ============================================================================================
# 3. Call-off (bench/calloff.py)
#
# Expected: ``calloff_setup`` (untimed) makes and submits a Scheduling Agreement for
# ctx["customer"] in ctx["company"] with one Firm schedule line per (date, item) for
# ``orders`` consecutive dates starting tomorrow, inside the release horizon, with the items, qtys
# and rates of ctx["lines"]; it returns what ``calloff_run`` needs. ``calloff_run`` (timed) calls
# the app's call-off and returns the names of the Sales Orders it made; the harness checks that
# there are exactly ``orders`` of them. The baseline creates the same orders directly.

RELEASE_NOW_FUNCTION = "o2c_extension.api.scheduling.release_now"


AGREEMENT_FIELDS = ("customer", "company", "release_horizon_days", "items", "schedule")


def calloff_check() -> None:
	require_module_migrated("scheduling")
	require_doctype("Scheduling Agreement", AGREEMENT_FIELDS)
	require_function(RELEASE_NOW_FUNCTION)


def calloff_setup(ctx: dict, orders: int):
	calloff_check()
	release_now = require_function(RELEASE_NOW_FUNCTION)
	today = nowdate()
	dates = [add_days(today, day) for day in range(1, orders + 1)]
	agreement = frappe.get_doc(
		{
			"doctype": "Scheduling Agreement",
			"customer": ctx["customer"],
			"company": ctx["company"],
			"currency": ctx["currency"],
			"selling_price_list": ctx["price_list"],
			"valid_from": today,
			"valid_to": add_days(today, orders + 365),
			"release_horizon_days": orders + 1,
			"tolerance_percent": 0,
			"items": [
				{
					"item_code": code,
					"uom": "Nos",
					"rate": rate,
					"agreed_qty": qty * orders,
					"warehouse": ctx["warehouse"],
				}
				for code, qty, rate in ctx["lines"]
			],
			"schedule": [
				{"item_code": code, "schedule_date": date, "qty": qty, "line_type": "Firm"}
				for date in dates
				for code, qty, _rate in ctx["lines"]
			],
		}
	)
	agreement.insert(ignore_permissions=True)
	agreement.submit()
	return {"agreement": agreement.name, "release_now": release_now}


def calloff_run(state) -> list[str]:
	made = state["release_now"](scheduling_agreement=state["agreement"])
	return list(made or [])


# ============================================================================================
# 4. Collections run (bench/collections_run.py)
#
# The harness emulates the RQ "long" queue: it calls the app's run with ``enqueue=True`` in the
# parent process while capturing every ``frappe.enqueue`` (timed: finding the open invoices and
# planning the chunks), then lets 1 or 2 pre-connected worker processes execute the captured jobs,
# each worker taking the next job as soon as it is free (timed: first job start to last job end).
# Expected:
# - ``collections_setup(company, path, customers=None)`` (untimed; the harness commits) makes the
#   company's Collections Rules: ``"no-action"``: a step due for none of the open invoices (every
#   invoice is evaluated, nothing is done); ``"action"``: steps due for most of them (a ToDo at due
#   date and another 30 days later), for the whole company, or with ``customers`` only for their
#   invoices (one rule per customer; the rest of the company keeps the no-action rule, so every
#   open invoice is still evaluated).
# - ``COLLECTIONS_RUN_FUNCTION(company=..., enqueue=True)`` enqueues the run's jobs.
# - ``collections_evaluated(job_result, job_kwargs)`` / ``collections_actions(job_result)``: how
#   many invoices a job evaluated / how many steps it applied.
# - ``collections_reset(company)`` (untimed; the harness commits) removes what runs made, so that
#   the next repetition's first run starts clean. Only ever called for the benchmark companies.

COLLECTIONS_RUN_FUNCTION = "o2c_extension.collections.runner.run"
COLLECTIONS_CHUNK_FUNCTION = "o2c_extension.collections.runner.process_chunk"


def collections_check() -> None:
	require_module_migrated("collections")
	require_doctype("Collections Rule", ("company", "enabled", "steps"))
	require_doctype("Collection Action", ("sales_invoice",))
	require_function(COLLECTIONS_RUN_FUNCTION)


COLLECTOR = "_o2c-bench-collector@example.com"  # holds the roles the action path assigns ToDos to


def collections_user() -> str:
	"""A user with the Collections Agent and Manager roles: the action path's ToDos go to a role
	holder, and a site without one would time failed steps instead of ToDos."""
	roles = ("Collections Agent", "Collections Manager")
	if not frappe.db.exists("User", COLLECTOR):
		frappe.get_doc(
			{
				"doctype": "User",
				"email": COLLECTOR,
				"first_name": "O2C Bench Collector",
				"send_welcome_email": 0,
				"user_type": "System User",
				"roles": [{"role": role} for role in roles],
			}
		).insert(ignore_permissions=True)
	else:
		user = frappe.get_doc("User", COLLECTOR)
		missing = [role for role in roles if role not in {r.role for r in user.roles}]
		if missing:
			user.add_roles(*missing)
	return COLLECTOR


NO_ACTION_STEPS = [{"day_offset": 9999, "action": "Create ToDo", "assign_to_role": "Collections Agent"}]
ACTION_STEPS = [
	{"day_offset": 0, "action": "Create ToDo", "assign_to_role": "Collections Agent"},
	{"day_offset": 30, "action": "Create ToDo", "assign_to_role": "Collections Manager"},
]


def collections_setup(company: str, path: str, customers: list[str] | None = None) -> None:
	collections_check()
	if path == "action":
		collections_user()
	for name in frappe.get_all("Collections Rule", {"company": company}, pluck="name"):
		frappe.delete_doc("Collections Rule", name, ignore_permissions=True, force=True)
	company_wide = ACTION_STEPS if path == "action" and not customers else NO_ACTION_STEPS
	_collections_rule(f"_O2C Bench {path} {company}", company, company_wide)
	if path == "action":
		for customer in customers or ():
			_collections_rule(f"_O2C Bench action {customer}", company, ACTION_STEPS, customer=customer)


def _collections_rule(rule_name: str, company: str, steps: list[dict], **scope) -> None:
	frappe.get_doc(
		{
			"doctype": "Collections Rule",
			"rule_name": rule_name,  # rule names are unique across companies
			"company": company,
			"enabled": 1,
			"min_outstanding": 0,
			"steps": [dict(step) for step in steps],
			**({"scope": "Customer", **scope} if scope else {}),
		}
	).insert(ignore_permissions=True)


def collections_run(company: str):
	return require_function(COLLECTIONS_RUN_FUNCTION)(company=company, enqueue=True)


def collections_evaluated(job_result, job_kwargs: dict) -> int:
	if isinstance(job_result, dict) and "invoices" in job_result:
		return int(job_result["invoices"])
	return len(job_kwargs.get("invoice_names") or ())


def collections_actions(job_result) -> int:
	if isinstance(job_result, dict):
		return int(job_result.get("actions") or 0)
	return 0


def collections_reset(company: str) -> None:
	collections_check()
	invoices = "select name from `tabSales Invoice` where company = %(company)s"
	args = {"company": company}
	frappe.db.sql(f"delete from `tabCollection Action` where sales_invoice in ({invoices})", args)
	frappe.db.sql(
		f"delete from `tabToDo` where reference_type = 'Sales Invoice' and reference_name in ({invoices})",
		args,
	)
	# what assigning a ToDo leaves on the invoice: its timeline comments and the share with the
	# assignee (without it, a later repetition would update the share instead of making one)
	frappe.db.sql(
		f"""delete from `tabComment` where reference_doctype = 'Sales Invoice'
		and comment_type in ('Assigned', 'Shared', 'Assignment Completed') and reference_name in ({invoices})""",
		args,
	)
	frappe.db.sql(
		f"delete from `tabDocShare` where share_doctype = 'Sales Invoice' and share_name in ({invoices})",
		args,
	)
	frappe.db.sql(
		f"update `tabSales Invoice` set `_assign` = null, `_comments` = null where name in ({invoices})",
		args,
	)
	frappe.db.sql(
		f"""delete from `tabEmail Queue` where reference_doctype = 'Sales Invoice'
		and reference_name in ({invoices})""",
		args,
	)
	dunnings = frappe.get_all("Dunning", {"company": company}, pluck="name")
	if dunnings:
		frappe.db.sql("delete from `tabOverdue Payment` where parent in %(d)s", {"d": tuple(dunnings)})
		frappe.db.sql("delete from `tabDunning` where name in %(d)s", {"d": tuple(dunnings)})
	if frappe.get_meta("Sales Invoice").has_field("collection_status"):
		frappe.db.sql(
			"update `tabSales Invoice` set collection_status = null where company = %(company)s", args
		)
	if frappe.get_meta("Sales Invoice").has_field("collections_evaluation_key"):
		frappe.db.sql(
			"update `tabSales Invoice` set collections_evaluation_key = null where company = %(company)s",
			args,
		)
	if frappe.get_meta("Sales Invoice").has_field("collections_next_evaluation"):
		frappe.db.sql(
			"""update `tabSales Invoice` set collections_next_evaluation = null,
			collections_evaluated_modified = null where company = %(company)s""",
			args,
		)
	# the tasks the runs gave the customers' Collection Cases (one per case: without removing it, a
	# later repetition would add to the open task instead of making one), their timelines, shares
	# and e-mails; the cases stay, as a day's run finds them open (opening every account's case is
	# a first run's cost, not a day's)
	cases = "select name from `tabCollection Case` where company = %(company)s"
	for table, column, kind in (
		("ToDo", "reference_name", "reference_type"),
		("Comment", "reference_name", "reference_doctype"),
		("DocShare", "share_name", "share_doctype"),
		("Email Queue", "reference_name", "reference_doctype"),
	):
		frappe.db.sql(
			f"delete from `tab{table}` where {kind} = 'Collection Case' and {column} in ({cases})", args
		)
	frappe.db.sql(
		"""update `tabCollection Case` set assigned_to = null, `_assign` = null
		where company = %(company)s""",
		args,
	)


def collections_mark_evaluated(company: str, except_customers: list[str]) -> int:
	"""Leave the company's open invoices as a finished run leaves an account with nothing due
	(issue 16): the app's own evaluation key as it stands, and no next evaluation date (time alone
	changes nothing for them); the invoices of `except_customers` keep no key, as new or changed
	ones do, so the next run selects exactly their accounts. Returns the invoices marked."""
	from o2c_extension.collections import context

	frappe.db.sql(
		"""
		update `tabSales Invoice` si
		set si.collections_evaluation_key = if(si.customer in %(skip)s, null, %(evaluation_version)s),
			si.collections_evaluated_modified = if(si.customer in %(skip)s, null, si.modified),
			si.collections_next_evaluation = null
		where si.company = %(company)s and si.docstatus = 1 and si.outstanding_amount > 0
		""",
		{
			"company": company,
			"skip": tuple(except_customers) or ("",),
			"evaluation_version": context.evaluation_version(),
		},
	)
	return frappe.db.sql(
		"""select count(*) from `tabSales Invoice` where company = %s and docstatus = 1
		and outstanding_amount > 0 and collections_evaluation_key is not null""",
		company,
	)[0][0]
