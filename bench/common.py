"""Shared machinery of the benchmarks: site connection, interleaved timing, query counting and the
sections of docs/PERFORMANCE.md.

Every benchmark compares variants *within one run*: the variants of a benchmark are measured in
turn (A B, then B A, ...), several repetitions each, and reported as median and spread, plus the
median of the per-repetition ratios. Absolute figures depend on the machine and on whatever else
runs on it; the ratios are what the targets are about.

Environment:
- ``O2C_BENCH``: the bench directory (default ``/home/frappe/frappe-bench``).
- ``O2C_BENCH_SITE``: the site (default ``o2c-bench.localhost``), made by ``bench/datagen.py``.
"""

import argparse
import datetime
import json
import os
import platform
import re
import statistics
import time
from collections import Counter
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import frappe

BENCH = Path(os.environ.get("O2C_BENCH", "/home/frappe/frappe-bench"))
SITE = os.environ.get("O2C_BENCH_SITE", "o2c-bench.localhost")
REPO = Path(__file__).resolve().parents[1]
PERFORMANCE_MD = REPO / "docs" / "PERFORMANCE.md"
MARKER_TABLE = "__o2c_bench_dataset"  # what bench/datagen.py has made

# Order of the sections in docs/PERFORMANCE.md; each script rewrites only its own.
SECTIONS = [
	("targets", "Targets"),
	("machine", "Machine and method"),
	("datagen", "How the data was made"),
	("credit_check", "Credit check on Sales Order submit"),
	("exposure", "Exposure vs ERPNext's get_customer_outstanding"),
	("collections", "Collections run"),
	("calloff", "Call-off vs creating the orders directly"),
	("workspace", "Order to Cash workspace: number cards and charts"),
	("parallel_credit_checks", "Parallel credit checks"),
	("edifact_import", "EDIFACT import and the call-off that follows"),
]


# --------------------------------------------------------------------------------------------
# site


def connect(site: str | None = None) -> str:
	"""Connect to the benchmark site as Administrator, the way the test conftest does."""
	site = site or SITE
	sites_path = BENCH / "sites"
	if not (sites_path / site / "site_config.json").exists():
		raise SystemExit(f"o2c benchmarks: no site {site} in bench {BENCH} (set O2C_BENCH / O2C_BENCH_SITE)")
	os.chdir(sites_path)
	frappe.init(site=site, sites_path=str(sites_path))
	frappe.connect()
	frappe.set_user("Administrator")
	frappe.clear_cache()
	require_migrated(site)
	return site


def require_migrated(site: str) -> None:
	"""Refuse, in one line, a site whose schema is behind the app's code (a DocType not synced, a
	custom field missing): every script would otherwise time, or make data with, half an app."""
	import ours  # ours imports this module

	if "o2c_extension" not in frappe.get_installed_apps():
		raise SystemExit(
			f"o2c benchmarks: o2c_extension is not installed on {site}: bench --site {site} install-app o2c_extension"
		)
	for package in ("order_to_cash", "credit_control", "scheduling", "collections"):
		try:
			ours.require_module_migrated(package)
		except NotMeasuredYet as e:
			frappe.destroy()
			reason = str(e).removesuffix(": run bench migrate")
			raise SystemExit(f"o2c benchmarks: {site}: {reason}: run bench --site {site} migrate") from None


@contextmanager
def connected(site: str | None = None):
	connect(site)
	try:
		yield frappe.local.site
	finally:
		frappe.db.rollback()
		frappe.destroy()


def datasets_made() -> dict[str, dict]:
	"""The data sets the site holds, as recorded by bench/datagen.py."""
	if not frappe.db.sql("show tables like %s", MARKER_TABLE):
		return {}
	return {
		name: {"stage": stage, **json.loads(info or "{}")}
		for name, stage, info in frappe.db.sql(f"select name, stage, info from `{MARKER_TABLE}`")
	}


def require_dataset(name: str) -> dict:
	info = datasets_made().get(name)
	if not info or info["stage"] != "complete":
		raise SystemExit(f"data set {name!r} is not on site {frappe.local.site}: run bench/datagen.py {name}")
	return info


@contextmanager
def app_hooks_off():
	"""Run with o2c_extension's doc_events removed: ERPNext alone."""
	hooks = frappe.get_doc_hooks()
	saved = frappe.local.doc_events_hooks
	frappe.local.doc_events_hooks = {
		doctype: {
			event: [h for h in handlers if not h.startswith("o2c_extension.")]
			for event, handlers in events.items()
		}
		for doctype, events in hooks.items()
	}
	try:
		yield
	finally:
		frappe.local.doc_events_hooks = saved


# --------------------------------------------------------------------------------------------
# documents the benchmarks make


def selling_doc(
	doctype: str,
	*,
	customer: str,
	company: str,
	warehouse: str,
	price_list: str,
	lines: list[tuple[str, float, float]],
	currency: str = "USD",
	row_fields: dict | None = None,
	**fields,
):
	"""An unsaved Sales Order, Delivery Note or Sales Invoice of ``lines`` (item code, qty, rate),
	every row from ``warehouse`` (and with ``row_fields``), the header with ``fields``."""
	return frappe.get_doc(
		{
			"doctype": doctype,
			"customer": customer,
			"company": company,
			"currency": currency,
			"selling_price_list": price_list,
			"items": [
				{"item_code": code, "qty": qty, "rate": rate, "warehouse": warehouse, **(row_fields or {})}
				for code, qty, rate in lines
			],
			**fields,
		}
	)


def sales_order_doc(ctx: dict, customer: str, lines, delivery_date, transaction_date=None):
	"""An unsaved Sales Order for ``customer`` in ``ctx["company"]`` from ``ctx["warehouse"]`` at
	``ctx["price_list"]``, every row delivered on ``delivery_date``."""
	return selling_doc(
		"Sales Order",
		customer=customer,
		company=ctx["company"],
		warehouse=ctx["warehouse"],
		price_list=ctx["price_list"],
		lines=lines,
		row_fields={"delivery_date": delivery_date},
		transaction_date=transaction_date or frappe.utils.nowdate(),
		delivery_date=delivery_date,
		set_warehouse=ctx["warehouse"],
	)


# --------------------------------------------------------------------------------------------
# variants


class NotMeasuredYet(Exception):
	"""Raised by a variant whose app code does not exist yet; reported, never faked."""


@dataclass
class Variant:
	"""One side of a comparison.

	- ``run(state)`` is what is timed (and whose SQL statements are counted);
	- ``prepare()`` (untimed) runs before each sample and returns the ``state`` given to ``run``;
	- ``cleanup(state)`` (untimed) runs after each sample; by default it rolls the transaction
	  back, so every sample starts from the same data;
	- ``check()`` (untimed, once) raises ``NotMeasuredYet`` when the variant cannot run yet.
	"""

	name: str
	label: str
	run: Callable[[Any], Any]
	prepare: Callable[[], Any] | None = None
	cleanup: Callable[[Any], None] | None = None
	check: Callable[[], None] | None = None
	units: int = 1  # work items per sample (e.g. orders made), for throughput figures


@dataclass
class Result:
	variant: Variant
	seconds: list[float] = field(default_factory=list)
	queries: list[int] = field(default_factory=list)
	query_kinds: Counter = field(default_factory=Counter)
	not_measured: str | None = None
	error: str | None = None

	@property
	def measured(self) -> bool:
		return bool(self.seconds) and not self.not_measured and not self.error

	def stats(self) -> dict:
		return summarize(self.seconds)

	def queries_per_sample(self) -> str:
		if not self.queries:
			return "–"
		low, high = min(self.queries), max(self.queries)
		return str(low) if low == high else f"{low}–{high} (median {statistics.median(self.queries):g})"


def _default_cleanup(_state=None):
	frappe.db.rollback()


def measure(
	variants: list[Variant], repeat: int = 15, warmup: int = 2, log: Callable[[str], None] | None = print
) -> dict[str, Result]:
	"""Measure the variants interleaved: each repetition runs every variant once, alternating the
	order (A B / B A) so that neither always runs first. Warm-up repetitions are discarded."""
	results = {v.name: Result(v) for v in variants}
	runnable = []
	for v in variants:
		try:
			if v.check:
				v.check()
			runnable.append(v)
		except NotMeasuredYet as e:
			results[v.name].not_measured = str(e) or "not measured yet"
		finally:
			frappe.db.rollback()

	for i in range(warmup + repeat):
		order = runnable if i % 2 == 0 else list(reversed(runnable))
		for v in order:
			res = results[v.name]
			if res.not_measured or res.error:
				continue
			try:
				state = v.prepare() if v.prepare else None
				with QueryCounter() as qc:
					start = time.perf_counter()
					v.run(state)
					elapsed = time.perf_counter() - start
			except NotMeasuredYet as e:
				res.not_measured = str(e) or "not measured yet"
				_default_cleanup()
				continue
			except Exception as e:
				res.error = f"{type(e).__name__}: {e}"
				_default_cleanup()
				if log:
					log(f"  {v.name}: failed: {res.error}")
				continue
			(v.cleanup or _default_cleanup)(state)
			if i >= warmup:
				res.seconds.append(elapsed)
				res.queries.append(qc.count)
				res.query_kinds.update(qc.kinds)
		if log and i >= warmup:
			done = ", ".join(
				f"{name} {statistics.median(r.seconds) * 1000:.1f} ms"
				for name, r in results.items()
				if r.seconds
			)
			log(f"  rep {i - warmup + 1}/{repeat}: {done}")
	return results


def summarize(values: list[float]) -> dict:
	if not values:
		return {}
	ordered = sorted(values)
	return {
		"n": len(values),
		"median": statistics.median(ordered),
		"p10": percentile(ordered, 10),
		"p90": percentile(ordered, 90),
		"min": ordered[0],
		"max": ordered[-1],
	}


def percentile(ordered: list[float], pct: float) -> float:
	"""Linear-interpolated percentile of an already sorted list."""
	if len(ordered) == 1:
		return ordered[0]
	pos = (len(ordered) - 1) * pct / 100
	low = int(pos)
	high = min(low + 1, len(ordered) - 1)
	return ordered[low] + (ordered[high] - ordered[low]) * (pos - low)


def paired_ratio(base: Result, other: Result) -> dict:
	"""Per-repetition ratio other/base (same repetition = same conditions), summarized."""
	pairs = [o / b for b, o in zip(base.seconds, other.seconds, strict=False) if b > 0]
	return summarize(pairs)


# --------------------------------------------------------------------------------------------
# query counting


class QueryCounter:
	"""Counts the SQL statements issued while active.

	Two counts: ``count`` wraps ``frappe.db.sql`` (every Frappe query, query builder and
	``get_value`` included, goes through it) and classifies statements by their first word;
	with ``keep_queries`` each statement is kept with its own time; ``server_count`` is MariaDB's own per-session ``Questions`` counter, which also sees anything
	that bypasses ``frappe.db.sql`` (less the two ``SHOW STATUS`` statements themselves).
	"""

	def __init__(self, keep_queries: bool = False):
		self.count = 0
		self.kinds: Counter = Counter()
		self.keep_queries = keep_queries
		self.queries: list[tuple[str, float]] = []  # (statement, seconds) with keep_queries
		self.server_count: int | None = None

	def __enter__(self):
		db = frappe.db
		self._db = db
		self._had_own = "sql" in db.__dict__
		original = db.sql

		def counting_sql(query, *args, **kwargs):
			if not kwargs.get("run", True):
				return original(query, *args, **kwargs)
			text = str(query).lstrip()
			self.count += 1
			self.kinds[text[:6].strip().lower() or "?"] += 1
			if not self.keep_queries:
				return original(query, *args, **kwargs)
			start = time.perf_counter()
			try:
				return original(query, *args, **kwargs)
			finally:
				self.queries.append((" ".join(text.split())[:300], time.perf_counter() - start))

		self._original = original
		self._server_start = _session_questions(original)
		db.sql = counting_sql
		return self

	def __exit__(self, *exc):
		db = self._db
		if self._had_own:
			db.sql = self._original
		else:
			del db.sql
		end = _session_questions(db.sql)
		if self._server_start is not None and end is not None:
			self.server_count = end - self._server_start - 1
		return False


def _session_questions(sql) -> int | None:
	try:
		row = sql("show session status like 'Questions'")
		return int(row[0][1]) if row else None
	except Exception:
		return None


def count_queries(fn: Callable, *args, **kwargs) -> tuple[Any, QueryCounter]:
	with QueryCounter(keep_queries=True) as qc:
		result = fn(*args, **kwargs)
	return result, qc


# --------------------------------------------------------------------------------------------
# reporting


def md_code(text: str) -> str:
	"""Inline code that may itself contain backticks or pipes, for a Markdown table cell."""
	text = text.replace("|", "\\|")
	return f"`` {text} ``" if "`" in text else f"`{text}`"


def fmt_ms(seconds: float | None) -> str:
	if seconds is None:
		return "–"
	ms = seconds * 1000
	return f"{ms:.0f} ms" if ms >= 100 else f"{ms:.1f} ms" if ms >= 1 else f"{ms:.3f} ms"


def fmt_ratio(stats: dict) -> str:
	if not stats:
		return "–"
	return f"{stats['median']:.2f}× (p10–p90 {stats['p10']:.2f}–{stats['p90']:.2f})"


def timing_table(results: dict[str, Result], baseline: str | None = None, per_unit: str | None = None) -> str:
	"""Markdown table: one row per variant with median, p10–p90, min–max, queries per sample,
	and (with a baseline) the median of the per-repetition ratios to it."""
	head = ["variant", "n", "median", "p10–p90", "min–max", "SQL statements / sample"]
	if per_unit:
		head.append(f"{per_unit}/s (median)")
	if baseline:
		head.append(f"ratio to `{baseline}` (paired)")
	lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
	base = results.get(baseline) if baseline else None
	for name, res in results.items():
		label = f"`{name}` — {res.variant.label}"
		if not res.measured:
			why = res.not_measured and f"not measured yet: {res.not_measured}"
			why = why or (f"failed: {res.error}" if res.error else "not measured")
			lines.append("| " + " | ".join([label, why] + [""] * (len(head) - 2)) + " |")
			continue
		s = res.stats()
		row = [
			label,
			str(s["n"]),
			fmt_ms(s["median"]),
			f"{fmt_ms(s['p10'])} – {fmt_ms(s['p90'])}",
			f"{fmt_ms(s['min'])} – {fmt_ms(s['max'])}",
			res.queries_per_sample(),
		]
		if per_unit:
			row.append(f"{res.variant.units / s['median']:.1f}")
		if baseline:
			row.append(
				"—"
				if name == baseline or not base or not base.measured
				else fmt_ratio(paired_ratio(base, res))
			)
		lines.append("| " + " | ".join(row) + " |")
	return "\n".join(lines)


def machine_info() -> dict:
	info = {
		"when": datetime.datetime.now().isoformat(timespec="seconds"),
		"python": platform.python_version(),
		"cores": os.cpu_count(),
		"load_avg": " / ".join(f"{x:.2f}" for x in os.getloadavg()),
	}
	try:
		for line in Path("/proc/cpuinfo").read_text().splitlines():
			if line.startswith("model name"):
				info["cpu"] = line.split(":", 1)[1].strip()
				break
		for line in Path("/proc/meminfo").read_text().splitlines():
			if line.startswith("MemTotal"):
				info["memory"] = f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
				break
	except OSError:
		pass
	try:
		info["mariadb"] = frappe.db.sql("select version()")[0][0]
		pool = frappe.db.sql("select @@innodb_buffer_pool_size")[0][0]
		info["innodb_buffer_pool"] = f"{int(pool) / 1024 / 1024:.0f} MiB"
	except Exception:
		pass
	import erpnext

	info["frappe"] = frappe.__version__
	info["erpnext"] = erpnext.__version__
	info["o2c_extension"] = _app_revision()
	info["site"] = frappe.local.site
	return info


def _app_revision() -> str:
	"""The checkout's commit, read from .git without running git."""
	try:
		head = (REPO / ".git" / "HEAD").read_text().strip()
		if head.startswith("ref: "):
			ref = head[5:]
			path = REPO / ".git" / ref
			if path.exists():
				return path.read_text().strip()[:12]
			packed = (REPO / ".git" / "packed-refs").read_text()
			for line in packed.splitlines():
				if line.endswith(" " + ref):
					return line.split()[0][:12]
		return head[:12]
	except OSError:
		return "unknown"


def machine_line(info: dict | None = None) -> str:
	info = info or machine_info()
	return (
		f"Measured {info['when']} on {info.get('cpu', '?')}, {info['cores']} cores, "
		f"{info.get('memory', '?')} RAM (load average at start {info['load_avg']}); "
		f"MariaDB {info.get('mariadb', '?')} (buffer pool {info.get('innodb_buffer_pool', '?')}), "
		f"Frappe {info['frappe']}, ERPNext {info['erpnext']}, Python {info['python']}, "
		f"o2c_extension checkout at commit {info['o2c_extension']}, site `{info['site']}`."
	)


_INTRO = """# Performance

Benchmarks of o2c_extension against plain ERPNext on real volumes (issue 7). Every figure below is
written by a script under `bench/` (see `bench/README.md`); nothing here is typed by hand. The
machine is shared with other work, so absolute times move between runs: compare the variants of
one table with each other (they were measured interleaved in the same run), not tables of
different runs. A variant shown as *not measured yet* is one whose app code has not landed.
"""


def write_section(key: str, body: str, path: Path = PERFORMANCE_MD) -> Path:
	"""Replace (or insert, in the canonical order) one section of docs/PERFORMANCE.md."""
	titles = dict(SECTIONS)
	if key not in titles:
		raise ValueError(f"unknown section {key}")
	text = path.read_text() if path.exists() else _INTRO
	sections = _split_sections(text)
	sections[key] = f"<!-- bench:{key} -->\n## {titles[key]}\n\n{body.strip()}\n<!-- /bench:{key} -->\n"
	out = [_INTRO.rstrip() + "\n"]
	for name, _title in SECTIONS:
		if name in sections:
			out.append(sections[name])
	path.parent.mkdir(parents=True, exist_ok=True)
	path.write_text("\n".join(out))
	return path


def _split_sections(text: str) -> dict[str, str]:
	found = {}
	for match in re.finditer(r"<!-- bench:(\w+) -->\n.*?<!-- /bench:\1 -->\n", text, re.S):
		found[match.group(1)] = match.group(0)
	return found


def write_machine_section(info: dict | None = None) -> None:
	info = info or machine_info()
	body = f"""{machine_line(info)}

Method, for every benchmark:

- Each variant is a callable; the benchmark runs all variants once per repetition, alternating
  the order (A B, B A, ...), after a few discarded warm-up repetitions. Each sample starts from the
  same data: what a sample writes is rolled back (`frappe.db.rollback()`) after it is timed.
- Reported: median, p10–p90 and min–max of the wall time of the timed call, and the median of the
  per-repetition ratios *variant ÷ baseline* (the ratio that the targets of issue 7 refer to).
- "SQL statements / sample" counts every statement sent through `frappe.db.sql` during the timed
  call (Frappe's query builder, `get_value`, document loads and saves all go through it).
"""
	write_section("machine", body)


def log(msg: str) -> None:
	print(msg, flush=True)


# --------------------------------------------------------------------------------------------
# a benchmark script's frame: its command line, its run, its target lines


def arguments(doc: str, **defaults: int) -> argparse.ArgumentParser:
	"""The command line every benchmark shares: the first paragraph of the script's docstring as
	description, an integer option per keyword (``repeat=15`` gives ``--repeat``, default 15;
	``ar_repeat`` gives ``--ar-repeat``) and ``--no-write``. The script adds its own options."""
	parser = argparse.ArgumentParser(description=doc.split("\n\n")[0])
	for name, default in defaults.items():
		parser.add_argument(f"--{name.replace('_', '-')}", type=int, default=default)
	parser.add_argument("--no-write", action="store_true", help="print, do not update docs/PERFORMANCE.md")
	return parser


def run_section(key: str, no_write: bool, build: Callable[[], str]) -> int:
	"""Connect to the site, let ``build()`` measure and return the section's Markdown, print it and,
	unless ``no_write``, write it and the machine section into docs/PERFORMANCE.md. Rolls back and
	disconnects whatever happens."""
	connect()
	try:
		body = build()
		print(body)
		if not no_write:
			write_machine_section()
			write_section(key, body)
	finally:
		frappe.db.rollback()
		frappe.destroy()
	return 0


def paired_median(results: dict[str, Result], baseline: str, variant: str) -> float | None:
	"""The median of the per-repetition ratios variant ÷ baseline; None when either is unmeasured."""
	base, other = results.get(baseline), results.get(variant)
	if not (base and other and base.measured and other.measured):
		return None
	return paired_ratio(base, other)["median"]


def target_line(what: str, verdict: str | None) -> str:
	"""``Target (what): verdict.``: the line bench/summary.py copies (*not measured yet* for None)."""
	return f"Target ({what}): {verdict or 'not measured yet'}."


def overhead_target(what: str, ratio: float | None, limit_pct: float, noun: str = "") -> str:
	"""A target on the time a variant adds to its baseline (``ratio`` = variant ÷ baseline)."""
	if ratio is None:
		return target_line(what, None)
	added = (ratio - 1) * 100
	state = "met" if added <= limit_pct else f"**missed by {added - limit_pct:.1f} points**"
	return target_line(what, f"{added:+.1f} %{noun} (paired median) — {state}")


def speedup_target(what: str, ratio: float | None, factor: float) -> str:
	"""A target on how many times faster a variant is than its baseline (``ratio`` = variant ÷
	baseline)."""
	if ratio is None:
		return target_line(what, None)
	speedup = 1 / ratio
	state = "met" if speedup >= factor else f"**missed: {speedup:.1f}× instead of {factor:g}×**"
	return target_line(what, f"{speedup:.1f}× faster (paired median) — {state}")
