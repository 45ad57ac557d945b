"""Call-off vs creating the same Sales Orders directly (issue 7: "≤ 20 % overhead").

One sample makes ``--orders`` Sales Orders for the call-off customer, one per delivery date
(tomorrow, the day after, ...), each with the same two lines:

- ``erpnext_direct`` (baseline): ``frappe.get_doc(...).insert()`` + ``submit()`` per order, the
  way an integration or a user would create them;
- ``ours_calloff``: the app's call-off from a Scheduling Agreement holding one Firm schedule line
  per (date, item) (``bench/ours.py``: ``calloff_setup`` untimed, ``calloff_run`` timed).

Interleaved, every sample rolled back; reported as orders per second.

Run: ``../env/bin/python /path/to/bench/calloff.py [--orders 20] [--repeat 7] [--warmup 1]``
"""

import argparse
import sys

import frappe
import ours
from common import (
	Variant,
	connect,
	machine_line,
	measure,
	paired_ratio,
	require_dataset,
	timing_table,
	write_machine_section,
	write_section,
)
from frappe.utils import add_days, nowdate

LINES = [("_O2C-BENCH-A", 4, 100), ("_O2C-BENCH-B", 2, 250)]


def context() -> dict:
	heavy = require_dataset("heavy")
	return {
		"company": heavy["company"],
		"customer": heavy["calloff_customer"],
		"currency": "USD",
		"price_list": "_O2C Bench Selling",
		"warehouse": f"Stores - {heavy['abbr']}",
		"lines": LINES,
	}


def direct_orders(ctx: dict, orders: int) -> list[str]:
	"""The baseline: the same orders the call-off makes, created and submitted directly."""
	names = []
	for day in range(1, orders + 1):
		date = add_days(nowdate(), day)
		doc = frappe.get_doc(
			{
				"doctype": "Sales Order",
				"customer": ctx["customer"],
				"company": ctx["company"],
				"currency": ctx["currency"],
				"selling_price_list": ctx["price_list"],
				"transaction_date": nowdate(),
				"delivery_date": date,
				"set_warehouse": ctx["warehouse"],
				"items": [
					{
						"item_code": c,
						"qty": q,
						"rate": r,
						"warehouse": ctx["warehouse"],
						"delivery_date": date,
					}
					for c, q, r in ctx["lines"]
				],
			}
		)
		doc.insert()
		doc.submit()
		names.append(doc.name)
	return names


def variants(ctx: dict, orders: int) -> list[Variant]:
	def run_ours(state):
		made = ours.calloff_run(state)
		if len(made) != orders:
			raise RuntimeError(f"call-off made {len(made)} orders, expected {orders}")
		return made

	return [
		Variant(
			"erpnext_direct",
			"Sales Orders created + submitted directly (baseline)",
			lambda _state: direct_orders(ctx, orders),
			units=orders,
		),
		Variant(
			"ours_calloff",
			f"the app's call-off ({ours.RELEASE_NOW_FUNCTION})",
			run_ours,
			prepare=lambda: ours.calloff_setup(ctx, orders),
			check=ours.calloff_check,
			units=orders,
		),
	]


def main(argv=None):
	parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
	parser.add_argument("--orders", type=int, default=20, help="orders per sample")
	parser.add_argument("--repeat", type=int, default=7)
	parser.add_argument("--warmup", type=int, default=1)
	parser.add_argument("--no-write", action="store_true", help="print, do not update docs/PERFORMANCE.md")
	args = parser.parse_args(argv)

	connect()
	try:
		ctx = context()
		results = measure(variants(ctx, args.orders), repeat=args.repeat, warmup=args.warmup)
		base, ours_res = results["erpnext_direct"], results["ours_calloff"]
		if ours_res.measured:
			overhead = (paired_ratio(base, ours_res)["median"] - 1) * 100
			state = "met" if overhead <= 20 else f"**missed by {overhead - 20:.1f} points**"
			verdict = f"Target (≤ 20 % overhead): {overhead:+.1f} % (paired median) — {state}."
		else:
			verdict = "Target (≤ 20 % overhead): not measured yet."
		body = "\n".join(
			[
				machine_line(),
				"",
				f"`bench/calloff.py --orders {args.orders} --repeat {args.repeat} --warmup {args.warmup}`."
				f" One sample = {args.orders} Sales Orders for `{ctx['customer']}` ({ctx['company']}), one per"
				" delivery date, 2 lines each (no credit limit on this customer); times are per sample.",
				"",
				timing_table(results, baseline="erpnext_direct", per_unit="orders"),
				"",
				verdict,
			]
		)
		print(body)
		if not args.no_write:
			write_machine_section()
			write_section("calloff", body)
	finally:
		frappe.db.rollback()
		frappe.destroy()
	return 0


if __name__ == "__main__":
	sys.exit(main())
