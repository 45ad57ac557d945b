"""Credit check on Sales Order submit (issue 7: "≤ 10 % added; queries per check constant in
history size").

Times ``SalesOrder.submit()`` of a new two-line order (inserted untimed just before) for the heavy
customer (10,000 invoices, 1,000 open orders) and, for the history-size comparison, for the light
customer (5 invoices, 2 orders, 1 unbilled delivery note). Variants, interleaved, every sample rolled back:

- ``erpnext_limit``: ERPNext's own Customer Credit Limit set (above the outstanding, so the
  order passes), no app Credit Policy: the baseline. The app's hooks run but do nothing
  without a policy.
- ``erpnext_no_app_hooks``: the same with the app's document hooks switched off for the submit:
  ERPNext alone, to show what the app's hooks cost when no policy applies.
- ``ours_policy``: the same plus the app's Credit Policy (``bench/ours.py: credit_policy_for``).

Also counts the SQL statements of ERPNext's ``check_credit_limit`` alone, per customer.

Run: ``../env/bin/python /path/to/bench/credit_check.py [--repeat 15] [--warmup 2]``
"""

import sys

import frappe
import ours
from common import (
	NotMeasuredYet,
	Variant,
	app_hooks_off,
	arguments,
	count_queries,
	fmt_ratio,
	log,
	machine_line,
	measure,
	overhead_target,
	paired_median,
	paired_ratio,
	require_dataset,
	run_section,
	sales_order_doc,
	timing_table,
)
from frappe.utils import add_days, flt, nowdate

ORDER_LINES = [("_O2C-BENCH-A", 5, 100), ("_O2C-BENCH-B", 2, 250)]


def new_order(ctx: dict, customer: str):
	doc = sales_order_doc(ctx, customer, ORDER_LINES, add_days(nowdate(), 7))
	doc.insert()
	return doc


def variants_for(ctx: dict, customer: str) -> list[Variant]:
	credit_limit = flt(
		frappe.db.get_value(
			"Customer Credit Limit",
			{"parent": customer, "parenttype": "Customer", "company": ctx["company"]},
			"credit_limit",
		)
	)
	if not credit_limit:
		raise SystemExit(
			f"{customer} has no ERPNext credit limit in {ctx['company']}: re-run bench/datagen.py"
		)

	def submit(doc):
		doc.submit()
		if doc.status == "On Hold":
			raise RuntimeError("the order was put on hold: the comparison needs an order that passes")

	def submit_without_app(doc):
		with app_hooks_off():
			doc.submit()

	def prepare_ours():
		ours.credit_policy_for(customer, ctx["company"], credit_limit)
		return new_order(ctx, customer)

	return [
		Variant(
			"erpnext_limit",
			"ERPNext Customer Credit Limit, no app policy (baseline)",
			submit,
			prepare=lambda: new_order(ctx, customer),
		),
		Variant(
			"erpnext_no_app_hooks",
			"same, app's document hooks switched off (ERPNext alone)",
			submit_without_app,
			prepare=lambda: new_order(ctx, customer),
		),
		Variant(
			"ours_policy",
			"same + the app's Credit Policy (check on Sales Order)",
			submit,
			prepare=prepare_ours,
			check=ours.credit_policy_check,
		),
	]


def context() -> dict:
	heavy = require_dataset("heavy")
	return {
		"company": heavy["company"],
		"warehouse": f"Stores - {heavy['abbr']}",
		"price_list": "_O2C Bench Selling",
		"heavy": heavy["customer"],
		"light": heavy["light_customer"],
		"dataset": heavy,
	}


def history(ctx: dict, customer: str) -> str:
	invoices = frappe.db.count(
		"Sales Invoice", {"customer": customer, "company": ctx["company"], "docstatus": 1}
	)
	orders = frappe.db.sql(
		"""select count(*) from `tabSales Order` where customer = %s and company = %s and docstatus = 1
		and per_billed < 100 and status not in ('Closed', 'Completed')""",
		(customer, ctx["company"]),
	)[0][0]
	gle = frappe.db.count("GL Entry", {"party": customer, "company": ctx["company"], "is_cancelled": 0})
	return f"{invoices:,} submitted invoices, {orders:,} open orders, {gle:,} GL entries"


def main(argv=None):
	args = arguments(__doc__, repeat=15, warmup=2).parse_args(argv)
	return run_section("credit_check", args.no_write, lambda: build(args))


def build(args) -> str:
	ctx = context()
	header = machine_line()
	blocks = []
	check_counts = []
	per_who: dict[str, dict] = {}
	# heavy and light customers interleaved in one run, so their ratio is meaningful too
	variants = []
	for who in ("heavy", "light"):
		log(f"{who} customer {ctx[who]}: {history(ctx, ctx[who])}")
		for v in variants_for(ctx, ctx[who]):
			v.name = f"{who}:{v.name}"
			variants.append(v)
	results = measure(variants, repeat=args.repeat, warmup=args.warmup)
	from erpnext.selling.doctype.customer.customer import check_credit_limit

	for who in ("heavy", "light"):
		customer = ctx[who]
		per_who[who] = {
			name.split(":", 1)[1]: res for name, res in results.items() if name.startswith(f"{who}:")
		}
		blocks.append(
			f"**{who.capitalize()} customer** `{customer}` ({history(ctx, customer)}):\n\n"
			+ timing_table(per_who[who], baseline="erpnext_limit")
		)
		blocks.append(_verdict(per_who[who], who))
		_, qc = count_queries(check_credit_limit, customer, ctx["company"])
		frappe.db.rollback()
		check_counts.append((who, qc))
	history_rows = []
	for name in per_who["heavy"]:
		heavy, light = per_who["heavy"][name], per_who["light"][name]
		if heavy.measured and light.measured:
			history_rows.append(f"| `{name}` | {fmt_ratio(paired_ratio(light, heavy))} |")

	lines = [
		header,
		"",
		f"`bench/credit_check.py --repeat {args.repeat} --warmup {args.warmup}`. Timed: `submit()` of a",
		"new Sales Order (2 lines, 1,000.00) inserted untimed just before; every sample rolled back.",
		"The ERPNext credit limit of each customer is above its outstanding, so every order passes.",
		"",
		*[b + "\n" for b in blocks],
		"Submit time of the heavy customer ÷ the light one (paired, same run): what history costs:",
		"",
		"| variant | heavy ÷ light |",
		"|---|---|",
		*history_rows,
		"",
		"SQL statements per submit against history size (target for the app: the same for both):",
		"",
		"| variant | heavy customer | light customer | constant in history size |",
		"|---|---|---|---|",
		*[_constancy_row(name, per_who) for name in per_who["heavy"]],
		"",
		"SQL statements of ERPNext's own `check_credit_limit(customer, company)` (part of every"
		" submit above):",
		"",
		"| customer | statements (frappe.db.sql) | of which | MariaDB `Questions` |",
		"|---|---|---|---|",
		*[
			f"| {who} | {qc.count} | {', '.join(f'{k} {v}' for k, v in sorted(qc.kinds.items()))} |"
			f" {qc.server_count} |"
			for who, qc in check_counts
		],
	]
	return "\n".join(lines)


def _constancy_row(name: str, per_who: dict) -> str:
	heavy, light = per_who["heavy"][name], per_who["light"][name]
	if not (heavy.measured and light.measured):
		return f"| `{name}` | not measured yet | | |"
	same = set(heavy.queries) == set(light.queries) and len(set(heavy.queries)) == 1
	return f"| `{name}` | {heavy.queries_per_sample()} | {light.queries_per_sample()} | {'yes' if same else 'no'} |"


def _verdict(results: dict, who: str) -> str:
	ratio = paired_median(results, "erpnext_limit", "ours_policy")
	return overhead_target(f"≤ 10 % added, {who} customer", ratio, 10, noun=" added")


if __name__ == "__main__":
	try:
		sys.exit(main())
	except NotMeasuredYet as e:
		sys.exit(f"not measured yet: {e}")
