"""Parallel credit checks: 20 Sales Orders submitted at the same moment for 20 different customers
(issue 16: "keep ≥ 90 % of ERPNext's throughput without the app").

20 worker processes, each with its own database connection, each for its own customer of the
``c10k`` company (history: 20 invoices each). A round: every worker inserts a Sales Order for its
customer (untimed; named by the worker, so no naming series row is shared), waits at a barrier,
submits it, and rolls back (nothing is kept). Round time = first start to last end over the 20
workers; throughput = 20 ÷ round time. Variants, interleaved round by round:

- ``erpnext_alone``: the app's document hooks switched off (ERPNext alone, its own credit-limit
  check with each customer's Customer Credit Limit) — the baseline;
- ``ours_policy``: the app, one Credit Policy per customer checking Sales Orders (limit above the
  exposure: every order passes), so every submit runs the app's serialised credit check.

The order's lines are a service item (no stock, no Bin row every order would update), so what
could make one customer's submit wait for another's is the credit check alone. The policies are
committed for the run (the workers must see them) and deleted afterwards.

Run: ``../env/bin/python /path/to/bench/parallel_credit_checks.py [--repeat 5] [--warmup 1] [--workers 20]``
"""

import multiprocessing
import os
import sys
import time
import types
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import frappe
from common import (
	app_hooks_off,
	arguments,
	connect,
	log,
	machine_line,
	require_dataset,
	run_section,
	sales_order_doc,
	summarize,
	target_line,
)
from erpnext.selling.doctype.sales_order.sales_order import SalesOrder
from frappe.utils import add_days, nowdate

ITEM = "_O2C-BENCH-SVC"
POLICY_PREFIX = "_o2c-bench-parallel"
VARIANTS = {
	"erpnext_alone": "ERPNext alone: the app's document hooks and credit-limit override off (baseline)",
	"ours_policy": "the app with a Credit Policy per customer checking Sales Orders",
}
TARGET = 0.9


def worker(index: int, ctx: dict, tasks, results, barrier) -> None:
	"""One worker process: for each task (round, variant) insert, wait, submit, roll back."""
	connect()
	try:
		customer = ctx["customers"][index]
		while True:
			task = tasks.get()
			if task is None:
				return
			round_no, variant = task
			outcome = {"worker": index, "round": round_no, "variant": variant}
			try:
				doc = sales_order_doc(ctx, customer, [(ITEM, 2, 50)], add_days(nowdate(), 7))
				doc.insert(set_name=f"_O2C-PAR-{os.getpid()}-{round_no}")
				barrier.wait(timeout=120)
				started = time.time()
				if variant == "erpnext_alone":
					# ERPNext's own class method too: the app's override would run its check
					doc.check_credit_limit = types.MethodType(SalesOrder.check_credit_limit, doc)
					with app_hooks_off():
						doc.submit()
				else:
					doc.submit()
				outcome.update(started=started, ended=time.time(), status=doc.status)
			except Exception as e:
				outcome.update(error=f"{type(e).__name__}: {str(e)[:200]}")
				barrier.abort()  # the others stop waiting; the round is reported failed
			finally:
				frappe.db.rollback()
				results.put(outcome)
	finally:
		frappe.destroy()


def make_policies(ctx: dict) -> None:
	for customer in ctx["customers"]:
		name = frappe.db.get_value("Credit Policy", {"company": ctx["company"], "customer": customer})
		if name:
			continue
		frappe.get_doc(
			{
				"doctype": "Credit Policy",
				"company": ctx["company"],
				"applies_to": "Customer",
				"customer": customer,
				"credit_limit": 10_000_000,
				"check_on_sales_order": 1,
				"enabled": 1,
			}
		).insert(ignore_permissions=True)
	frappe.db.commit()


def drop_policies(ctx: dict) -> None:
	for name in frappe.get_all(
		"Credit Policy",
		filters={"company": ctx["company"], "customer": ("in", ctx["customers"]), "credit_limit": 10_000_000},
		pluck="name",
	):
		frappe.delete_doc("Credit Policy", name, ignore_permissions=True, force=True)
	frappe.db.commit()


def context(workers: int) -> dict:
	info = require_dataset("c10k")
	customers = [f"{info['customer_prefix']}{n:05d}" for n in range(1, workers + 1)]
	missing = [c for c in customers if not frappe.db.exists("Customer", c)]
	if missing:
		raise SystemExit(f"c10k has fewer than {workers + 1} customers: run bench/datagen.py c10k")
	return {
		"company": info["company"],
		"warehouse": f"Stores - {info['abbr']}",
		"price_list": "_O2C Bench Selling",
		"customers": customers,
		"dataset": info,
	}


def run_rounds(ctx: dict, workers: int, repeat: int, warmup: int) -> dict[str, dict]:
	spawn = multiprocessing.get_context("spawn")
	tasks = [spawn.Queue() for _ in range(workers)]
	results = spawn.Queue()
	barrier = spawn.Barrier(workers)
	processes = [
		spawn.Process(target=worker, args=(i, ctx, tasks[i], results, barrier), daemon=True)
		for i in range(workers)
	]
	for process in processes:
		process.start()
	measured: dict[str, dict] = {v: {"rounds": [], "errors": [], "held": 0} for v in VARIANTS}
	try:
		round_no = 0
		names = list(VARIANTS)
		for repetition in range(warmup + repeat):
			order = names if repetition % 2 == 0 else list(reversed(names))
			for variant in order:
				round_no += 1
				for queue in tasks:
					queue.put((round_no, variant))
				outcomes = [results.get(timeout=600) for _ in range(workers)]
				if barrier.broken:
					barrier.reset()
				errors = [o["error"] for o in outcomes if "error" in o]
				if repetition < warmup:
					continue
				if errors:
					measured[variant]["errors"] += errors
					continue
				span = max(o["ended"] for o in outcomes) - min(o["started"] for o in outcomes)
				measured[variant]["rounds"].append(span)
				measured[variant]["held"] += sum(1 for o in outcomes if o["status"] == "On Hold")
				log(f"  round {round_no} {variant}: {workers} submits in {span * 1000:.0f} ms")
	finally:
		for queue in tasks:
			queue.put(None)
		for process in processes:
			process.join(timeout=60)
	return measured


def main(argv=None):
	parser = arguments(__doc__, repeat=5, warmup=1, workers=20)
	args = parser.parse_args(argv)
	return run_section("parallel_credit_checks", args.no_write, lambda: build(args))


def build(args) -> str:
	ctx = context(args.workers)
	make_policies(ctx)
	frappe.db.commit()
	try:
		measured = run_rounds(ctx, args.workers, args.repeat, args.warmup)
	finally:
		connect()
		drop_policies(ctx)
	lines = [
		machine_line(),
		"",
		f"`bench/parallel_credit_checks.py --repeat {args.repeat} --warmup {args.warmup} --workers"
		f" {args.workers}`. {args.workers} processes, one Sales Order each (one line of a service item,"
		f" 100.00) for {args.workers} different customers of `{ctx['company']}`, submitted at the same"
		" moment (a barrier), then rolled back. Round time = first start to last end.",
		"",
		"| variant | rounds | round time median (min–max) | orders/s (median) | failed submits | held |",
		"|---|---|---|---|---|---|",
	]
	throughput = {}
	for variant, label in VARIANTS.items():
		data = measured[variant]
		stats = summarize(data["rounds"])
		if stats:
			throughput[variant] = args.workers / stats["median"]
			cell = f"{stats['median'] * 1000:.0f} ms ({stats['min'] * 1000:.0f}–{stats['max'] * 1000:.0f})"
			rate = f"{throughput[variant]:.1f}"
		else:
			cell, rate = "–", "–"
		lines.append(
			f"| `{variant}` — {label} | {stats.get('n', 0)} | {cell} | {rate} | {len(data['errors'])} |"
			f" {data['held']} |"
		)
	errors = [e for data in measured.values() for e in data["errors"]]
	verdict = None
	if len(throughput) == 2:
		ratio = throughput["ours_policy"] / throughput["erpnext_alone"]
		verdict = f"{ratio * 100:.0f} % of ERPNext's throughput — " + (
			"met" if ratio >= TARGET and not errors else f"**missed: {ratio * 100:.0f} % instead of ≥ 90 %**"
		)
	lines += ["", target_line("parallel credit checks ≥ 90 % of ERPNext's throughput", verdict)]
	if errors:
		lines += ["", "Failed submits (first 5):", "", *[f"- {error}" for error in errors[:5]]]
	return "\n".join(lines)


if __name__ == "__main__":
	sys.exit(main())
