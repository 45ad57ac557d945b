"""The "Targets" section at the top of docs/PERFORMANCE.md: one row per target of issue 7, met or
missed, by how much, and why where missed.

Reads the figures from the sections the benchmark scripts wrote (their "Target ..." lines and
tables) and copies them; it measures nothing and types no figure itself. Run it after the
benchmarks (no site needed):

	python bench/summary.py [--no-write]
"""

import argparse
import re
import sys

from common import PERFORMANCE_MD, _split_sections, write_section

# Why a target is missed, shown only when the section says "missed". Figures stay in the sections.
WHY = {
	"credit": (
		"the app's check replaces ERPNext's GL sum by the exposure, whose overdue age (the earliest"
		" unpaid payment term) still reads the terms of every open invoice of the customer (5,000"
		" invoices, 10,000 terms for the heavy customer), in one statement of window sums from"
		" covering indexes since issue 16 (see Exposure): on a loaded machine that statement and the"
		" ledger part together cost a little more than the GL sum they replace. The run's spread is"
		" of the size of the miss (compare `erpnext_no_app_hooks` with the baseline: the same work);"
		" going further needs an earliest unpaid due date kept per invoice by the payment events."
		" The light customer's check, with the same statements, stays within the target"
	),
	"exposure": (
		"the overdue age is the age of the earliest unpaid payment term, which ERPNext's figure does"
		" not have: one statement of window sums over the terms of every open invoice of the"
		" customer (5,000 invoices and their terms for the heavy customer, read from covering"
		" indexes since issue 16; see the Exposure section's breakdown), next to the ledger part."
		" Receivables themselves come from open items and covering indexes"
	),
	"rate": (
		"reading and deciding are not what caps it: profiled (pyinstrument, c10k, 2026-12-02), the"
		" chunk jobs spend 15 % of their time reading the 10,000 invoices with their terms and"
		" actions and deciding (about 4,000 invoices/s on their own) and 83 % in the customer"
		" accounts' own transactions, about 26 ms for each of the 499 customers: its Collection Case"
		" opened through Frappe's Document (naming series, link checks, other apps' hooks: a quarter"
		" of the run), the customer's lock and one commit per customer, its invoices' statuses and"
		" evaluation keys. The first full run opens every case; a later one finds them. Going"
		" further means cases inserted in bulk past their hooks and several customers per"
		" transaction, which we judged not worth it for a run that since issue 16 evaluates only"
		" what is due (see the Collections run section)"
	),
	"rerun": (
		"a same-day re-run evaluates only the invoices whose evaluation key is stale, but finding"
		" them still reads the key of every open invoice of the company (from the covering index"
		" `o2c_collections_run_index`); with a short first run that scan is what is left"
	),
	"exposure_light": (
		"with almost no history both functions cost little more than their round trips: ERPNext's"
		" four simple statements against the app's one statement of five parts (ledger, invoices,"
		" dunning, open orders, deliveries), for each of which MariaDB, which has no plan cache,"
		" parses, opens, analyses and plans its tables again (about 0.3 ms a part here); five times"
		" faster would mean about two empty round trips, which only a stored per-customer running"
		" total could reach: a design change (a second copy of the ledger to keep in step) that we"
		" judged not worth it for a call that takes 1.5 ms"
	),
	"api": "see the Exposure section: the REST method's permission checks and its four statements",
	"workspace": "see the Order to Cash workspace section",
	"collections": "see the Collections run section",
	"parallel": "see the Parallel credit checks section",
	"calloff": "see the Call-off section",
	"queries": "see the Credit check section",
}


def verdict(text: str) -> str:
	# "figure (its context) — met": the verdict is what follows the last dash
	text = text.rsplit(" — ", 1)[-1]
	if "not measured" in text:
		return "not measured"
	if "missed" in text:
		return "**missed**"
	if "met" in text:
		return "met"
	return "?"


def target_lines(section: str) -> list[tuple[str, str]]:
	"""(what, result) of each 'Target (what): result.' line of a section."""
	return [
		(m.group(1), m.group(2).rstrip(".")) for m in re.finditer(r"^Target \((.+?)\): (.+)$", section, re.M)
	]


def row(target: str, measured: str, why_key: str) -> str:
	state = verdict(measured)
	why = WHY[why_key] if state == "**missed**" else ""
	return f"| {target} | {measured} | {state} | {why} |"


def credit_rows(section: str) -> list[str]:
	rows = [row(f"Credit check: {what}", result, "credit") for what, result in target_lines(section)]
	m = re.search(r"^\| `ours_policy` \| ([^|]+) \| ([^|]+) \| ([^|]+) \|$", section, re.M)
	if m:
		heavy, light, constant = (part.strip() for part in m.groups())
		measured = f"heavy {heavy}, light {light} statements per submit"
		state = "met" if constant == "yes" else ("**missed**" if constant == "no" else "not measured")
		rows.append(
			f"| Credit check: SQL statements constant in history size | {measured} | {state} |"
			f" {WHY['queries'] if state == '**missed**' else ''} |"
		)
	return rows


def exposure_rows(section: str) -> list[str]:
	return [
		row(
			f"Exposure: {what}",
			result,
			"api" if "API" in what else ("exposure_light" if "light" in what else "exposure"),
		)
		for what, result in target_lines(section)
	]


def workspace_rows(section: str) -> list[str]:
	return [row(f"Workspace: {what}", result, "workspace") for what, result in target_lines(section)]


def parallel_rows(section: str) -> list[str]:
	return [row(f"Credit checks: {what}", result, "parallel") for what, result in target_lines(section)]


def calloff_rows(section: str) -> list[str]:
	return [row(f"Call-off: {what}", result, "calloff") for what, result in target_lines(section)]


def split_outside_parentheses(text: str, separator: str = "; ") -> list[str]:
	"""The parts of a "Targets: a; b; c" line; a part's own "; " inside parentheses stays in it."""
	parts, depth, start = [], 0, 0
	for index, char in enumerate(text):
		depth += {"(": 1, ")": -1}.get(char, 0)
		if depth == 0 and text.startswith(separator, index):
			parts.append(text[start:index])
			start = index + len(separator)
	parts.append(text[start:])
	return [part for part in parts if part]


def collections_rows(section: str) -> list[str]:
	rows = []
	blocks = re.split(r"^\*\*`(\w+)`\*\*", section, flags=re.M)
	for name, block in zip(blocks[1::2], blocks[2::2], strict=False):
		rates = dict(re.findall(r"^\| `ours_no_action` — [^|]+ \| (\d) \| \d+ \| ([\d,]+/s)", block, re.M))
		targets = re.search(r"^Targets: (.+)$", block, re.M)
		parts = split_outside_parentheses(targets.group(1).rstrip(".")) if targets else []
		for part in parts:
			if part.startswith("≥ 2,000/s"):
				workers = ", ".join(
					f"{w} worker{'s' if w != '1' else ''} {rate}" for w, rate in sorted(rates.items())
				)
				measured = part.split(": ", 1)[1] + (f" (best of: {workers})" if workers else "")
				rows.append(
					row(f"Collections `{name}`: ≥ 2,000 invoices/s, no-action path", measured, "rate")
				)
			elif part.startswith("re-run"):
				rows.append(
					row(
						f"Collections `{name}`: same-day re-run ≤ 10 % of the first",
						part.split(": ", 1)[1],
						"rerun",
					)
				)
			elif part.startswith("action path measured"):
				measured = part.split(": ", 1)[1]
				state = "not measured" if measured.startswith("not measured") else "met"
				rows.append(f"| Collections `{name}`: action path measured | {measured} | {state} | |")
			elif ": " in part:  # issue 16's goals: "what: result"
				what, measured = part.split(": ", 1)
				rows.append(row(f"Collections `{name}`: {what}", measured, "collections"))
	return rows


def build(text: str) -> str:
	sections = _split_sections(text)
	lines = [
		"Copied by `bench/summary.py` from the sections below (each figure there is written by its"
		" benchmark script, in the run that section names); read each figure in its section for"
		" spread and method.",
		"",
		"| target (issues 7 and 16) | measured | | why, where missed |",
		"|---|---|---|---|",
	]
	for key, fn in (
		("credit_check", credit_rows),
		("exposure", exposure_rows),
		("collections", collections_rows),
		("calloff", calloff_rows),
		("workspace", workspace_rows),
		("parallel_credit_checks", parallel_rows),
	):
		found = fn(sections[key]) if key in sections else []
		lines += found or [f"| {key} | not measured yet | not measured | |"]
	lines += [
		"",
		"Call-off note: the app inserts each Sales Order already submitted (one validation and one"
		" write) with the agreement's rate fixed (`ignore_pricing_rule`), while the baseline does"
		" ERPNext's usual `insert()` then `submit()`; that is why the call-off can be faster than"
		" creating the orders directly.",
	]
	return "\n".join(lines)


def main(argv=None) -> int:
	parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
	parser.add_argument("--no-write", action="store_true", help="print, do not update docs/PERFORMANCE.md")
	args = parser.parse_args(argv)
	body = build(PERFORMANCE_MD.read_text())
	print(body)
	if not args.no_write:
		write_section("targets", body)
	return 0


if __name__ == "__main__":
	sys.exit(main())
