"""Exposure vs ERPNext's ``get_customer_outstanding`` (issue 7: "≥ 5× faster").

Times ``erpnext.selling.doctype.customer.customer.get_customer_outstanding(customer, company)``
and the app's exposure function (``bench/ours.py: exposure``) on the same customer, interleaved:
the heavy customer (10,000 invoices, 1,000 open orders, 20 unbilled delivery notes) and the light
one. Read-only; every sample is rolled back anyway. Also lists the SQL statements of ERPNext's
function with their own times, to show where its time goes, and times a bare ``select 1`` (the
floor of any function that asks the database once).

Run: ``../env/bin/python /path/to/bench/exposure.py [--repeat 30] [--warmup 3]``
"""

import statistics
import sys

import frappe
import ours
from common import (
	QueryCounter,
	Variant,
	arguments,
	fmt_ms,
	log,
	machine_line,
	md_code,
	measure,
	paired_median,
	require_dataset,
	run_section,
	speedup_target,
	target_line,
	timing_table,
)
from erpnext.selling.doctype.customer.customer import get_customer_outstanding
from frappe.utils import flt


def variants_for(customer: str, company: str) -> list[Variant]:
	return [
		Variant(
			"erpnext_outstanding",
			"ERPNext get_customer_outstanding (baseline)",
			lambda _state: get_customer_outstanding(customer, company),
		),
		Variant(
			"ours_exposure",
			f"the app's exposure function ({ours.EXPOSURE_FUNCTION})",
			lambda _state: ours.exposure(customer, company),
			check=ours.exposure_check,
		),
		Variant(
			"round_trip",
			"one statement that reads nothing (`select 1` through `frappe.db.sql`): the floor of any"
			" function that asks the database",
			lambda _state: frappe.db.sql("select 1"),
		),
		Variant(
			"ours_api",
			f"the app's REST method ({ours.EXPOSURE_API} through `frappe.handler.execute_cmd`, as"
			" `/api/method` runs it; policy, limit, holds, score and status too)",
			lambda _state: ours.exposure_api(customer, company),
			check=lambda: ours.exposure_check(api=True),
		),
	]


def statement_breakdown(
	customer: str, company: str, samples: int = 5, function=get_customer_outstanding
) -> list[tuple[str, float]]:
	"""The statements of `function` (ERPNext's by default) with the median of their own times over a
	few calls."""
	timings: dict[str, list[float]] = {}
	for _ in range(samples):
		with QueryCounter(keep_queries=True) as qc:
			function(customer, company)
		for query, seconds in qc.queries:
			timings.setdefault(query[:160], []).append(seconds)
	return [(q, statistics.median(t)) for q, t in timings.items()]


def main(argv=None):
	args = arguments(__doc__, repeat=30, warmup=3).parse_args(argv)
	return run_section("exposure", args.no_write, lambda: build(args))


def build(args) -> str:
	heavy = require_dataset("heavy")
	company = heavy["company"]
	lines = [
		machine_line(),
		"",
		f"`bench/exposure.py --repeat {args.repeat} --warmup {args.warmup}`. Timed: one call for the"
		" customer in its company.",
		"",
	]
	for who, customer in (("heavy", heavy["customer"]), ("light", heavy["light_customer"])):
		outstanding = flt(get_customer_outstanding(customer, company), 2)
		log(f"{who} customer {customer}: ERPNext outstanding {outstanding:,.2f}")
		results = measure(variants_for(customer, company), repeat=args.repeat, warmup=args.warmup)
		lines += [
			f"**{who.capitalize()} customer** `{customer}` (ERPNext outstanding {outstanding:,.2f}):",
			"",
			timing_table(results, baseline="erpnext_outstanding"),
			"",
			_verdict(results, who),
			"",
			_api_verdict(results, who),
			"",
		]
		if who == "heavy":
			breakdown = statement_breakdown(customer, company)
			lines += [
				"Where ERPNext's time goes (heavy customer; each statement's own time, median of 5 calls):",
				"",
				"| statement | time |",
				"|---|---|",
				*[f"| {md_code(q)} | {fmt_ms(t)} |" for q, t in breakdown],
				"",
			]
			try:
				ours.exposure_check()
				app_breakdown = statement_breakdown(customer, company, function=ours.exposure)
			except ours.NotMeasuredYet:
				app_breakdown = []
			if app_breakdown:
				lines += [
					"Where the app's exposure function's time goes (heavy customer; each statement's own"
					" time, median of 5 calls): the UNION ALL of the exposure's parts, and the overdue"
					" age, the earliest unpaid payment term of the open invoices found by the database"
					" (window sums over their terms, read from covering indexes; issue 16):",
					"",
					"| statement | time |",
					"|---|---|",
					*[f"| {md_code(q)} | {fmt_ms(t)} |" for q, t in app_breakdown],
					"",
				]
	return "\n".join(lines)


def _api_verdict(results: dict, who: str) -> str:
	"""Issue 16: the REST method within 2× of the exposure function, at most 4 statements."""
	ratio = paired_median(results, "ours_exposure", "ours_api")
	api = results.get("ours_api")
	if ratio is None or not api or not api.queries:
		return target_line(
			f"exposure API within 2× of the exposure function, ≤ 4 statements, {who} customer", None
		)
	statements = max(api.queries)
	met = ratio <= 2 and statements <= 4
	verdict = f"{ratio:.2f}× the exposure function, {statements} statements — " + (
		"met" if met else f"**missed: {ratio:.2f}× and {statements} statements instead of ≤ 2× and ≤ 4**"
	)
	return target_line(
		f"exposure API within 2× of the exposure function, ≤ 4 statements, {who} customer", verdict
	)


def _verdict(results: dict, who: str) -> str:
	ratio = paired_median(results, "erpnext_outstanding", "ours_exposure")
	verdict = speedup_target(f"≥ 5× faster, {who} customer", ratio, 5)
	floor = paired_median(results, "erpnext_outstanding", "round_trip")
	if ratio is not None and 1 / ratio < 5 and floor:
		verdict += (
			f" For comparison a bare `select 1` is {1 / floor:.1f}× faster than ERPNext here (no function"
			" that asks the database can beat it); the app's statements still pay MariaDB's"
			" per-table work (parse, open, range analysis, plan) for each of its parts."
		)
	return verdict


if __name__ == "__main__":
	sys.exit(main())
