"""docs/API.md, run for real: every example in it is sent over HTTP to a bench web server with
API-key authentication and must answer as documented; every whitelisted method of the app must be
documented there; and every method refuses, with HTTP 403 PermissionError and nothing written,
a user without its role, Guest, and (with 401) a wrong key.

The example format is described at the end of docs/API.md; `parse_examples` reads it and
`compare` checks an answer against a documented one (both are exercised against wrong examples in
`test_a_wrong_example_fails`, so a broken document cannot pass silently).
"""

import ast
import json
import re
import shlex
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from pathlib import Path
from time import sleep
from urllib.parse import quote

import frappe
import pytest
import requests
from frappe.utils import add_days, formatdate, getdate, now_datetime, nowdate
from frappe.utils.background_jobs import get_job

from o2c_extension.collections import disputes, runner
from o2c_extension.scheduling import release as releases
from tests.integration import collections_helpers, factories, web
from tests.integration import credit_control_helpers as credit
from tests.integration import scheduling_helpers as scheduling

REPO = Path(__file__).resolve().parents[2]
API_MD = REPO / "docs" / "API.md"
APP = REPO / "o2c_extension"

# who the examples run as (`user=` in API.md); roles as API.md's last section lists them
USERS = {
	"controller": ("_o2c.api.controller@example.com", ["Credit Controller", "Sales User", "Accounts User"]),
	"sales": ("_o2c.api.sales@example.com", ["Sales User", "Sales Manager", "Stock User"]),
	"collections": ("_o2c.api.collections@example.com", ["Collections Manager", "Accounts User"]),
	"agent": ("_o2c.api.agent@example.com", ["Collections Agent"]),
	"manager": ("_o2c.api.manager@example.com", ["Accounts Manager", "Accounts User", "Sales Manager"]),
	"outsider": ("_o2c.api.outsider@example.com", [factories.OUTSIDER_ROLE]),
}
AUTH_FROM_KEY = "token $API_KEY:$API_SECRET"
PLACEHOLDER = re.compile(r"\{([a-z0-9_]+)\}")


# --- API.md: parsing ---------------------------------------------------------------------------


@dataclass
class Request:
	method: str
	url: str  # starts with $SITE; placeholders not yet filled
	headers: dict[str, str] = field(default_factory=dict)
	params: list[tuple[str, str]] = field(default_factory=list)
	body: str | None = None


@dataclass
class Example:
	line: int
	user: str
	varies: tuple[str, ...]
	request: Request
	status: int
	response: object

	@property
	def id(self) -> str:
		path = self.request.url.removeprefix("$SITE").split("?")[0]
		return f"L{self.line}-{self.request.method}-{path.rsplit('.', 1)[-1] if '/method/' in path else path}"


ANNOTATION = re.compile(r"^<!-- example (?P<args>[^>]*?) -->$")
FENCE = re.compile(r"^```(?P<lang>\w*)$")


def parse_examples(text: str) -> list[Example]:
	"""Every annotated example of API.md. Raises ValueError on a curl block without an annotation,
	an annotation without its curl and http blocks, or anything the format does not allow."""
	lines = text.splitlines()
	examples = []
	index = 0
	while index < len(lines):
		line = lines[index]
		match = ANNOTATION.match(line)
		if match:
			annotation_line = index + 1
			args = dict(_pair(arg, annotation_line) for arg in match["args"].split())
			if set(args) - {"user", "varies"} or "user" not in args:
				raise ValueError(f"API.md line {annotation_line}: annotation needs user= (and maybe varies=)")
			if args["user"] not in {*USERS, "guest", "none"}:
				raise ValueError(f"API.md line {annotation_line}: unknown user {args['user']!r}")
			curl, index = _block(lines, index + 1, "bash", annotation_line)
			answer, index = _block(lines, index, "http", annotation_line)
			status, response = parse_answer(answer, annotation_line)
			varies = tuple(filter(None, args.get("varies", "").split(",")))
			examples.append(
				Example(annotation_line, args["user"], varies, parse_curl(curl), status, response)
			)
			continue
		fence = FENCE.match(line)
		if fence and fence["lang"] == "bash":
			body, _end = _block(lines, index, "bash", index + 1)
			if "curl" in body:
				raise ValueError(f"API.md line {index + 1}: a curl example without an annotation")
		if fence and fence["lang"]:
			index = _block(lines, index, fence["lang"], index + 1)[1]
			continue
		index += 1
	return examples


def _pair(arg: str, line: int) -> tuple[str, str]:
	key, sep, value = arg.partition("=")
	if not sep or not value:
		raise ValueError(f"API.md line {line}: bad annotation argument {arg!r}")
	return key, value


def _block(lines: list[str], index: int, lang: str, owner: int) -> tuple[str, int]:
	"""The fenced block of `lang` starting at the next non-blank line; (its text, index after it)."""
	while index < len(lines) and not lines[index].strip():
		index += 1
	if index >= len(lines) or lines[index] != f"```{lang}":
		raise ValueError(f"API.md line {owner}: expected a ```{lang} block")
	end = index + 1
	while end < len(lines) and lines[end] != "```":
		end += 1
	if end >= len(lines):
		raise ValueError(f"API.md line {index + 1}: unclosed block")
	return "\n".join(lines[index + 1 : end]), end + 1


def parse_curl(command: str) -> Request:
	tokens = shlex.split(command.replace("\\\n", " "))
	if not tokens or tokens[0] != "curl":
		raise ValueError(f"not a curl command: {command[:60]}")
	method, get, url = None, False, None
	headers, params, body = {}, [], None
	args = iter(tokens[1:])
	for token in args:
		if token == "-s":
			continue
		if token == "-G":
			get = True
		elif token == "-X":
			method = next(args)
		elif token == "-H":
			name, _sep, value = next(args).partition(":")
			headers[name.strip()] = value.strip()
		elif token == "-d":
			body = next(args)
		elif token == "--data-urlencode":
			key, _sep, value = next(args).partition("=")
			params.append((key, value))
		elif token.startswith("-") or url:
			raise ValueError(f"curl argument the checker does not know: {token}")
		else:
			url = token
	if not url or not url.startswith("$SITE/api/"):
		raise ValueError(f"curl URL must start with $SITE/api/: {url}")
	if params and not get:
		raise ValueError("--data-urlencode is only used with -G")
	method = method or ("GET" if get or body is None else "POST")
	return Request(method, url, headers, params, body)


def parse_answer(text: str, line: int) -> tuple[int, object]:
	status_line, _sep, rest = text.partition("\n")
	match = re.fullmatch(r"HTTP/1\.1 (\d{3}) [A-Z ]+", status_line)
	if not match:
		raise ValueError(f"API.md line {line}: the answer must start with 'HTTP/1.1 <status> <REASON>'")
	headers, _sep, body = (
		rest.partition("\n\n") if rest.strip() and not rest.startswith("\n") else ("", "", rest)
	)
	if headers.strip():
		raise ValueError(f"API.md line {line}: no headers in the documented answer, just a blank line")
	try:
		return int(match[1]), json.loads(body)
	except json.JSONDecodeError as error:
		raise ValueError(f"API.md line {line}: the answer is not JSON: {error}")


# --- placeholders and comparison ---------------------------------------------------------------


def fill(text: str, values: dict, quoted: bool = False) -> str:
	def value_of(match):
		value = placeholder_value(match[1], values)
		return quote(value, safe="") if quoted else value

	return PLACEHOLDER.sub(value_of, text)


def placeholder_value(name: str, values: dict) -> str:
	if name in values:
		return values[name]
	today = getdate(values["today"])
	if match := re.fullmatch(r"in_(\d+)_days", name):
		return str(add_days(today, int(match[1])))
	if match := re.fullmatch(r"(\d+)_days_ago", name):
		return str(add_days(today, -int(match[1])))
	if match := re.fullmatch(r"(\d+)_days_ago_formatted", name):
		return formatdate(add_days(today, -int(match[1])))
	raise KeyError(f"no test data for the placeholder {{{name}}}")


def fill_json(value, values: dict):
	if isinstance(value, str):
		return fill(value, values)
	if isinstance(value, list):
		return [fill_json(item, values) for item in value]
	if isinstance(value, dict):
		return {fill(key, values): fill_json(item, values) for key, item in value.items()}
	return value


def json_type(value) -> str:
	if value is None:
		return "null"
	if isinstance(value, bool):
		return "bool"
	if isinstance(value, int | float):
		return "number"
	return type(value).__name__


def compare(expected, actual, varies=(), path: str = "") -> list[str]:
	"""What in `actual` differs from the documented `expected` (see "How these examples are checked")."""
	if path in varies:
		if json_type(expected) != json_type(actual):
			return [f"{path}: expected a {json_type(expected)}, got {actual!r}"]
		return []
	if path.endswith("_server_messages") and isinstance(expected, str):
		try:
			expected = [json.loads(message) for message in json.loads(expected)]
			actual = [json.loads(message) for message in json.loads(actual)]
		except (TypeError, ValueError):
			return [f"{path}: expected encoded server messages, got {actual!r}"]
	if isinstance(expected, dict):
		if not isinstance(actual, dict):
			return [f"{path or '.'}: expected an object, got {actual!r}"]
		errors = []
		for key, value in expected.items():
			where = f"{path}.{key}" if path else key
			if key not in actual:
				errors.append(f"{where}: missing")
			else:
				errors += compare(value, actual[key], varies, where)
		return errors
	if isinstance(expected, list):
		if not isinstance(actual, list) or len(actual) != len(expected):
			return [f"{path}: expected {len(expected)} element(s), got {actual!r}"]
		errors = []
		for item, actual_item in zip(expected, actual, strict=True):
			errors += compare(item, actual_item, varies, f"{path}.*")
		return errors
	if json_type(expected) != json_type(actual):
		return [f"{path}: expected {expected!r}, got {actual!r}"]
	if json_type(expected) == "number":
		return [] if abs(expected - actual) < 1e-9 else [f"{path}: expected {expected!r}, got {actual!r}"]
	return [] if expected == actual else [f"{path}: expected {expected!r}, got {actual!r}"]


def documented_paths(value, path: str = "") -> set[str]:
	paths = {path}
	if isinstance(value, dict):
		for key, item in value.items():
			paths |= documented_paths(item, f"{path}.{key}" if path else key)
	elif isinstance(value, list):
		for item in value:
			paths |= documented_paths(item, f"{path}.*")
	return paths


def check_answer(example: Example, status: int, body, values: dict) -> list[str]:
	errors = []
	if status != example.status:
		errors.append(f"status: expected {example.status}, got {status}")
	if unknown := set(example.varies) - documented_paths(example.response):
		errors.append(f"varies names paths the documented answer does not have: {sorted(unknown)}")
	return errors + compare(fill_json(example.response, values), body, example.varies)


EXAMPLES = parse_examples(API_MD.read_text())


# --- the code's whitelisted methods ------------------------------------------------------------


def whitelisted_methods() -> set[str]:
	"""Dotted paths of every function under o2c_extension/ decorated with frappe.whitelist."""
	found = set()
	for source in APP.rglob("*.py"):
		parts = source.relative_to(REPO).with_suffix("").parts
		module = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)  # a package's own methods
		tree = ast.parse(source.read_text())
		for node in ast.walk(tree):
			if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and any(
				"frappe.whitelist" in ast.unparse(decorator) for decorator in node.decorator_list
			):
				owner = next(
					(
						parent.name
						for parent in ast.walk(tree)
						if isinstance(parent, ast.ClassDef) and node in parent.body
					),
					None,
				)
				found.add(f"{module}.{owner}.{node.name}" if owner else f"{module}.{node.name}")
	return found


def documented_methods() -> set[str]:
	return {
		example.request.url.removeprefix("$SITE/api/method/")
		for example in EXAMPLES
		if example.request.url.startswith("$SITE/api/method/")
	}


# --- test data and the server ------------------------------------------------------------------


class Api:
	"""The running server, a session per kind of user, and the values of the placeholders."""

	def __init__(self, base_url: str, values: dict):
		self.base_url = base_url
		self.values = values
		self.sessions = {}
		self.keys = {}
		self.queued_jobs = []  # background jobs an example queued (the collections run)
		for kind, (email, _roles) in USERS.items():
			key, secret = web.api_credentials(email)
			self.keys[kind] = f"token {key}:{secret}"
			session = requests.Session()
			session.headers["Accept"] = "application/json"
			self.sessions[kind] = session

	def send(self, request: Request, user: str) -> requests.Response:
		headers = {name: fill(value, self.values) for name, value in request.headers.items()}
		auth = headers.get("Authorization")
		if user in USERS:
			assert auth == AUTH_FROM_KEY, f"an example as {user} must send '{AUTH_FROM_KEY}'"
			headers["Authorization"] = self.keys[user]
		elif user == "guest":
			assert auth is None, "a Guest example sends no Authorization header"
		else:
			assert auth and "$" not in auth, "a user=none example sends its own Authorization header"
		session = self.sessions.get(user) or requests.Session()
		session.headers["Accept"] = "application/json"
		return session.request(
			request.method,
			fill(request.url.replace("$SITE", self.base_url), self.values, quoted=True),
			headers=headers,
			params=[(key, fill(value, self.values)) for key, value in request.params],
			data=fill(request.body, self.values).encode() if request.body is not None else None,
			timeout=120,
		)

	def call(self, user: str, method: str, http_method: str = "POST", **args) -> requests.Response:
		url = f"{self.base_url}/api/method/{method}"
		args = {key: fill(value, self.values) for key, value in args.items()}
		if user == "guest":
			headers = {"Accept": "application/json"}
		elif user == "wrong-key":
			headers = {"Accept": "application/json", "Authorization": "token 0123456789abcde:nope"}
		else:
			headers = {"Accept": "application/json", "Authorization": self.keys[user]}
		if http_method == "GET":
			return requests.get(url, params=args, headers=headers, timeout=120)
		return requests.post(url, json=args, headers=headers, timeout=120)


# The examples take a few minutes; the server dates its answers (ages, days overdue) by its own clock.
MINUTES_BEFORE_MIDNIGHT = 15


def wait_out_midnight() -> None:
	"""Data made on one day and answers given on the next do not match: start after the site's midnight."""
	now = now_datetime()
	midnight = datetime.combine(add_days(now.date(), 1), time.min)
	if midnight - now < timedelta(minutes=MINUTES_BEFORE_MIDNIGHT):
		sleep((midnight - now).total_seconds() + 5)


def make_test_data() -> dict:
	"""The documents API.md's placeholders name, committed so the web server sees them."""
	frappe.set_user("Administrator")
	wait_out_midnight()
	today = getdate(nowdate())
	company = factories.company()
	factories.ensure_fiscal_year(today)
	factories.ensure_fiscal_year(add_days(today, -20))
	for email, roles in USERS.values():
		factories.user(email, roles)
	item = factories.item(stock_qty=5000, rate=100)
	values = {
		"company": company,
		"item": item,
		"today": str(today),
		"price_list": factories.price_list(),
		"warehouse": factories.warehouse(),
		"outsider_email": USERS["outsider"][0],
	}

	# Credit Control: a customer within its limit (receivables 300, open orders 200, limit 1000 +10 %)
	customer = factories.customer()
	values["customer"] = customer
	values["credit_policy"] = credit.credit_policy(
		customer=customer, credit_limit=1000, tolerance_percent=10
	).name
	factories.sales_invoice(customer, [(item, 3, 100)])
	factories.sales_order(customer, [(item, 2, 100)])
	# orders over a 100 limit go On Hold: one stays Pending, one to release, one to reject
	for key in ("pending", "to_release", "to_reject"):
		held_customer = factories.customer()
		policy = credit.credit_policy(customer=held_customer, credit_limit=100)
		order = factories.sales_order(held_customer, [(item, 5, 100)])
		hold = credit.hold_of(order.name)
		assert hold and hold.status == "Pending", f"a Sales Order over its limit made no Credit Hold ({key})"
		if key == "pending":
			values.update(
				held_customer=held_customer,
				held_policy=policy.name,
				pending_order=order.name,
				pending_hold=hold.name,
			)
		else:
			values[f"hold_{key}"] = hold.name
	values["new_customer"] = factories.customer()
	# Credit Limit Requests, made by Administrator (so the controller may decide them)
	values["limit_customer_new"] = factories.customer()
	for key in ("to_approve", "to_reject", "pending"):
		limit_customer = factories.customer()
		limit_policy = credit.credit_policy(customer=limit_customer, credit_limit=1000)
		request = frappe.get_doc(
			{
				"doctype": "Credit Limit Request",
				"customer": limit_customer,
				"company": company,
				"requested_limit": 3000,
				"reason": "Larger orders from next quarter",
			}
		).insert()
		values[f"limit_request_{key}"] = request.name
		if key == "to_approve":
			values["limit_request_policy"] = limit_policy.name
	values["policy_to_delete"] = credit.credit_policy(customer=factories.customer(), credit_limit=2000).name
	values["policy_to_update"] = credit.credit_policy(customer=factories.customer(), credit_limit=5000).name

	# Scheduling: agreements of one customer, each for one example that changes it
	sched_customer = factories.customer()
	values["sched_customer"] = sched_customer
	values["agreement"] = scheduling.agreement(
		sched_customer,
		[(item, 1000, 90)],
		lines=[(item, 3, 20, "Firm"), (item, 30, 50, "Forecast")],
		customer_reference="PO-4711",
	).name
	values["agreement_to_call_off"] = scheduling.agreement(
		sched_customer, [(item, 100, 90)], lines=[(item, 2, 10, "Firm"), (item, 4, 10, "Firm")]
	).name
	values["agreement_for_release"] = scheduling.agreement(
		sched_customer, [(item, 500, 90)], lines=[(item, 10, 30, "Firm"), (item, 20, 50, "Forecast")]
	).name
	values["agreement_for_csv"] = scheduling.agreement(
		sched_customer, [(item, 500, 90)], lines=[(item, 3, 20, "Firm")]
	).name
	with_release = scheduling.agreement(sched_customer, [(item, 500, 90)], lines=[(item, 10, 10, "Firm")])
	values["existing_release"] = releases.import_release(
		with_release.name, "REL-0001", str(today), lines=scheduling.release_lines((item, 12, 15, "Firm"))
	).name
	values["agreement_with_release"] = with_release.name
	# EDIFACT: a customer known by its EDI party id, an agreement with its reference and the
	# customer's code for the item; dates as EDIFACT writes them (CCYYMMDD)
	values["edi_party"] = f"GLN-{frappe.generate_hash(length=8).upper()}"
	values["edi_reference"] = f"DA-{frappe.generate_hash(length=8).upper()}"
	values["edi_item_code"] = f"CI-{frappe.generate_hash(length=8).upper()}"
	edi_customer = factories.customer(edi_party_id=values["edi_party"])
	edi_agreement = scheduling.agreement(
		edi_customer, [(item, 500, 90)], customer_reference=values["edi_reference"]
	)
	frappe.db.set_value(
		"Scheduling Agreement Item",
		edi_agreement.items[0].name,
		"customer_item_code",
		values["edi_item_code"],
	)
	for key, days in (("edi_today", 0), ("edi_in_10_days", 10), ("edi_in_30_days", 30)):
		values[key] = getdate(add_days(today, days)).strftime("%Y%m%d")
	values["draft_agreement"] = scheduling.agreement(
		sched_customer, [(item, 100, 90)], lines=[(item, 5, 10, "Firm")], submit=False
	).name
	values["quotation"] = factories.quotation(sched_customer, [(item, 100, 95)]).name

	# Collections: invoices of one customer, due ten days ago, and rules
	coll_customer = factories.customer()
	values["coll_customer"] = coll_customer
	for key in (
		"overdue_invoice",
		"invoice_to_promise",
		"invoice_to_dispute",
		"disputed_invoice",
		"actioned_invoice",
	):
		values[key] = collections_helpers.invoice(coll_customer, add_days(today, -20), due_in_days=10).name
	disputes.record_dispute(values["disputed_invoice"], "Price differs from the order")
	values["collections_rule"] = collections_helpers.rule(
		coll_customer,
		steps=[{"day_offset": 1, "action": "Create ToDo", "assign_to_role": "Collections Agent"}],
	).name
	runner.process_chunk([values["actioned_invoice"]], today)
	# the run works per customer account: the customer's Collection Case, opened by that run
	values["collection_case"] = frappe.db.get_value(
		"Collection Case", {"customer": coll_customer, "status": ("!=", "Closed")}, "name"
	)
	values["rule_customer"] = factories.customer()
	values["new_rule_name"] = f"_O2C API Rule {frappe.generate_hash(length=6)}"
	values["dunning_type"] = collections_helpers.dunning_type()
	values["rule_to_update"] = collections_helpers.rule(
		factories.customer(),
		steps=[{"day_offset": 5, "action": "Create ToDo", "assign_to_role": "Collections Agent"}],
	).name
	frappe.db.commit()
	return values


@pytest.fixture(scope="module")
def api():
	values = make_test_data()
	with web.running_server() as base_url:
		api = Api(base_url, values)
		yield api
	# no worker may pick up, after the database is restored, a job an example queued
	for job_id in api.queued_jobs:
		if job := get_job(job_id):
			job.delete()
	frappe.db.rollback()
	# The users were committed for the server to see; disabled, they stop holding roles for the
	# role-based assignment (ToDos, escalations) of the tests that run after this module.
	factories.retire_users(*(email for email, _roles in USERS.values()))


# --- the tests ---------------------------------------------------------------------------------


def test_api_md_documents_every_whitelisted_method():
	code, documented = whitelisted_methods(), documented_methods()
	assert code, "no whitelisted methods found: the scan is broken"
	assert code - documented == set(), "whitelisted but without an example in docs/API.md"
	assert documented - code == set(), "documented in docs/API.md but not whitelisted in the code"


def test_a_wrong_example_fails():
	"""The checker is strict: a wrong status, value, missing key or list length is reported."""
	example = next(e for e in EXAMPLES if e.request.url.endswith("credit.get_exposure") and e.status == 200)
	values = {"customer": "C1", "company": "Co", "credit_policy": "CP-1"}
	answer = json.loads(json.dumps(fill_json(example.response, values)))
	assert check_answer(example, 200, answer, values) == []
	answer["message"]["status"] = "Over Limit"
	assert check_answer(example, 200, answer, values) == [
		"message.status: expected 'Within Limit', got 'Over Limit'"
	]
	answer["message"]["status"] = "Within Limit"
	del answer["message"]["total"]
	answer["message"]["pending_holds"] = ["CH-1"]
	assert check_answer(example, 417, answer, values) == [
		"status: expected 200, got 417",
		"message.total: missing",
		"message.pending_holds: expected 0 element(s), got ['CH-1']",
	]
	messages = json.dumps([json.dumps({"message": "Boom", "indicator": "red"})])
	assert compare(
		{"_server_messages": messages}, {"_server_messages": messages.replace("Boom", "Bang")}
	) == ["_server_messages.*.message: expected 'Boom', got 'Bang'"]
	with pytest.raises(ValueError, match="without an annotation"):
		parse_examples('```bash\ncurl -s "$SITE/api/method/ping"\n```\n')
	with pytest.raises(ValueError, match="expected a ```http block"):
		parse_examples('<!-- example user=sales -->\n```bash\ncurl -s "$SITE/api/method/ping"\n```\n')


def test_every_role_is_covered_by_examples():
	"""Each kind of user API.md names runs at least one example, and every capability is shown."""
	assert {example.user for example in EXAMPLES} >= {*USERS, "guest", "none"}
	assert {example.status for example in EXAMPLES} >= {200, 401, 403, 404, 417}


@pytest.mark.parametrize("example", EXAMPLES, ids=[example.id for example in EXAMPLES])
def test_example(api, example):
	response = api.send(example.request, example.user)
	try:
		body = response.json()
	except ValueError:
		pytest.fail(f"API.md line {example.line}: not JSON ({response.status_code}): {response.text[:500]}")
	body.pop("exc", None)
	if isinstance(body.get("message"), dict):
		api.queued_jobs += body["message"].get("jobs") or []
	errors = check_answer(example, response.status_code, body, api.values)
	assert not errors, (
		f"API.md line {example.line} ({example.id}):\n"
		+ "\n".join(errors)
		+ (f"\n\nactual answer: {json.dumps(body, indent=1)[:4000]}")
	)


# method -> (a user without the role it needs, HTTP method, arguments); every whitelisted method
REFUSALS = {
	"o2c_extension.api.credit.get_exposure": (
		"outsider",
		"GET",
		{"customer": "{customer}", "company": "{company}"},
	),
	"o2c_extension.api.credit.release_hold": ("sales", "POST", {"name": "{pending_hold}", "comment": "ok"}),
	"o2c_extension.api.credit.reject_hold": ("sales", "POST", {"name": "{pending_hold}", "comment": "no"}),
	"o2c_extension.api.credit.score_customer": (
		"outsider",
		"GET",
		{"customer": "{customer}", "company": "{company}"},
	),
	"o2c_extension.api.credit.approve_limit_request": (
		"sales",
		"POST",
		{"name": "{limit_request_pending}", "comment": "ok"},
	),
	"o2c_extension.api.credit.reject_limit_request": (
		"sales",
		"POST",
		{"name": "{limit_request_pending}", "comment": "no"},
	),
	"o2c_extension.api.scheduling.import_release": (
		"collections",  # Accounts User: reads agreements, may not change them
		"POST",
		{
			"scheduling_agreement": "{agreement}",
			"release_no": "REL-DENIED",
			"release_date": "{today}",
			"lines": json.dumps(
				[{"item_code": "{item}", "schedule_date": "{in_5_days}", "qty": 1, "line_type": "Firm"}]
			),
		},
	),
	"o2c_extension.api.scheduling.import_release_csv": (
		"collections",
		"POST",
		{
			"scheduling_agreement": "{agreement}",
			"release_no": "REL-DENIED",
			"release_date": "{today}",
			"csv_text": "{item},{in_5_days},1,Firm",
		},
	),
	"o2c_extension.api.scheduling.import_edifact": (
		"collections",  # Accounts User: reads releases, may not make them
		"POST",
		{"content": "UNB+UNOC:3+X+Y+261201:0800+1'UNZ+0+1'"},
	),
	"o2c_extension.api.scheduling.release_now": (
		"collections",
		"POST",
		{"scheduling_agreement": "{agreement}"},
	),
	"o2c_extension.api.collections.record_promise": (
		"sales",
		"POST",
		{"sales_invoice": "{overdue_invoice}", "promise_date": "{in_7_days}"},
	),
	"o2c_extension.api.collections.record_dispute": (
		"sales",
		"POST",
		{"sales_invoice": "{overdue_invoice}", "reason": "Wrong price"},
	),
	"o2c_extension.api.collections.resolve_dispute": (
		"sales",
		"POST",
		{"sales_invoice": "{overdue_invoice}"},
	),
	"o2c_extension.api.collections.run_now": ("agent", "POST", {"company": "{company}"}),
	"o2c_extension.api.collections.preview_run": ("sales", "POST", {"company": "{company}"}),
	"o2c_extension.api.collections.log_contact": (
		"sales",
		"POST",
		{"collection_case": "{collection_case}", "note": "Called", "kind": "Call"},
	),
	**{
		f"o2c_extension.order_to_cash.kpi.{card}": (
			"outsider",
			"GET",
			{"filters": '{"company": "{company}"}'},
		)
		for card in (
			"dso_card",
			"overdue_receivables_card",
			"collection_effectiveness_card",
			"pending_credit_holds_card",
			"credit_decision_time_card",
			"schedule_adherence_card",
		)
	},
	"o2c_extension.order_to_cash.workspace_company.companies": ("outsider", "GET", {}),
	"o2c_extension.order_to_cash.workspace_company.set_company": (
		"outsider",
		"POST",
		{"company": "{company}"},
	),
	"o2c_extension.order_to_cash.dashboard_chart_source.order_to_cash_chart.order_to_cash_chart.get": (
		"outsider",
		"GET",
		{"chart_name": "Invoices by Collection Status", "filters": '{"company": "{company}"}'},
	),
	"o2c_extension.scheduling.doctype.scheduling_agreement.scheduling_agreement.make_scheduling_agreement": (
		"collections",
		"POST",
		{"source_name": "{quotation}"},
	),
	"o2c_extension.scheduling.doctype.scheduling_agreement.scheduling_agreement.make_sales_order": (
		"outsider",
		"POST",
		{"source_name": "{agreement}"},
	),
}


def test_every_whitelisted_method_has_a_refusal_check():
	assert set(REFUSALS) == whitelisted_methods()


def state(values: dict) -> dict:
	"""What a refused call could have changed."""
	frappe.db.rollback()  # see what the server committed
	return {
		"hold": frappe.db.get_value("Credit Hold", values["pending_hold"], ["status", "decided_by"]),
		"limit_request": frappe.db.get_value(
			"Credit Limit Request", values["limit_request_pending"], ["status", "approved_by"]
		),
		"order": frappe.db.get_value("Sales Order", values["pending_order"], ["status", "credit_status"]),
		"releases": frappe.db.count("Schedule Release", {"scheduling_agreement": values["agreement"]}),
		"agreement": scheduling.line_states(values["agreement"]),
		"orders": scheduling.orders_of(values["agreement"]),
		"invoice": frappe.db.get_value(
			"Sales Invoice",
			values["overdue_invoice"],
			["collection_status", "promise_to_pay_date", "disputed", "dispute_reason"],
		),
		"actions": frappe.db.count("Collection Action"),
		"comments": frappe.db.count("Comment", {"reference_name": values["overdue_invoice"]}),
	}


def assert_forbidden(response: requests.Response, who: str) -> None:
	assert response.status_code == 403, f"{who}: {response.status_code} {response.text[:500]}"
	body = response.json()
	assert body["exc_type"] == "PermissionError", body
	if "exception" in body:
		assert body["exception"].startswith("frappe.exceptions.PermissionError"), body["exception"]


@pytest.mark.parametrize("method", sorted(REFUSALS))
def test_without_the_role_the_method_is_refused(api, method):
	user, http_method, args = REFUSALS[method]
	before = state(api.values)
	assert_forbidden(api.call(user, method, http_method, **args), f"{method} as {user}")
	assert_forbidden(api.call("guest", method, http_method, **args), f"{method} as Guest")
	wrong_key = api.call("wrong-key", method, http_method, **args)
	assert wrong_key.status_code == 401, wrong_key.text[:500]
	assert wrong_key.json()["exc_type"] == "AuthenticationError"
	assert state(api.values) == before, "a refused call changed something"


def test_resources_are_refused_without_the_role(api):
	"""The DocTypes' own permissions hold over /api/resource as well."""
	base = f"{api.base_url}/api/resource"

	def as_user(user, method, path, **kwargs):
		headers = {"Accept": "application/json", "Authorization": api.keys[user]}
		return requests.request(method, f"{base}/{path}", headers=headers, timeout=120, **kwargs)

	before = state(api.values)
	for doctype in (
		"Credit Policy",
		"Credit Hold",
		"Scheduling Agreement",
		"Collections Rule",
		"Collection Action",
	):
		assert_forbidden(as_user("outsider", "GET", doctype), f"list {doctype} as outsider")
		assert_forbidden(
			requests.get(f"{base}/{doctype}", headers={"Accept": "application/json"}, timeout=120),
			f"list {doctype} as Guest",
		)
	# may read, may not write
	policy = {"company": api.values["company"], "customer": api.values["new_customer"], "credit_limit": 1}
	assert_forbidden(
		as_user("sales", "POST", "Credit Policy", json=policy), "Credit Policy by a Sales Manager"
	)
	assert_forbidden(
		as_user("sales", "PUT", f"Credit Hold/{api.values['pending_hold']}", json={"status": "Released"}),
		"Credit Hold edited by a Sales Manager",
	)
	assert_forbidden(
		as_user(
			"collections",
			"PUT",
			f"Scheduling Agreement/{api.values['agreement']}",
			json={"tolerance_percent": 50},
		),
		"Scheduling Agreement edited by an Accounts User",
	)
	rule = {
		"rule_name": "denied",
		"company": api.values["company"],
		"steps": [{"day_offset": 1, "action": "Escalate"}],
	}
	assert_forbidden(as_user("agent", "POST", "Collections Rule", json=rule), "Collections Rule by an agent")
	assert state(api.values) == before
	assert not frappe.db.exists("Collections Rule", "denied")
	assert not frappe.db.exists("Credit Policy", {"customer": api.values["new_customer"], "credit_limit": 1})
