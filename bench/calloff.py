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

import sys

import ours
from common import (
	Variant,
	arguments,
	machine_line,
	measure,
	overhead_target,
	paired_median,
	require_dataset,
	run_section,
	sales_order_doc,
	timing_table,
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
		doc = sales_order_doc(ctx, ctx["customer"], ctx["lines"], add_days(nowdate(), day))
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
	parser = arguments(__doc__, orders=20, repeat=7, warmup=1)
	args = parser.parse_args(argv)

	def build() -> str:
		ctx = context()
		results = measure(variants(ctx, args.orders), repeat=args.repeat, warmup=args.warmup)
		ratio = paired_median(results, "erpnext_direct", "ours_calloff")
		return "\n".join(
			[
				machine_line(),
				"",
				f"`bench/calloff.py --orders {args.orders} --repeat {args.repeat} --warmup {args.warmup}`."
				f" One sample = {args.orders} Sales Orders for `{ctx['customer']}` ({ctx['company']}), one per"
				" delivery date, 2 lines each (no credit limit on this customer); times are per sample.",
				"",
				timing_table(results, baseline="erpnext_direct", per_unit="orders"),
				"",
				overhead_target("≤ 20 % overhead", ratio, 20),
			]
		)

	return run_section("calloff", args.no_write, build)


if __name__ == "__main__":
	sys.exit(main())
