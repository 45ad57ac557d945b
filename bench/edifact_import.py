"""EDIFACT import: a 5,000-line DELFOR interchange read, matched and applied as a Schedule Release,
and the call-off that follows (issue 14).

The script makes what it needs on the benchmark site itself, once and idempotently, apart from
every other benchmark's data: customer ``_O2C Bench EDI Customer`` (EDI Party ID
``O2C-BENCH-EDI``), 50 items ``_O2C-BENCH-EDI-001`` ... ``-050`` and one Active Scheduling
Agreement (reference ``O2C-BENCH-EDI-DA``, horizon 7 days). The interchange holds one DELFOR D96A
message: for each of the 50 items (named by the customer's item code), 100 daily lines (days 1 to
100; firm up to day 14, forecast after), its cumulative received quantity and last delivery note:
5,000 schedule lines. Variants, interleaved, each sample rolled back:

- ``rest_release`` (baseline): the same 5,000 lines imported as JSON through ``import_release``;
- ``edifact_parse``: reading the interchange alone (pydifact + the DELFOR mapping, no database);
- ``edifact_import``: ``import_edifact(content)``: read, matched, applied, the message attached;
- ``edifact_import_calloff``: the import and then the call-off of the agreement (7 Sales Orders of
  50 lines: the firm lines due within the horizon).

Run: ``../env/bin/python /path/to/bench/edifact_import.py [--repeat 5] [--warmup 1]``
"""

import os
import sys

import frappe
from common import Variant, arguments, datasets_made, machine_line, measure, run_section, timing_table
from frappe.utils import add_days, getdate, nowdate

ITEMS = 50
DAYS = 100
FIRM_DAYS = 14
CUSTOMER = "_O2C Bench EDI Customer"
PARTY = "O2C-BENCH-EDI"
REFERENCE = "O2C-BENCH-EDI-DA"
ITEM_PREFIX = "_O2C-BENCH-EDI-"


def customer_code(index: int) -> str:
	return f"C-EDI-{index:03d}"


def prepare() -> dict:
	"""The benchmark's own customer, items and agreement (made once, committed)."""
	company = (datasets_made().get("heavy") or {}).get("company") or frappe.get_all(
		"Company", pluck="name", order_by="creation asc", limit=1
	)[0]
	if not frappe.db.exists("Customer", CUSTOMER):
		frappe.get_doc(
			{
				"doctype": "Customer",
				"customer_name": CUSTOMER,
				"customer_group": frappe.get_all(
					"Customer Group", filters={"is_group": 0}, pluck="name", limit=1
				)[0],
				"territory": frappe.get_all("Territory", pluck="name", order_by="lft asc", limit=1)[0],
				"edi_party_id": PARTY,
			}
		).insert()
	items = [f"{ITEM_PREFIX}{index:03d}" for index in range(1, ITEMS + 1)]
	group = frappe.get_all("Item Group", filters={"is_group": 0}, pluck="name", limit=1)[0]
	for code in items:
		if not frappe.db.exists("Item", code):
			frappe.get_doc(
				{
					"doctype": "Item",
					"item_code": code,
					"item_name": code,
					"item_group": group,
					"stock_uom": "Nos",
					"is_stock_item": 0,
				}
			).insert()
	agreement = frappe.db.get_value(
		"Scheduling Agreement", {"customer_reference": REFERENCE, "docstatus": 1, "status": "Active"}
	)
	if not agreement or getdate(frappe.db.get_value("Scheduling Agreement", agreement, "valid_to")) < getdate(
		add_days(nowdate(), DAYS + 1)
	):
		doc = frappe.get_doc(
			{
				"doctype": "Scheduling Agreement",
				"customer": CUSTOMER,
				"company": company,
				"currency": frappe.get_cached_value("Company", company, "default_currency"),
				"customer_reference": REFERENCE,
				"valid_from": nowdate(),
				"valid_to": add_days(nowdate(), 365),
				"release_horizon_days": 7,
				"items": [
					{
						"item_code": code,
						"customer_item_code": customer_code(index),
						"agreed_qty": 10**6,
						"rate": 10,
					}
					for index, code in enumerate(items, start=1)
				],
			}
		)
		doc.insert()
		doc.submit()
		agreement = doc.name
	frappe.db.commit()
	return {"agreement": agreement, "items": items, "content": interchange()}


def interchange() -> str:
	"""One DELFOR message of ITEMS × DAYS lines, one segment a line."""
	today = getdate(nowdate())
	body = [
		"BGM+241+BENCH-DELFOR-1+9",
		f"DTM+137:{today:%Y%m%d}:102",
		f"RFF+ON:{REFERENCE}",
		f"NAD+BY+{PARTY}::92",
		"NAD+SE+O2C-SUPPLIER::92",
	]
	for index in range(1, ITEMS + 1):
		body += [f"LIN+{index}++{customer_code(index)}:IN", "QTY+70:0"]
		for day in range(1, DAYS + 1):
			body += [
				f"SCC+{1 if day <= FIRM_DAYS else 4}",
				f"QTY+113:{10 + index % 7}",
				f"DTM+2:{getdate(add_days(today, day)):%Y%m%d}:102",
			]
	segments = [
		"UNB+UNOC:3+BENCH-BUYER:14+BENCH-SUPPLIER:14+261201:0800+BENCH1",
		"UNH+1+DELFOR:D:96A:UN",
		*body,
		f"UNT+{len(body) + 2}+1",
		"UNZ+1+BENCH1",
	]
	return "UNA:+.? '\n" + "".join(f"{segment}'\n" for segment in segments)


def rest_lines(ctx: dict) -> list[dict]:
	today = getdate(nowdate())
	return [
		{
			"item_code": code,
			"schedule_date": str(getdate(add_days(today, day))),
			"qty": 10 + index % 7,
			"line_type": "Firm" if day <= FIRM_DAYS else "Forecast",
		}
		for index, code in enumerate(ctx["items"], start=1)
		for day in range(1, DAYS + 1)
	]


def variants(ctx: dict) -> list[Variant]:
	from o2c_extension.scheduling.call_off import call_off
	from o2c_extension.scheduling.edifact import read_interchange
	from o2c_extension.scheduling.edifact_import import import_edifact
	from o2c_extension.scheduling.release import import_release

	lines = rest_lines(ctx)

	def parse(_state):
		result = read_interchange(ctx["content"])
		if result.errors or len(result.messages[0].lines) != ITEMS * DAYS:
			raise RuntimeError(f"the interchange did not read: {result.errors}")

	def edifact(_state):
		result = import_edifact(ctx["content"])
		if result["errors"] or result["releases"][0]["lines_added"] != ITEMS * DAYS:
			raise RuntimeError(f"the interchange did not apply: {result['errors']}")

	def edifact_and_call_off(state):
		edifact(state)
		orders = call_off([ctx["agreement"]]).sales_orders
		if len(orders) != 7:
			raise RuntimeError(f"the call-off made {len(orders)} Sales Orders, expected 7")

	def rest(_state):
		release = import_release(ctx["agreement"], "BENCH-REST-1", nowdate(), lines=lines)
		if release.lines_added != ITEMS * DAYS:
			raise RuntimeError("the REST release did not apply")

	return [
		Variant("rest_release", "the same 5,000 lines through import_release (JSON)", rest, cleanup=cleanup),
		Variant("edifact_parse", "reading the interchange only (no database)", parse),
		Variant(
			"edifact_import",
			"import_edifact(content): read, matched, applied, attached",
			edifact,
			cleanup=cleanup,
		),
		Variant(
			"edifact_import_calloff",
			"import_edifact and the call-off that follows (7 Sales Orders × 50 lines)",
			edifact_and_call_off,
			cleanup=cleanup,
		),
	]


def cleanup(_state=None):
	"""Roll the sample back, and remove the files of the attached messages it wrote to disk."""
	paths = [
		frappe.get_doc("File", name).get_full_path()
		for name in frappe.get_all(
			"File",
			filters={"attached_to_doctype": "Schedule Release", "file_name": ("like", "DELFOR-BENCH-%")},
			pluck="name",
		)
	]
	frappe.db.rollback()
	for path in paths:
		if os.path.exists(path) and not frappe.db.exists(
			"File", {"file_url": ("like", f"%{os.path.basename(path)}")}
		):
			os.remove(path)


def main(argv=None):
	parser = arguments(__doc__, repeat=5, warmup=1)
	args = parser.parse_args(argv)

	def build() -> str:
		ctx = prepare()
		results = measure(variants(ctx), repeat=args.repeat, warmup=args.warmup)
		return "\n".join(
			[
				machine_line(),
				"",
				f"`bench/edifact_import.py --repeat {args.repeat} --warmup {args.warmup}`. One DELFOR D96A"
				f" interchange of {ITEMS} items × {DAYS} daily lines = {ITEMS * DAYS:,} schedule lines"
				f" ({len(ctx['content']) // 1024} KiB), named by the customer's item codes, into agreement"
				f" `{ctx['agreement']}` (no schedule before the sample); the call-off makes the firm lines"
				" due within its 7-day horizon into 7 Sales Orders of 50 lines. Times are per sample.",
				"",
				timing_table(results, baseline="rest_release"),
			]
		)

	return run_section("edifact_import", args.no_write, build)


if __name__ == "__main__":
	sys.exit(main())
