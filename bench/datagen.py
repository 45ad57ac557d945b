"""Benchmark data that ERPNext treats as real, made in minutes.

Three data sets, each in its own company so that a benchmark sees exactly one of them:

- ``heavy`` (company ``_O2C Bench Company``): one customer with 10,000 submitted Sales Invoices
  (paid, partly paid, overdue, not yet due, credit notes) with their Payment Entries, GL and
  Payment Ledger Entries, 1,000 open Sales Orders (unbilled or half billed) and 20 unbilled
  Delivery Notes; plus a light customer with a short history and a call-off customer.
- ``c10k`` / ``c100k`` (companies ``_O2C Bench C10K`` / ``_O2C Bench C100K``): 10,000 / 100,000
  open Sales Invoices, 20 per customer, due dates spread from 120 days ago to 30 days ahead, some
  partly paid.

How: a few dozen *template* documents are made and submitted through ERPNext's own API, so every
table they touch (header, items, payment schedule, GL Entry, Payment Ledger Entry, Bin, ...) is
filled the ERPNext way. The templates come in *families* (documents that refer to each other:
an order and the invoice billing half of it, an invoice and its payment, an invoice and its
credit note). Then every family is copied set-based in SQL, ``INSERT ... SELECT`` joined with
MariaDB's ``seq_1_to_N`` table: a copy gets new document names continuing the documents' naming
series (``tabSeries`` is advanced as ERPNext would), every reference inside the family
(``parent``, ``voucher_no``, ``against_voucher(_no)``, ``sales_order``, ``so_detail``,
``reference_name``, ``return_against``, ...) rewritten to the copy's names, every date moved back
by the copy's offset (``fiscal_year`` recomputed), and, in the collections sets, the customer
rewritten. Afterwards ERPNext's own functions bring derived state up to date: invoice statuses
(``update_invoice_status``) and the reserved quantity in ``Bin`` (``get_reserved_qty``).

Idempotent: the table ``__o2c_bench_dataset`` records, per data set, the templates (stage
``templates``) and then the finished copy (stage ``complete``), each in the same transaction as
the data. Re-running skips what is complete and finishes what is not.

Run (as the bench user, from the bench's ``sites`` directory)::

    ../env/bin/python /path/to/o2c_extension/bench/datagen.py            # all three sets
    ../env/bin/python .../bench/datagen.py heavy c10k                    # only these
    ../env/bin/python .../bench/datagen.py --verify                      # check, make nothing

``--scale 0.01`` makes proportionally smaller sets (for trying the script out); the benchmarks
read the sizes actually made from the marker table.
"""

import argparse
import importlib.util
import json
import re
import sys
import time

import frappe
from common import (
	MARKER_TABLE,
	REPO,
	app_hooks_off,
	connect,
	datasets_made,
	log,
	machine_line,
	sales_order_doc,
	selling_doc,
	write_machine_section,
	write_section,
)
from frappe.utils import add_days, cint, flt, getdate, now, nowdate


def _load_factories():
	"""The test suite's master-data factories (``tests/integration/factories.py``), loaded from
	their file: outside pytest the top-level name ``tests`` can be another package's (one of the
	bench's dependencies installs one into site-packages)."""
	spec = importlib.util.spec_from_file_location(
		"o2c_test_factories", REPO / "tests" / "integration" / "factories.py"
	)
	module = importlib.util.module_from_spec(spec)
	spec.loader.exec_module(module)
	return module


factories = _load_factories()

CURRENCY = "USD"
PRICE_LIST = "_O2C Bench Selling"
ITEM_A = "_O2C-BENCH-A"  # stock item, 100
ITEM_B = "_O2C-BENCH-B"  # stock item, 250
ITEM_SVC = "_O2C-BENCH-SVC"  # service (non-stock) item, 50

HEAVY_COMPANY = ("_O2C Bench Company", "O2CB")
HEAVY_CUSTOMER = "_O2C Bench Heavy Customer"
LIGHT_CUSTOMER = "_O2C Bench Light Customer"
CALLOFF_CUSTOMER = "_O2C Bench Call-off Customer"

DATASETS = {
	# sets = copies of the whole template set, template set included
	"heavy": {"company": HEAVY_COMPANY, "sets": 500},
	"c10k": {"company": ("_O2C Bench C10K", "O2CK"), "sets": 1000, "invoices_per_customer": 20},
	"c100k": {"company": ("_O2C Bench C100K", "O2CM"), "sets": 10000, "invoices_per_customer": 20},
}
COLLECTIONS_INVOICES_PER_SET = 10


# --------------------------------------------------------------------------------------------
# masters (get-or-create, committed)


def warehouse(abbr: str) -> str:
	return f"Stores - {abbr}"


def ensure_fiscal_years(from_date) -> None:
	for year in range(getdate(from_date).year, getdate(nowdate()).year + 1):
		factories.ensure_fiscal_year(f"{year}-01-01")
		factories.ensure_fiscal_year(f"{year}-12-31")


def ensure_warehouse_types() -> None:
	"""ERPNext's setup wizard makes the Warehouse Type "Transit" that every new company's "Goods In
	Transit" warehouse links to; a site where the wizard never ran lacks it."""
	if not frappe.db.exists("Warehouse Type", "Transit"):
		frappe.get_doc({"doctype": "Warehouse Type"}).insert(ignore_permissions=True, set_name="Transit")
		frappe.db.commit()


def ensure_company(name: str, abbr: str) -> str:
	if not frappe.db.exists("Company", name):
		log(f"creating company {name}")
		factories.company(name, abbr)
		frappe.db.commit()
	return name


def ensure_price_list() -> str:
	return factories.price_list(PRICE_LIST)


def ensure_item(code: str, rate: float, is_stock: bool, companies: list[tuple[str, str]]) -> str:
	if not frappe.db.exists("Item", code):
		factories.priced_item(code, rate, ensure_price_list(), is_stock_item=1 if is_stock else 0)
	item = frappe.get_doc("Item", code)
	known = {row.company for row in item.item_defaults}
	missing = [(c, a) for c, a in companies if c not in known]
	if missing:
		for company, abbr in missing:
			item.append("item_defaults", {"company": company, "default_warehouse": warehouse(abbr)})
		item.save()
	return code


def ensure_customer(name: str) -> str:
	return factories.customer(name, default_price_list=ensure_price_list())


def ensure_credit_limit(customer: str, company: str, limit: float) -> None:
	"""ERPNext's own Customer Credit Limit row for (customer, company)."""
	doc = frappe.get_doc("Customer", customer)
	for row in doc.credit_limits:
		if row.company == company:
			if flt(row.credit_limit) != flt(limit):
				row.credit_limit = limit
				doc.save()
			return
	doc.append("credit_limits", {"company": company, "credit_limit": limit, "bypass_credit_limit_check": 0})
	doc.save()


def receive_stock(company: str, abbr: str, item_code: str, qty: float, rate: float) -> None:
	entry = frappe.get_doc(
		{
			"doctype": "Stock Entry",
			"stock_entry_type": "Material Receipt",
			"company": company,
			"items": [
				{"item_code": item_code, "qty": qty, "basic_rate": rate, "t_warehouse": warehouse(abbr)}
			],
		}
	)
	entry.insert()
	entry.submit()


# --------------------------------------------------------------------------------------------
# template documents, through ERPNext's API


def _selling(doctype, company, abbr, customer, items, **fields):
	"""A submitted selling document of ``items`` (item code, qty, rate) from the company's store."""
	doc = selling_doc(
		doctype,
		customer=customer,
		company=company,
		warehouse=warehouse(abbr),
		price_list=PRICE_LIST,
		lines=items,
		currency=CURRENCY,
		**fields,
	)
	doc.insert()
	doc.submit()
	return doc


def make_sales_order(company, abbr, customer, items, transaction_date, delivery_date):
	ctx = {"company": company, "warehouse": warehouse(abbr), "price_list": PRICE_LIST}
	doc = sales_order_doc(ctx, customer, items, delivery_date, transaction_date)
	doc.insert()
	doc.submit()
	return doc


def make_sales_invoice(company, abbr, customer, items, posting_date, due_date):
	return _selling(
		"Sales Invoice",
		company,
		abbr,
		customer,
		items,
		posting_date=posting_date,
		set_posting_time=1,
		due_date=due_date,
	)


def invoice_from_order(order, qty_factor, posting_date, due_date):
	from erpnext.selling.doctype.sales_order.sales_order import make_sales_invoice as map_invoice

	doc = map_invoice(order.name)
	doc.set_posting_time = 1
	doc.posting_date = posting_date
	doc.due_date = due_date
	doc.set("payment_schedule", [])
	for row in doc.items:
		row.qty = flt(row.qty * qty_factor, row.precision("qty"))
	doc.insert()
	doc.submit()
	return doc


def pay(invoice, fraction, posting_date):
	from erpnext.accounts.doctype.payment_entry.payment_entry import get_payment_entry

	amount = flt(invoice.outstanding_amount * fraction, 2)
	entry = get_payment_entry("Sales Invoice", invoice.name, party_amount=amount)
	entry.posting_date = posting_date
	entry.reference_no = f"O2C-BENCH-{invoice.name}"
	entry.reference_date = posting_date
	entry.insert()
	entry.submit()
	return entry


def credit_note(invoice, posting_date):
	from erpnext.accounts.doctype.sales_invoice.sales_invoice import make_sales_return

	doc = make_sales_return(invoice.name)
	if doc.meta.has_field("update_outstanding_for_self"):
		doc.update_outstanding_for_self = 0  # the credit note settles the invoice it returns
	doc.set_posting_time = 1
	doc.posting_date = posting_date
	doc.insert()
	doc.submit()
	return doc


def make_delivery_note(company, abbr, customer, items):
	return _selling("Delivery Note", company, abbr, customer, items, set_warehouse=warehouse(abbr))


def _family(key, window, *docs):
	return {"key": key, "window": window, "docs": [(d.doctype, d.name) for d in docs]}


def build_heavy_templates(company, abbr):
	"""One template set of the heavy customer: 20 Sales Invoices and 2 Sales Orders (copied
	``sets - 1`` times), plus documents that are not copied (Delivery Notes, the light customer)."""
	today = nowdate()
	customer = HEAVY_CUSTOMER
	families = []

	so = make_sales_order(
		company,
		abbr,
		customer,
		[(ITEM_A, 10, 100), (ITEM_B, 4, 250)],
		add_days(today, -20),
		add_days(today, 10),
	)
	families.append(_family("order unbilled", 300, so))

	so = make_sales_order(
		company, abbr, customer, [(ITEM_A, 20, 100)], add_days(today, -45), add_days(today, -5)
	)
	si = invoice_from_order(so, 0.5, add_days(today, -40), add_days(today, -10))
	families.append(_family("order half billed + its overdue invoice", 300, so, si))

	for i in range(8):
		items = [(ITEM_A, 2 + i, 100)] + ([(ITEM_B, 1 + i % 3, 250)] if i % 2 == 0 else [])
		si = make_sales_invoice(company, abbr, customer, items, add_days(today, -90), add_days(today, -60))
		pe = pay(si, 1, add_days(today, -75))
		families.append(_family(f"invoice paid #{i + 1}", 560, si, pe))

	for i in range(2):
		si = make_sales_invoice(
			company, abbr, customer, [(ITEM_A, 6 + i, 100)], add_days(today, -50), add_days(today, -20)
		)
		pe = pay(si, 0.4, add_days(today, -40))
		families.append(_family(f"invoice partly paid, overdue #{i + 1}", 300, si, pe))

	for i in range(4):
		si = make_sales_invoice(
			company, abbr, customer, [(ITEM_B, 1 + i, 250)], add_days(today, -45), add_days(today, -15)
		)
		families.append(_family(f"invoice unpaid, overdue #{i + 1}", 300, si))

	for i in range(3):
		si = make_sales_invoice(
			company, abbr, customer, [(ITEM_A, 3 + 2 * i, 100)], add_days(today, -3), add_days(today, 27)
		)
		families.append(_family(f"invoice not yet due #{i + 1}", 20, si))

	si = make_sales_invoice(
		company, abbr, customer, [(ITEM_A, 5, 100)], add_days(today, -120), add_days(today, -90)
	)
	cn = credit_note(si, add_days(today, -115))
	families.append(_family("invoice + credit note", 500, si, cn))

	# not copied: unbilled Delivery Notes not made from an order (ERPNext counts them in
	# get_customer_outstanding), and the short history of the light customer
	extras = []
	for i in range(20):
		extras.append(make_delivery_note(company, abbr, customer, [(ITEM_A, 1 + i % 3, 100)]).name)
	light = LIGHT_CUSTOMER
	for i in range(5):
		si = make_sales_invoice(
			company, abbr, light, [(ITEM_A, 1 + i, 100)], add_days(today, -30 + i), add_days(today, i)
		)
		extras.append(si.name)
		if i == 0:
			extras.append(pay(si, 1, today).name)
	# the same kinds of history as the heavy customer, so that query counts compare like with like
	extras.append(make_delivery_note(company, abbr, light, [(ITEM_A, 1, 100)]).name)
	for i in range(2):
		extras.append(
			make_sales_order(
				company, abbr, light, [(ITEM_B, 1 + i, 250)], add_days(today, -5), add_days(today, 5)
			).name
		)
	return families, extras, customer


def build_collections_templates(company, abbr, customer):
	"""Ten open invoices of one customer, posted today and due in 30 days; copies move them back
	up to 150 days, so due dates spread from 120 days ago to 30 days ahead. Two are partly paid."""
	today = nowdate()
	families = []
	for i in range(COLLECTIONS_INVOICES_PER_SET):
		si = make_sales_invoice(company, abbr, customer, [(ITEM_SVC, 1 + i, 50)], today, add_days(today, 30))
		if i in (3, 7):
			families.append(_family(f"open invoice, partly paid #{i + 1}", 150, si, pay(si, 0.3, today)))
		else:
			families.append(_family(f"open invoice #{i + 1}", 150, si))
	return families, [], customer


def collections_customer_prefix(company: str) -> str:
	return f"{company} Customer "


# --------------------------------------------------------------------------------------------
# marker


def ensure_marker_table() -> None:
	frappe.db.sql_ddl(
		f"""create table if not exists `{MARKER_TABLE}` (
			name varchar(140) not null primary key,
			stage varchar(20) not null,
			info longtext,
			modified datetime(6)
		) engine=InnoDB default charset=utf8mb4"""
	)


def get_marker(dataset: str) -> dict | None:
	row = frappe.db.sql(f"select stage, info from `{MARKER_TABLE}` where name = %s", dataset)
	if not row:
		return None
	return {"stage": row[0][0], **json.loads(row[0][1] or "{}")}


def set_marker(dataset: str, stage: str, info: dict) -> None:
	frappe.db.sql(
		f"""insert into `{MARKER_TABLE}` (name, stage, info, modified) values (%s, %s, %s, %s)
		on duplicate key update stage = values(stage), info = values(info), modified = values(modified)""",
		(dataset, stage, json.dumps(info, default=str), now()),
	)


# --------------------------------------------------------------------------------------------
# set-based replication

_NAME_RE = re.compile(r"^(.*?)(\d+)$")
_DATE_TYPES = {"date", "datetime", "timestamp"}
_TEXT_TYPES = {"varchar", "char", "text", "mediumtext", "longtext", "tinytext"}
LEDGER_TABLES = ("GL Entry", "Payment Ledger Entry")


def _table_columns(doctype: str) -> list[tuple[str, str]]:
	return frappe.db.sql(
		"""select column_name, data_type from information_schema.columns
		where table_schema = database() and table_name = %s order by ordinal_position""",
		f"tab{doctype}",
	)


def _copy_plan(templates: list[tuple[str, str]]) -> list[dict]:
	"""The tables holding the templates' rows: (doctype, kind, join condition)."""
	plan = []
	parent_doctypes = sorted({dt for dt, _ in templates})
	child_doctypes = set()
	for dt in parent_doctypes:
		plan.append({"doctype": dt, "kind": "header", "on": "m.template = t.name and m.doctype = %(dt)s"})
		for df in frappe.get_meta(dt).get_table_fields():
			child_doctypes.add(df.options)
	for child in sorted(child_doctypes):
		plan.append(
			{"doctype": child, "kind": "child", "on": "m.template = t.parent and m.doctype = t.parenttype"}
		)
	for ledger in LEDGER_TABLES:
		plan.append(
			{
				"doctype": ledger,
				"kind": "ledger",
				"on": "m.template = t.voucher_no and m.doctype = t.voucher_type",
			}
		)
	return plan


def _force_index(step: dict) -> str:
	"""An index hint for the template-side join column: with freshly copied rows the optimizer's
	statistics can make it prefer e.g. the ``voucher_type`` index and scan every invoice's rows
	for each copy."""
	column = {"header": "name", "child": "parent", "ledger": "voucher_no"}[step["kind"]]
	rows = frappe.db.sql(
		f"show index from `tab{step['doctype']}` where Column_name = %s and Seq_in_index = 1",
		column,
		as_dict=True,
	)
	names = [r.Key_name for r in rows]
	if not names:
		return ""
	best = "PRIMARY" if "PRIMARY" in names else names[0]
	return f"force index (`{best}`)"


def _template_rows(step: dict, templates: list[tuple[str, str]]) -> list[dict]:
	names = tuple(name for _, name in templates)
	column = {"header": "name", "child": "parent", "ledger": "voucher_no"}[step["kind"]]
	return frappe.db.sql(
		f"select * from `tab{step['doctype']}` where `{column}` in %(names)s", {"names": names}, as_dict=True
	)


def replicate(
	families: list[dict],
	first_copy: int,
	last_copy: int,
	customer_prefix: str | None = None,
	template_customer: str | None = None,
	sets_per_customer: int = 1,
) -> dict[str, int]:
	"""Copy every family ``last_copy - first_copy + 1`` times in SQL; copy numbers first..last.

	Must start a transaction (the temporary tables are created before the first write); the
	caller commits. With ``customer_prefix``, copy ``n`` belongs to customer
	``customer_prefix + zero-padded(n // sets_per_customer)`` instead of the template's."""
	copies = last_copy - first_copy + 1
	if copies <= 0:
		return {}
	db = frappe.db
	db.sql("drop temporary table if exists _o2c_tpl")
	db.sql("drop temporary table if exists _o2c_map")
	db.sql(
		"""create temporary table _o2c_tpl (
			doctype varchar(140), name varchar(140), family int, win int,
			prefix varchar(140), digits int, base bigint, j int, k int, primary key (name))"""
	)
	db.sql(
		"""create temporary table _o2c_map (
			copy int, doctype varchar(140), template varchar(140), new_name varchar(140),
			delta int, customer varchar(140),
			primary key (template, copy), key (copy, template), unique key (new_name))"""
	)

	templates = [(dt, name) for family in families for dt, name in family["docs"]]
	if len({name for _, name in templates}) != len(templates):
		raise ValueError("template names must be unique across doctypes")

	# naming series: copies continue each template's series, reserved here under a row lock
	by_prefix: dict[str, list[tuple[str, str, int, int]]] = {}
	for index, family in enumerate(families):
		for dt, name in family["docs"]:
			match = _NAME_RE.match(name)
			if not match:
				raise ValueError(f"{dt} {name} is not named by a numbered series")
			by_prefix.setdefault(match.group(1), []).append((dt, name, index, len(match.group(2))))
	for prefix, members in by_prefix.items():
		row = db.sql("select current from `tabSeries` where name = %s for update", prefix)
		base = cint(row[0][0]) if row else 0
		for j, (dt, name, index, digits) in enumerate(sorted(members, key=lambda m: m[1]), start=1):
			db.sql(
				"insert into _o2c_tpl values (%s, %s, %s, %s, %s, %s, %s, %s, %s)",
				(dt, name, index, families[index]["window"], prefix, digits, base, j, len(members)),
			)
		db.sql(
			"""insert into `tabSeries` (name, current) values (%s, %s)
			on duplicate key update current = values(current)""",
			(prefix, base + len(members) * copies),
		)

	customer_sql = "null"
	params = {
		"first": first_copy,
		"tcust": template_customer,
		"cprefix": customer_prefix,
		"per": sets_per_customer,
	}
	if customer_prefix:
		customer_sql = "concat(%(cprefix)s, lpad(floor(s.seq / %(per)s), 5, '0'))"
	number = "(t.base + (s.seq - %(first)s) * t.k + t.j)"
	db.sql(
		f"""insert into _o2c_map (copy, doctype, template, new_name, delta, customer)
		select s.seq, t.doctype, t.name,
			concat(t.prefix, lpad({number}, greatest(t.digits, length({number})), '0')),
			-mod(s.seq * 7919 + t.family * 104729, t.win + 1),
			{customer_sql}
		from seq_{int(first_copy)}_to_{int(last_copy)} s cross join _o2c_tpl t""",
		params,
	)

	plan = _copy_plan(templates)
	rows_by_step = [_template_rows(step, templates) for step in plan]
	template_names = {name for _, name in templates}
	row_names = {
		row["name"]
		for step, rows in zip(plan, rows_by_step, strict=True)
		if step["kind"] != "header"
		for row in rows
	}
	inserted = {}
	for step, rows in zip(plan, rows_by_step, strict=True):
		if not rows:
			continue
		columns = _table_columns(step["doctype"])
		exprs, joins = [], []
		for column, data_type in columns:
			exprs.append(
				_column_expr(
					step, column, data_type.lower(), rows, template_names, row_names, template_customer, joins
				)
			)
		column_list = ", ".join(f"`{c}`" for c, _ in columns)
		db.sql(
			f"""insert into `tab{step["doctype"]}` ({column_list})
			select {", ".join(exprs)}
			from _o2c_map m
			straight_join `tab{step["doctype"]}` t {_force_index(step)} on {step["on"]}
			{" ".join(joins)}""",
			{**params, "dt": step["doctype"], "row_names": tuple(row_names) or ("",)},
		)
		inserted[step["doctype"]] = inserted.get(step["doctype"], 0) + cint(
			db.sql("select row_count()")[0][0]
		)
	return inserted


def _column_expr(step, column, data_type, rows, template_names, row_names, template_customer, joins) -> str:
	col = f"t.`{column}`"
	if column == "name":
		return "m.new_name" if step["kind"] == "header" else f"concat({col}, '-', m.copy)"
	if column == "parent" and step["kind"] == "child":
		return "m.new_name"
	if column == "fiscal_year" and step["doctype"] == "GL Entry":
		return (
			"(select fy.name from `tabFiscal Year` fy where date_add(t.posting_date, interval m.delta day)"
			" between fy.year_start_date and fy.year_end_date order by fy.year_start_date desc limit 1)"
		)
	if column == "to_rename":
		return "0"
	if data_type in _DATE_TYPES:
		return f"date_add({col}, interval m.delta day)"
	if data_type not in _TEXT_TYPES:
		return col
	values = {row.get(column) for row in rows} - {None, ""}
	expr = col
	if values & row_names:  # a child row or ledger row of a template (so_detail, voucher_detail_no, ...)
		expr = f"if({col} in %(row_names)s, concat({col}, '-', m.copy), {expr})"
	if values & template_names:  # another document of the same family
		alias = f"r{len(joins)}"
		joins.append(f"left join _o2c_map {alias} on {alias}.copy = m.copy and {alias}.template = {col}")
		expr = f"coalesce({alias}.new_name, {expr})"
	if template_customer and template_customer in values:
		expr = f"if({col} = %(tcust)s, m.customer, {expr})"
	return expr


def replicate_customers(template_customer: str, prefix: str, count: int) -> int:
	"""Customers ``prefix + 00001 .. count-1`` as copies of the template customer's row."""
	if count <= 1:
		return 0
	columns = _table_columns("Customer")
	exprs = []
	for column, _ in columns:
		if column in ("name", "customer_name"):
			exprs.append("concat(%(prefix)s, lpad(s.seq, 5, '0'))")
		else:
			exprs.append(f"t.`{column}`")
	frappe.db.sql(
		f"""insert into `tabCustomer` ({", ".join(f"`{c}`" for c, _ in columns)})
		select {", ".join(exprs)} from `tabCustomer` t cross join seq_1_to_{int(count) - 1} s
		where t.name = %(template)s""",
		{"prefix": prefix, "template": template_customer},
	)
	return cint(frappe.db.sql("select row_count()")[0][0])


# --------------------------------------------------------------------------------------------
# data sets


def scaled(value: int, scale: float) -> int:
	return max(1, round(value * scale))


def ensure_setup_complete() -> None:
	"""A site where ERPNext's setup wizard never ran has no Item Group tree, UOMs or Territories for
	the masters below: complete it the way ERPNext's own test setup does (a company, fixtures), or,
	where companies were made without it, install the wizard's fixtures alone."""
	if frappe.db.exists("Item Group", "All Item Groups"):
		return
	if not frappe.db.a_row_exists("Company"):
		from erpnext.setup.utils import before_tests

		print("datagen: completing ERPNext's setup on this site (erpnext.setup.utils.before_tests)")
		before_tests()
	else:
		from erpnext.setup.setup_wizard.operations import install_fixtures

		print("datagen: installing the setup wizard's fixtures (item groups, UOMs, territories)")
		install_fixtures.install(frappe.db.get_default("country") or "United States")
	frappe.db.commit()


def prepare_masters() -> None:
	ensure_setup_complete()
	ensure_warehouse_types()
	ensure_fiscal_years(add_days(nowdate(), -700))
	ensure_price_list()
	companies = [spec["company"] for spec in DATASETS.values()]
	for name, abbr in companies:
		ensure_company(name, abbr)
	ensure_item(ITEM_A, 100, True, companies)
	ensure_item(ITEM_B, 250, True, companies)
	ensure_item(ITEM_SVC, 50, False, companies)
	for customer in (HEAVY_CUSTOMER, LIGHT_CUSTOMER, CALLOFF_CUSTOMER):
		ensure_customer(customer)
	frappe.db.commit()


def make_templates(dataset: str, spec: dict, scale: float) -> dict:
	company, abbr = spec["company"]
	started = time.monotonic()
	if dataset == "heavy":
		for item in (ITEM_A, ITEM_B):
			if not frappe.db.get_value(
				"Bin", {"item_code": item, "warehouse": warehouse(abbr)}, "actual_qty"
			):
				receive_stock(company, abbr, item, 10000, 50)
		families, extras, customer = build_heavy_templates(company, abbr)
		info = {"customer": customer, "light_customer": LIGHT_CUSTOMER, "calloff_customer": CALLOFF_CUSTOMER}
	else:
		prefix = collections_customer_prefix(company)
		customer = ensure_customer(f"{prefix}00000")
		families, extras, customer = build_collections_templates(company, abbr, customer)
		info = {"customer_prefix": prefix, "template_customer": customer}
	sets = scaled(spec["sets"], scale)
	info.update(
		{
			"company": company,
			"abbr": abbr,
			"sets": sets,
			"families": families,
			"extras": extras,
			"templates_seconds": round(time.monotonic() - started, 1),
			"made_on": nowdate(),
		}
	)
	if dataset == "heavy":
		info["template_parts"] = _outstanding_parts(HEAVY_CUSTOMER, company)
	else:
		per = spec["invoices_per_customer"] // COLLECTIONS_INVOICES_PER_SET
		info["sets_per_customer"] = per
		info["customers"] = -(-sets // per)
	return info


def _outstanding_parts(customer: str, company: str) -> dict:
	"""The parts of ERPNext's outstanding for a customer, at template stage."""
	from erpnext.selling.doctype.customer.customer import get_customer_outstanding

	gle = flt(
		frappe.db.sql(
			"""select sum(debit) - sum(credit) from `tabGL Entry` where party_type = 'Customer'
			and party = %s and company = %s and is_cancelled = 0""",
			(customer, company),
		)[0][0]
	)
	so = flt(
		frappe.db.sql(
			"""select sum(base_grand_total * (100 - per_billed) / 100) from `tabSales Order`
			where customer = %s and company = %s and docstatus = 1 and per_billed < 100 and status != 'Closed'""",
			(customer, company),
		)[0][0]
	)
	total = flt(get_customer_outstanding(customer, company))
	return {"gle": gle, "so": so, "dn": flt(total - gle - so, 2), "total": total}


def make_copies(dataset: str, info: dict) -> dict:
	started = time.monotonic()
	frappe.db.commit()
	kwargs = {}
	if dataset != "heavy":
		kwargs = {
			"customer_prefix": info["customer_prefix"],
			"template_customer": info["template_customer"],
			"sets_per_customer": info["sets_per_customer"],
		}
	inserted = replicate(info["families"], 1, info["sets"] - 1, **kwargs)
	if dataset != "heavy":
		inserted["Customer"] = replicate_customers(
			info["template_customer"], info["customer_prefix"], info["customers"]
		)
	_refresh_derived_state(info)
	info = {**info, "inserted": inserted, "copy_seconds": round(time.monotonic() - started, 1)}
	if dataset == "heavy":
		# ERPNext's own credit limit, above what the customer owes, so a new order passes the check
		from erpnext.selling.doctype.customer.customer import get_customer_outstanding

		outstanding = flt(get_customer_outstanding(info["customer"], info["company"]))
		limit = round(outstanding * 1.5 + 100000, -3)
		ensure_credit_limit(info["customer"], info["company"], limit)
		light = flt(get_customer_outstanding(LIGHT_CUSTOMER, info["company"]))
		ensure_credit_limit(LIGHT_CUSTOMER, info["company"], round(light * 1.5 + 100000, -3))
		info["credit_limit"] = limit
	return info


def _refresh_derived_state(info: dict) -> None:
	"""What ERPNext derives from the documents: invoice statuses and reserved stock."""
	from erpnext.controllers.accounts_controller import update_invoice_status
	from erpnext.stock.stock_balance import get_reserved_qty, update_bin_qty

	update_invoice_status()
	orders = [name for family in info["families"] for dt, name in family["docs"] if dt == "Sales Order"]
	if orders:
		pairs = frappe.db.sql(
			"select distinct item_code, warehouse from `tabSales Order Item` where parent in %(o)s",
			{"o": tuple(orders)},
		)
		for item_code, wh in pairs:
			update_bin_qty(item_code, wh, {"reserved_qty": get_reserved_qty(item_code, wh)})


def generate(dataset: str, scale: float) -> dict:
	spec = DATASETS[dataset]
	marker = get_marker(dataset)
	if marker and marker["stage"] == "complete":
		log(f"{dataset}: complete ({marker['sets']} sets), nothing to do")
		return marker
	if not marker:
		log(f"{dataset}: making template documents through ERPNext")
		frappe.db.commit()
		try:
			with app_hooks_off():  # ERPNext's documents as ERPNext alone makes them
				info = make_templates(dataset, spec, scale)
			set_marker(dataset, "templates", info)
			frappe.db.commit()
		except Exception:
			frappe.db.rollback()
			raise
		marker = {"stage": "templates", **info}
		log(
			f"{dataset}: {sum(len(f['docs']) for f in info['families'])} templates in {info['templates_seconds']} s"
		)
	log(f"{dataset}: copying the template set {marker['sets'] - 1} times in SQL")
	info = {k: v for k, v in marker.items() if k != "stage"}
	try:
		with app_hooks_off():
			info = make_copies(dataset, info)
		set_marker(dataset, "complete", info)
		frappe.db.commit()
	except Exception:
		frappe.db.rollback()
		raise
	log(f"{dataset}: copied in {info['copy_seconds']} s: {info['inserted']}")
	return info


# --------------------------------------------------------------------------------------------
# verification with ERPNext's own functions


def verify(dataset: str, info: dict) -> list[dict]:
	from erpnext.accounts.report.accounts_receivable.accounts_receivable import execute as ar_report
	from erpnext.selling.doctype.customer.customer import get_customer_outstanding

	company = info["company"]
	checks = []

	def check(what, expected, actual, tolerance=0.01):
		ok = abs(flt(expected) - flt(actual)) <= tolerance
		checks.append({"check": what, "expected": expected, "actual": actual, "ok": ok})
		log(f"  {'ok ' if ok else 'BAD'} {what}: expected {expected}, got {actual}")

	def ple_sum(customer=None):
		cond = " and party = %(customer)s" if customer else ""
		return flt(
			frappe.db.sql(
				f"""select sum(amount) from `tabPayment Ledger Entry` where company = %(company)s
				and party_type = 'Customer' and delinked = 0{cond}""",
				{"company": company, "customer": customer},
			)[0][0],
			2,
		)

	def gle_sum(customer=None):
		cond = " and party = %(customer)s" if customer else ""
		return flt(
			frappe.db.sql(
				f"""select sum(debit) - sum(credit) from `tabGL Entry` where company = %(company)s
				and party_type = 'Customer' and is_cancelled = 0{cond}""",
				{"company": company, "customer": customer},
			)[0][0],
			2,
		)

	def ar_total(customer=None):
		filters = {"company": company, "report_date": nowdate(), "ageing_based_on": "Due Date"}
		if customer:
			filters.update({"party_type": "Customer", "party": [customer]})
		started = time.monotonic()
		result = ar_report(filters)
		rows = [row for row in result[1] if isinstance(row, dict) and row.get("voucher_no")]
		return flt(sum(flt(r.get("outstanding")) for r in rows), 2), len(rows), time.monotonic() - started

	sets = info["sets"]
	if dataset == "heavy":
		customer = info["customer"]
		invoices = frappe.db.count(
			"Sales Invoice", {"customer": customer, "company": company, "docstatus": 1}
		)
		check("submitted Sales Invoices of the heavy customer", 20 * sets, invoices, 0)
		orders = frappe.db.sql(
			"""select count(*) from `tabSales Order` where customer = %s and company = %s and docstatus = 1
			and per_billed < 100 and status not in ('Closed', 'Completed')""",
			(customer, company),
		)[0][0]
		check("open Sales Orders of the heavy customer", 2 * sets, orders, 0)
		parts = info["template_parts"]
		expected = flt((parts["gle"] + parts["so"]) * sets + parts["dn"], 2)
		check(
			"get_customer_outstanding = sets × (template GL + unbilled orders) + unbilled DNs",
			expected,
			flt(get_customer_outstanding(customer, company), 2),
		)
		check("Payment Ledger sum = GL sum (heavy customer)", gle_sum(customer), ple_sum(customer))
		total, rows, seconds = ar_total(customer)
		check(
			"Accounts Receivable report total = Payment Ledger sum (heavy customer)", ple_sum(customer), total
		)
		info["ar_report"] = {"rows": rows, "seconds": round(seconds, 1)}
		statuses = dict(
			frappe.db.sql(
				"""select status, count(*) from `tabSales Invoice` where customer = %s and company = %s
				and docstatus = 1 group by status""",
				(customer, company),
			)
		)
		info["invoice_statuses"] = statuses
	else:
		open_invoices = frappe.db.sql(
			"""select count(*) from `tabSales Invoice` where company = %s and docstatus = 1
			and outstanding_amount > 0""",
			company,
		)[0][0]
		check("open Sales Invoices", COLLECTIONS_INVOICES_PER_SET * sets, open_invoices, 0)
		customers = frappe.db.sql(
			"select count(distinct customer) from `tabSales Invoice` where company = %s and docstatus = 1",
			company,
		)[0][0]
		check("customers with invoices", info["customers"], customers, 0)
		outstanding = flt(
			frappe.db.sql(
				"select sum(outstanding_amount) from `tabSales Invoice` where company = %s and docstatus = 1",
				company,
			)[0][0],
			2,
		)
		check("Σ invoice outstanding_amount = Payment Ledger sum", ple_sum(), outstanding)
		check("Payment Ledger sum = GL sum", gle_sum(), ple_sum())
		sample = f"{info['customer_prefix']}{min(info['customers'] - 1, 7):05d}"
		check(
			f"get_customer_outstanding({sample}) = its Payment Ledger sum",
			ple_sum(sample),
			flt(get_customer_outstanding(sample, company), 2),
		)
		total, rows, seconds = ar_total()
		check("Accounts Receivable report total = Payment Ledger sum", ple_sum(), total)
		check("Accounts Receivable report rows = open invoices", open_invoices, rows, 0)
		info["ar_report"] = {"rows": rows, "seconds": round(seconds, 1)}
	info["checks"] = checks
	return checks


# --------------------------------------------------------------------------------------------
# report


def write_report(made: dict[str, dict]) -> None:
	lines = [
		machine_line(),
		"",
		"Made by `bench/datagen.py` (see its docstring and `bench/README.md`). Template documents are",
		"created and submitted through ERPNext's API (`insert()` / `submit()`, ERPNext's own mappers",
		"for invoice-from-order, payment and credit note), so every table they touch is filled by",
		"ERPNext. Then each template *family* (documents that refer to each other) is copied",
		"set-based in SQL (`INSERT … SELECT` joined with MariaDB's `seq_1_to_N`): new names continue",
		"each naming series (`tabSeries` advanced), every reference inside the family (`parent`,",
		"`voucher_no`, `against_voucher(_no)`, `sales_order`, `so_detail`, `reference_name`,",
		"`return_against`, …) is rewritten to the copy, all dates move back by a per-copy offset",
		"within the family's window (GL `fiscal_year` recomputed), and in the collections sets the",
		"customer is rewritten. Tables copied per template document: its header, all its child tables,",
		"`GL Entry` and `Payment Ledger Entry`. Then ERPNext's own `update_invoice_status()` sets",
		"Overdue where a copy's due date has passed, and `get_reserved_qty()` / `update_bin_qty()`",
		"bring `Bin.reserved_qty` in line with the copied orders.",
		"",
		"| data set | company | made of | template families | copy time |",
		"|---|---|---|---|---|",
	]
	made = {name: made[name] for name in DATASETS if name in made}
	for name, info in made.items():
		if info.get("stage", "complete") != "complete":
			continue
		docs = sum(len(f["docs"]) for f in info["families"])
		inserted = ", ".join(f"{dt} {n:,}" for dt, n in sorted(info.get("inserted", {}).items()))
		kinds: dict[str, int] = {}
		for family in info["families"]:
			key = re.sub(r" #\d+$", "", family["key"])
			kinds[key] = kinds.get(key, 0) + 1
		lines.append(
			f"| `{name}` | {info['company']} | {info['sets']:,} sets: the template set of {docs} documents"
			f" made through ERPNext + {info['sets'] - 1:,} SQL copies; rows inserted: {inserted} |"
			f" {'; '.join(f'{k} ×{n}' for k, n in kinds.items())} |"
			f" templates {info.get('templates_seconds')} s, copies {info.get('copy_seconds')} s |"
		)
	heavy = made.get("heavy")
	if heavy and heavy.get("stage", "complete") == "complete":
		statuses = ", ".join(f"{k} {v:,}" for k, v in sorted(heavy.get("invoice_statuses", {}).items()))
		lines += [
			"",
			f"Heavy customer `{heavy['customer']}`: {20 * heavy['sets']:,} submitted Sales Invoices"
			f" ({statuses}), {2 * heavy['sets']:,} open Sales Orders (half unbilled, half 50 % billed),"
			f" 20 unbilled Delivery Notes not made from an order; ERPNext Customer Credit Limit"
			f" {heavy.get('credit_limit', 0):,.0f}. Light customer `{heavy['light_customer']}`: 5 invoices,"
			" 1 payment, 2 open orders, 1 unbilled Delivery Note (made through ERPNext, not copied).",
		]
	lines += ["", "Verification with ERPNext's own functions (run by `datagen.py --verify`):", ""]
	lines += ["| data set | check | expected | ERPNext says | |", "|---|---|---|---|---|"]
	for name, info in made.items():
		for c in info.get("checks", []):
			lines.append(
				f"| `{name}` | {c['check']} | {c['expected']:,} | {c['actual']:,} | {'ok' if c['ok'] else '**MISMATCH**'} |"
			)
		if info.get("ar_report"):
			ar = info["ar_report"]
			lines.append(
				f"| `{name}` | Accounts Receivable report: {ar['rows']:,} rows in {ar['seconds']} s | | | |"
			)
	lines += [
		"",
		"Caveats of the copied data:",
		"",
		"- The templates are made with the app's document hooks switched off (ERPNext alone), so no",
		"  document carries app-side state (`collection_status`, credit status, Collection Actions).",
		"- Copies carry no `Version` / `Comment` rows (the only other tables the templates touch), and",
		"  free-text fields (`remarks`, `in_words`) still mention the template's names.",
		"- Amounts repeat the templates' (variety comes from the templates, not from the copies).",
		"- No copied document moves stock (orders, and invoices without `update_stock`), so no Stock",
		"  Ledger Entry is copied; the 20 + 1 Delivery Notes are real, not copied.",
		"- Child rows, GL and Payment Ledger Entries of copies are named `<template row>-<copy>`; GL",
		"  Entries are not renamed to the `ACC-GLE-` series.",
		"- Dates are relative to the day the data was made; as days pass, not-yet-due invoices fall",
		"  due (ERPNext's daily `update_invoice_status` only runs with the scheduler on).",
	]
	write_machine_section()
	write_section("datagen", "\n".join(lines))


def main(argv=None):
	parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
	parser.add_argument("datasets", nargs="*", help=f"any of {', '.join(DATASETS)} (default: all)")
	parser.add_argument("--verify", action="store_true", help="only verify what exists")
	parser.add_argument("--no-verify", action="store_true", help="skip verification after making")
	parser.add_argument("--scale", type=float, default=1.0, help="fraction of the full sizes (trial runs)")
	args = parser.parse_args(argv)
	names = args.datasets or list(DATASETS)
	unknown = set(names) - set(DATASETS)
	if unknown:
		parser.error(f"unknown data set(s): {', '.join(sorted(unknown))}")

	connect()
	try:
		ensure_marker_table()
		if not args.verify:
			with app_hooks_off():
				prepare_masters()
		made = {}
		for name in names:
			if args.verify:
				info = get_marker(name)
				if not info or info["stage"] != "complete":
					log(f"{name}: not made yet")
					continue
			else:
				info = generate(name, args.scale)
			made[name] = info
			if not args.no_verify:
				log(f"{name}: verifying")
				verify(name, info)
				set_marker(name, "complete", {k: v for k, v in info.items() if k != "stage"})
				frappe.db.commit()
		all_made = datasets_made()
		write_report(all_made)
		bad = [c for info in made.values() for c in info.get("checks", []) if not c["ok"]]
		if bad:
			log(f"{len(bad)} verification check(s) failed")
			return 1
		return 0
	finally:
		frappe.db.rollback()
		frappe.destroy()


if __name__ == "__main__":
	sys.exit(main())
