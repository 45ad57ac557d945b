"""Hardening (issue 7): each scheduled job cut off part way, then run again.

Two kinds of fault, both injected by wrapping one of OUR per-document functions (nothing of Frappe
or the database is replaced):

- killed: the job runs in a forked worker process whose wrapper SIGKILLs the process right after
  the N-th document's work was done and before the job committed it, exactly as a worker dies
  (OOM killer, deploy, timeout). The database rolls back what was not committed. A chain of runs,
  each killed one document further on at a different step, then runs to the end; after every run
  nothing may exist twice (Sales Orders, e-mails in the Email Queue, ToDos, Dunnings, Credit Holds,
  Collection Actions, hold decisions, approved credit), and at the end nothing may be missing.
- failed: the wrapper raises an exception after the document's work; the job's own error
  handling must undo that document completely, go on with the others, and the next run must make
  it once.

Killed runs commit (that is what they are about), so these tests commit; the conftest restores
the database after the session. The kill chains are marked `slow`.
"""

import importlib
import multiprocessing
import os
import signal
import traceback

import frappe
import pytest
from frappe.tests.utils import FrappeTestCase
from frappe.utils import add_days, flt, getdate, nowdate

from o2c_extension.collections import actions, core, runner, setup
from o2c_extension.credit_control import holds as holds_module
from o2c_extension.credit_control import jobs as credit_jobs
from o2c_extension.order_to_cash import versions
from o2c_extension.scheduling import call_off as call_off_module
from o2c_extension.scheduling import events as scheduling_events
from o2c_extension.scheduling.call_off import call_off
from tests.integration import collections_helpers, factories
from tests.integration import credit_control_helpers as credit_helpers
from tests.integration.scheduling_helpers import agreement, in_days, setup_masters

JOB_TIMEOUT = 240

_inherited_connections = []  # a forked child keeps these and never closes them (see below)


# --- running a job in a worker process that dies --------------------------------------------


def _connect_in_child(site: str, sites_path: str) -> None:
	"""The fork inherited the parent's Frappe state and its database socket: drop both (without
	closing the socket, which the parent still uses) and connect on our own."""
	_inherited_connections.append(getattr(frappe.local, "db", None))
	frappe.local.db = None
	frappe.destroy()
	frappe.init(site=site, sites_path=sites_path)
	frappe.connect()


def _wrap(target: str, on_call: int, fault):
	"""Replace `module:function` by a wrapper that does the real work and then, on call number
	`on_call`, calls `fault()`."""
	module_name, function_name = target.split(":")
	module = importlib.import_module(module_name)
	real = getattr(module, function_name)
	calls = {"n": 0}

	def wrapper(*args, **kwargs):
		result = real(*args, **kwargs)
		calls["n"] += 1
		if calls["n"] == on_call:
			fault()
		return result

	setattr(module, function_name, wrapper)
	return lambda: setattr(module, function_name, real)


def _die():
	os.kill(os.getpid(), signal.SIGKILL)


def _worker(site, sites_path, job, args, kill_at, settings, in_test, pipe):
	try:
		_connect_in_child(site, sites_path)
		versions.set_test_mode(in_test)
		for target, value in settings.items():
			module_name, attribute = target.split(":")
			setattr(importlib.import_module(module_name), attribute, value)
		for target, on_call in kill_at.items():
			_wrap(target, on_call, _die)
		frappe.get_attr(job)(*args)
		frappe.db.commit()  # what the RQ worker does after a job returns
		pipe.send("completed")
	except BaseException:
		pipe.send(traceback.format_exc())
	finally:
		os._exit(0)


def run_job(job: str, *args, kill_at=None, settings=None, in_test=True) -> str:
	"""Run `job(*args)` in a forked worker: "killed" or "completed" (anything else fails the test)."""
	frappe.db.commit()  # the worker sees committed data only
	context = multiprocessing.get_context("fork")
	receiver, sender = context.Pipe(duplex=False)
	process = context.Process(
		target=_worker,
		args=(
			frappe.local.site,
			frappe.local.sites_path,
			job,
			args,
			kill_at or {},
			settings or {},
			in_test,
			sender,
		),
	)
	process.start()
	process.join(JOB_TIMEOUT)
	if process.is_alive():
		process.kill()
		raise AssertionError(f"{job} did not finish in {JOB_TIMEOUT}s")
	frappe.db.rollback()  # a fresh snapshot: see what the worker committed
	if process.exitcode == -signal.SIGKILL:
		return "killed"
	outcome = receiver.recv() if receiver.poll(5) else f"exit code {process.exitcode}"
	if outcome != "completed":
		raise AssertionError(f"{job} failed in the worker:\n{outcome}")
	return outcome


class FailAfterWork(Exception):
	"""An ordinary exception raised after a document's work was done."""


def _raise():
	raise FailAfterWork("injected failure after the work was done")


def count(doctype: str, **filters) -> int:
	return frappe.db.count(doctype, filters)


# --- scheduling: the daily call-off ---------------------------------------------------------


class TestSchedulingJobFaults(FrappeTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		frappe.set_user("Administrator")

	def agreements(self, how_many: int) -> list[str]:
		customer, (item_a, item_b) = setup_masters()
		self.items = (item_a, item_b)
		return [
			agreement(
				customer,
				[(item_a, 1000, 10), (item_b, 1000, 20)],
				lines=[
					(item_a, 1, 10, "Firm"),
					(item_b, 1, 5, "Firm"),
					(item_a, 2, 10, "Firm"),
					(item_a, 3, 8, "Forecast"),
					(item_a, 30, 10, "Firm"),  # beyond the horizon
				],
				release_horizon_days=5,
			).name
			for _ in range(how_many)
		]

	def assert_nothing_twice(self, agreements: list[str]) -> int:
		"""Every schedule line on at most one submitted order, one order per agreement and date, no
		draft left by a dead run, and the cumulatives equal to the orders that exist."""
		self.assertEqual(count("Sales Order", scheduling_agreement=("in", agreements), docstatus=0), 0)
		rows = frappe.db.sql(
			"""select soi.scheduling_agreement, soi.schedule_line, soi.item_code, soi.qty, so.name,
				so.delivery_date
			from `tabSales Order Item` soi join `tabSales Order` so on so.name = soi.parent
			where so.docstatus = 1 and soi.scheduling_agreement in %(agreements)s""",
			{"agreements": agreements},
			as_dict=True,
		)
		lines = [row.schedule_line for row in rows]
		self.assertEqual(len(lines), len(set(lines)), "a schedule line was ordered twice")
		per_date = {(row.scheduling_agreement, row.delivery_date): set() for row in rows}
		for row in rows:
			per_date[(row.scheduling_agreement, row.delivery_date)].add(row.name)
		self.assertTrue(all(len(orders) == 1 for orders in per_date.values()), per_date)
		released = {}
		for row in rows:
			key = (row.scheduling_agreement, row.item_code)
			released[key] = released.get(key, 0) + flt(row.qty)
		for name in agreements:
			for item in self.items:
				stored = frappe.db.get_value(
					"Scheduling Agreement Item", {"parent": name, "item_code": item}, "released_qty"
				)
				self.assertEqual(flt(stored), released.get((name, item), 0), (name, item))
			for line in frappe.get_all(
				"Scheduling Agreement Schedule Line",
				filters={"parent": name},
				fields=["name", "status", "sales_order"],
			):
				ordered = next((row.name for row in rows if row.schedule_line == line.name), None)
				self.assertEqual(line.status == "Released", bool(ordered), line)
				if ordered:
					self.assertEqual(line.sales_order, ordered, line)
		return len({row.name for row in rows})

	@pytest.mark.slow
	def test_daily_call_off_killed_at_every_stage_completes_without_duplicates(self):
		agreements = self.agreements(3)  # 2 orders each: days 1 and 2
		job = "o2c_extension.scheduling.jobs.daily"
		one_per_chunk = {"o2c_extension.scheduling.jobs:CHUNK_SIZE": 1}
		make = "o2c_extension.scheduling.call_off:make_sales_order"
		hook = "o2c_extension.scheduling.events:sales_order_on_submit"
		chain = [
			# during the refresh of the second agreement: the call-off has not started
			{"o2c_extension.scheduling.jobs:refresh_agreements": 2},
			{make: 1},  # the first order made and submitted, not committed
			{make: 3},  # two orders committed, the third dies
			{hook: 2},  # one order committed, the next dies inside its own submit
		]
		made = []
		for kill_at in chain:
			self.assertEqual(run_job(job, kill_at=kill_at, settings=one_per_chunk), "killed", kill_at)
			made.append(self.assert_nothing_twice(agreements))
		self.assertEqual(made[:2], [0, 0], made)  # the first two runs died before any order was committed
		self.assertEqual(made, sorted(made))
		self.assertEqual(run_job(job, settings=one_per_chunk), "completed")
		self.assertEqual(self.assert_nothing_twice(agreements), 6)

		for name in agreements:
			states = {
				(row.item_code, getdate(row.schedule_date)): row.status
				for row in frappe.get_all(
					"Scheduling Agreement Schedule Line",
					filters={"parent": name},
					fields=["item_code", "schedule_date", "status"],
				)
			}
			item_a, item_b = self.items
			self.assertEqual(
				states,
				{
					(item_a, in_days(1)): "Released",
					(item_b, in_days(1)): "Released",
					(item_a, in_days(2)): "Released",
					(item_a, in_days(3)): "Open",  # forecast
					(item_a, in_days(30)): "Open",  # beyond the horizon
				},
			)
		# and a further run the same day makes nothing
		self.assertEqual(run_job(job), "completed")
		self.assertEqual(self.assert_nothing_twice(agreements), 6)

	def test_an_order_failing_inside_its_own_submit_leaves_no_cumulatives_behind(self):
		(name,) = self.agreements(1)
		restore = _wrap("o2c_extension.scheduling.events:sales_order_on_submit", 1, _raise)
		try:
			self.assertEqual(scheduling_events.sales_order_on_submit.__name__, "wrapper")
			result = call_off([name])
		finally:
			restore()
		self.assertEqual((len(result.sales_orders), len(result.failures)), (1, 1))
		self.assertIn("injected failure", result.failures[0][2])
		self.assertEqual(self.assert_nothing_twice([name]), 1)

		self.assertEqual(len(call_off([name]).sales_orders), 1)
		self.assertEqual(self.assert_nothing_twice([name]), 2)
		self.assertEqual(call_off([name]).sales_orders, [])
		self.assertEqual(scheduling_events.sales_order_on_submit.__name__, "sales_order_on_submit")
		self.assertEqual(call_off_module.make_sales_order.__name__, "make_sales_order")


# --- credit control: the daily re-check of Pending holds ------------------------------------


class TestCreditRecheckFaults(FrappeTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		frappe.set_user("Administrator")
		factories.company()
		cls.item = factories.item(stock_qty=1000, rate=100)

	def held_customer(self, limit: float, *order_amounts: float):
		customer = factories.customer()
		policy = credit_helpers.credit_policy(customer=customer, credit_limit=limit)
		orders = [factories.sales_order(customer, [(self.item, 1, amount)]).name for amount in order_amounts]
		for order in orders:
			self.assertEqual(frappe.db.get_value("Sales Order", order, "status"), "On Hold")
		return customer, policy, orders

	def scenario(self):
		"""Three customers whose limit was raised (the third's two orders fit one at a time) and one
		whose limit was not."""
		raised = [
			self.held_customer(1000, 1500),
			self.held_customer(1000, 1500),
			self.held_customer(100, 700, 700),
		]
		untouched = self.held_customer(1000, 1500)
		for _customer, policy, _orders in raised:
			frappe.db.set_value(
				"Credit Policy", policy.name, "credit_limit", 5000 if policy.credit_limit == 1000 else 1000
			)
		return raised, untouched

	def assert_consistent(self, customers: list[str]) -> dict[str, str]:
		"""Each hold decided at most once, its order in step with it, approved credit counted once."""
		statuses = {}
		for customer in customers:
			approved = 0.0
			for hold in frappe.get_all(
				"Credit Hold",
				filters={"customer": customer},
				fields=["name", "status", "reference_name", "amount"],
			):
				decisions = frappe.get_all(
					"Credit Hold Decision", filters={"parent": hold.name}, pluck="decision", order_by="idx"
				)
				order = frappe.db.get_value(
					"Sales Order", hold.reference_name, ["status", "credit_status"], as_dict=True
				)
				if hold.status == "Pending":
					self.assertEqual(decisions, ["Held"], hold.name)
					self.assertEqual((order.status, order.credit_status), ("On Hold", "On Credit Hold"))
				else:
					self.assertEqual(hold.status, "Auto-Released", hold.name)
					self.assertEqual(decisions, ["Held", "Auto-Released"], hold.name)
					self.assertEqual((order.status, order.credit_status), ("To Deliver and Bill", "Released"))
					approved += flt(hold.amount)
				statuses[hold.reference_name] = hold.status
			tally = frappe.db.get_value(
				"Credit Check Tally", {"customer": customer, "company": factories.COMPANY}, "approved_amount"
			)
			self.assertEqual(flt(tally), approved, f"approved credit of {customer} counted twice")
		return statuses

	def assert_final(self, raised, untouched):
		customers = [customer for customer, _p, _o in [*raised, untouched]]
		statuses = self.assert_consistent(customers)
		(_c1, _p1, (order1,)), (_c2, _p2, (order2,)), (_c3, _p3, (older, newer)) = raised
		self.assertEqual(
			[statuses[order] for order in (order1, order2, older, newer, untouched[2][0])],
			["Auto-Released", "Auto-Released", "Auto-Released", "Pending", "Pending"],
		)

	@pytest.mark.slow
	def test_daily_recheck_killed_part_way_releases_each_hold_once(self):
		raised, untouched = self.scenario()
		customers = [customer for customer, _p, _o in [*raised, untouched]]
		job = "o2c_extension.credit_control.jobs.daily"
		release = "o2c_extension.credit_control.holds:_auto_release"
		# one customer per chunk, committed as in production (the job skips commits under tests)
		production = {"o2c_extension.credit_control.jobs:CHUNK_SIZE": 1}
		released = []
		for on_call in (1, 2, 2):
			outcome = run_job(job, kill_at={release: on_call}, settings=production, in_test=False)
			statuses = self.assert_consistent(customers)
			released.append(sum(status == "Auto-Released" for status in statuses.values()))
			if outcome == "completed":
				break
		self.assertEqual(released[0], 0)
		self.assertEqual(run_job(job, settings=production, in_test=False), "completed")
		self.assert_final(raised, untouched)
		self.assertEqual(run_job(job, settings=production, in_test=False), "completed")
		self.assert_final(raised, untouched)

	def test_recheck_failing_after_a_release_undoes_its_chunk_and_the_next_run_completes(self):
		raised, untouched = self.scenario()
		customers = [customer for customer, _p, _o in [*raised, untouched]]
		restore = _wrap("o2c_extension.credit_control.holds:_auto_release", 2, _raise)
		try:
			credit_jobs.daily()
		finally:
			restore()
		self.assertEqual(holds_module._auto_release.__name__, "_auto_release")
		statuses = self.assert_consistent(customers)
		# the failing chunk went back whole, and said so
		self.assertLess(sum(status == "Auto-Released" for status in statuses.values()), 3)
		self.assertTrue(frappe.db.exists("Error Log", {"method": ("like", "Credit re-check failed%")}))

		credit_jobs.daily()
		self.assert_final(raised, untouched)
		credit_jobs.daily()
		self.assert_final(raised, untouched)


# --- collections: the run's chunk worker ----------------------------------------------------


class TestCollectionsRunFaults(FrappeTestCase):
	"""Invoices due yesterday under a rule whose five steps are all due today: an e-mail and a ToDo
	(day 0), a Dunning, a credit hold and an escalation (day 1)."""

	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		frappe.set_user("Administrator")
		factories.company()
		collections_helpers.collection_users()
		collections_helpers.outgoing_email_account()
		collections_helpers.item()
		setup.install_defaults()
		# Under tests Frappe makes an assignment's notification at once (enqueue(now=in_test)) and
		# its Email Queue then commits in the middle of the step, which no step could roll back.
		# In production the notification is a background job. Same as production: no notification
		# e-mails for whoever the run may assign (every holder of the roles, other tests' users too).
		assignees = frappe.get_all(
			"Has Role",
			filters={"parenttype": "User", "role": ("in", ["Collections Agent", "Collections Manager"])},
			pluck="parent",
			distinct=True,
		)
		for user in assignees:
			if not frappe.db.exists("Notification Settings", user):
				frappe.get_doc({"doctype": "Notification Settings", "name": user}).insert(
					ignore_permissions=True
				)
			frappe.db.set_value("Notification Settings", user, "enable_email_notifications", 0)
		posting = add_days(nowdate(), -15)
		factories.ensure_fiscal_year(posting)
		frappe.db.commit()

	def invoices(self, how_many: int) -> list[str]:
		"""One overdue invoice for each of `how_many` customers: the run acts once per customer
		account, so each customer's five actions are this invoice's."""
		names = []
		for _n in range(how_many):
			customer = collections_helpers.customer_with_contacts("_hardening-billing@example.com")
			collections_helpers.rule(
				customer,
				steps=[
					{"day_offset": 0, "action": core.EMAIL_REMINDER, "email_template": setup.DUE_TODAY},
					{"day_offset": 0, "action": core.CREATE_TODO, "assign_to_role": "Collections Agent"},
					{
						"day_offset": 1,
						"action": core.CREATE_DUNNING,
						"dunning_type": collections_helpers.dunning_type(),
					},
					{"day_offset": 1, "action": core.CREDIT_HOLD},
					{"day_offset": 1, "action": core.ESCALATE},
				],
			)
			posting = getdate(add_days(nowdate(), -15))
			names.append(collections_helpers.invoice(customer, posting, due_in_days=14).name)
		return names

	def made_for(self, invoice: str) -> dict[str, int]:
		dunnings = frappe.db.sql(
			"""select count(distinct d.name) from `tabDunning` d
			join `tabOverdue Payment` op on op.parent = d.name and op.parenttype = 'Dunning'
			where op.sales_invoice = %s and d.docstatus = 1""",
			invoice,
		)[0][0]
		# the e-mail and the tasks are the customer's case's (one customer per invoice here)
		case = frappe.db.get_value(
			"Collection Case", {"customer": frappe.db.get_value("Sales Invoice", invoice, "customer")}, "name"
		)
		return {
			core.EMAIL_REMINDER: count(
				"Email Queue", reference_doctype="Collection Case", reference_name=case
			)
			if case
			else 0,
			"ToDo": count("ToDo", reference_type="Collection Case", reference_name=case) if case else 0,
			core.CREATE_DUNNING: dunnings,
			core.CREDIT_HOLD: count("Credit Hold", reference_doctype="Sales Invoice", reference_name=invoice),
		}

	def assert_nothing_twice(self, invoices: list[str]) -> int:
		"""Every document an action made is logged, every log entry points at a document that exists,
		and nothing exists twice. Returns the number of invoices fully done."""
		done = 0
		for invoice in invoices:
			logged = collections_helpers.actions_of(invoice)
			steps = [action.step for action in logged]
			self.assertEqual(len(steps), len(set(steps)), invoice)
			self.assertTrue({action.status for action in logged} <= {core.OPEN, core.COMPLETED}, logged)
			for action in logged:
				self.assertTrue(frappe.db.exists(action.reference_doctype, action.reference_name), action)
			by_action = {}
			for action in logged:
				by_action[action.action] = by_action.get(action.action, 0) + 1
			made = self.made_for(invoice)
			self.assertEqual(
				made,
				{
					core.EMAIL_REMINDER: by_action.get(core.EMAIL_REMINDER, 0),
					# the case's tasks: one per distinct task the ToDo and Escalate steps logged
					"ToDo": len(
						{
							action.reference_name
							for action in logged
							if action.action in (core.CREATE_TODO, core.ESCALATE)
						}
					),
					core.CREATE_DUNNING: by_action.get(core.CREATE_DUNNING, 0),
					core.CREDIT_HOLD: by_action.get(core.CREDIT_HOLD, 0),
				},
				invoice,
			)
			self.assertIn(len(logged), (0, 5), f"{invoice} half done: {logged}")  # one commit per customer
			done += len(logged) == 5
		return done

	def assert_all_done(self, invoices: list[str], todos: int = 2) -> None:
		"""`todos`: the agent's task (cancelled when the escalation handed the case to the manager)
		and the manager's; 1 when the ToDo step came after the escalation and joined its task."""
		self.assertEqual(self.assert_nothing_twice(invoices), len(invoices))
		for invoice in invoices:
			self.assertEqual(collections_helpers.status_of(invoice), core.ESCALATED)
			self.assertEqual(
				self.made_for(invoice),
				{core.EMAIL_REMINDER: 1, "ToDo": todos, core.CREATE_DUNNING: 1, core.CREDIT_HOLD: 1},
			)

	@pytest.mark.slow
	def test_worker_killed_at_each_step_finishes_on_the_next_runs_without_duplicates(self):
		invoices = self.invoices(6)
		worker = "o2c_extension.collections.runner.process_chunk"
		perform = "o2c_extension.collections.runner:perform_group"
		# 5 actions a customer: these calls die at the escalation, the credit hold, the Dunning,
		# the ToDo and the e-mail of successive customers
		done = []
		for on_call in (5, 9, 8, 7, 6):
			outcome = run_job(worker, invoices, kill_at={perform: on_call})
			done.append(self.assert_nothing_twice(invoices))
			self.assertEqual(outcome, "killed")
		self.assertEqual(done, [0, 1, 2, 3, 4])
		self.assertEqual(run_job(worker, invoices), "completed")
		self.assert_all_done(invoices)
		# the daily run's own path (all open invoices of the company, in this process) adds nothing
		runner.run(company=factories.COMPANY, enqueue=False)
		self.assert_all_done(invoices)

	def check_failure_after_work(self, function: str, failing_action: str):
		(invoice,) = self.invoices(1)
		frappe.db.commit()
		restore = _wrap(f"o2c_extension.collections.actions:{function}", 1, _raise)
		try:
			runner.process_chunk([invoice])
		finally:
			restore()
		self.assertEqual(getattr(actions, function).__name__, function)
		logged = {action.action: action for action in collections_helpers.actions_of(invoice)}
		self.assertEqual(logged[failing_action].status, core.FAILED)
		self.assertIn("injected failure", logged[failing_action].error)
		self.assertFalse(logged[failing_action].reference_name)
		# what the failed step made is gone with it; the other four steps were applied
		made = self.made_for(invoice)
		expected = {core.EMAIL_REMINDER: 1, "ToDo": 2, core.CREATE_DUNNING: 1, core.CREDIT_HOLD: 1}
		gone = {
			core.EMAIL_REMINDER: core.EMAIL_REMINDER,
			core.CREATE_TODO: "ToDo",
			core.CREATE_DUNNING: core.CREATE_DUNNING,
			core.CREDIT_HOLD: core.CREDIT_HOLD,
		}[failing_action]
		expected[gone] -= 1
		self.assertEqual(made, expected)

		result = runner.process_chunk([invoice])  # retries the failed step, once
		self.assertEqual(result["actions"], 1)
		todos = 1 if failing_action == core.CREATE_TODO else 2  # the retried ToDo joins the open task
		self.assert_all_done([invoice], todos)
		self.assertEqual(runner.process_chunk([invoice])["actions"], 0)
		self.assert_all_done([invoice], todos)

	def test_reminder_failing_after_it_was_queued_is_sent_once(self):
		self.check_failure_after_work("send_account_reminder", core.EMAIL_REMINDER)

	def test_todo_failing_after_it_was_assigned_is_assigned_once(self):
		self.check_failure_after_work("account_task", core.CREATE_TODO)

	def test_dunning_failing_after_it_was_submitted_is_made_once(self):
		self.check_failure_after_work("create_account_dunning", core.CREATE_DUNNING)

	def test_credit_hold_failing_after_it_was_placed_is_placed_once(self):
		self.check_failure_after_work("hold_customer", core.CREDIT_HOLD)
