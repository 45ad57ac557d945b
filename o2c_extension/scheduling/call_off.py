"""Call-off: Firm, Open schedule lines that fall due within an agreement's release horizon become
submitted Sales Orders, one per agreement and schedule date.

Each order is its own unit of work (a savepoint, and a commit when run as a job): an order that
fails is rolled back completely and retried by the next run; orders already made are never made
again, because their lines are no longer Open and a submitted order carries them.
"""

from collections import defaultdict
from dataclasses import dataclass, field, replace

import frappe
from frappe import _
from frappe.utils import getdate, nowdate

from o2c_extension.order_to_cash.sealed_fields import app_writes
from o2c_extension.scheduling.call_off_plan import DueLine, PlannedOrder, call_off_horizon, plan_call_off
from o2c_extension.scheduling.db import CREDIT_REJECTED, live_order
from o2c_extension.scheduling.schedule import lock_schedule
from o2c_extension.scheduling.schedule_lines import OPEN


@dataclass
class CallOffResult:
	sales_orders: list[str] = field(default_factory=list)
	failures: list[tuple[str, str, str]] = field(default_factory=list)  # agreement, date, error


def call_off(agreements: list[str] | None = None, today=None, commit: bool = False) -> CallOffResult:
	"""Make the Sales Orders due today for the given Active agreements (all if None).

	With `commit`, each order is committed on its own (background job). Without, they stay in the
	caller's transaction (a request), still each behind its own savepoint.
	"""
	today = getdate(today or nowdate())
	headers = _active_agreements(agreements, today)
	result = CallOffResult()
	if not headers:
		return result

	horizon = {name: header.release_horizon_days or 0 for name, header in headers.items()}
	latest_due = max(call_off_horizon(today, days) for days in horizon.values())
	lines = _open_firm_lines(list(headers), latest_due)
	already_ordered = _lines_on_submitted_orders([line.name for line in lines])
	plan = plan_call_off(lines, horizon, already_ordered, today)
	if not plan:
		return result
	items = _agreement_items({order.agreement for order in plan})

	for planned in plan:
		savepoint = f"o2c_call_off_{frappe.generate_hash(length=10)}"
		frappe.db.savepoint(savepoint)
		try:
			order = _still_due(planned)
			if order is None:
				frappe.db.release_savepoint(savepoint)
				continue
			sales_order = make_sales_order(order, headers[order.agreement], items[order.agreement], today)
		except Exception as error:
			order = planned
			frappe.db.rollback(save_point=savepoint)
			result.failures.append((order.agreement, str(order.schedule_date), str(error)))
			frappe.log_error(
				title=_("Call-off failed for {0} on {1}").format(order.agreement, order.schedule_date),
				reference_doctype="Scheduling Agreement",
				reference_name=order.agreement,
			)
			if commit:
				frappe.db.commit()
			continue
		frappe.db.release_savepoint(savepoint)
		result.sales_orders.append(sales_order)
		if commit:
			frappe.db.commit()
	return result


def _still_due(order: PlannedOrder) -> PlannedOrder | None:
	"""Lock the agreement's schedule, then keep the lines that are still Open.

	A Release Now and the daily job, or a customer release being imported, may be working on
	the same agreement: the lock makes them take turns, and the locking read sees what the
	other one committed meanwhile (a line ordered, or replaced, since this run planned).
	"""
	statuses = lock_schedule(order.agreement)
	open_lines = {name for name, status in statuses.items() if status == OPEN}
	lines = tuple(line for line in order.lines if line.name in open_lines)
	return replace(order, lines=lines) if lines else None


def make_sales_order(order: PlannedOrder, agreement, items: dict, today) -> str:
	"""Insert and submit the Sales Order for one agreement and schedule date; returns its name."""
	doc = frappe.get_doc(
		{
			"doctype": "Sales Order",
			"customer": agreement.customer,
			"company": agreement.company,
			"currency": agreement.currency,
			"selling_price_list": agreement.selling_price_list,
			"order_type": "Sales",
			# a line already overdue is ordered as of its own date: delivery_date is the schedule date
			"transaction_date": min(today, order.schedule_date),
			"delivery_date": order.schedule_date,
			"scheduling_agreement": agreement.name,
			# the customer's own reference of the agreement, as its releases and deliveries quote it
			"po_no": agreement.customer_reference,
			# the agreement's rate is the contract price: no pricing rule may change it
			"ignore_pricing_rule": 1,
			"items": [
				{
					"item_code": line.item_code,
					"qty": line.qty,
					"uom": items[line.item_code].uom,
					"rate": items[line.item_code].rate,
					"warehouse": items[line.item_code].warehouse,
					"delivery_date": order.schedule_date,
					"scheduling_agreement": agreement.name,
					"schedule_line": line.name,
				}
				for line in order.lines
			],
		}
	)
	doc.flags.ignore_permissions = True
	set_commercial_terms(doc)
	# inserted as submitted: one validation and one write instead of a save and then a submit
	doc.docstatus = 1
	with app_writes():  # the rows name their schedule lines, which only the call-off may
		doc.insert()
	return doc.name


def set_commercial_terms(doc) -> None:
	"""What ERPNext gives a new order of the customer in the desk: its party details (payment terms
	template, tax template of a Tax Rule, addresses, exchange rate), else the company's default
	sales taxes template, and the tax rows of the template. The payment schedule follows on
	validate."""
	doc.run_method("set_missing_values")
	if not doc.get("taxes_and_charges"):
		doc.taxes_and_charges = frappe.db.get_value(
			"Sales Taxes and Charges Template", {"company": doc.company, "is_default": 1, "disabled": 0}
		)
	if doc.get("taxes_and_charges") and not doc.get("taxes"):
		doc.append_taxes_from_master()


def _active_agreements(names: list[str] | None, today) -> dict:
	if names is not None and not names:
		return {}
	only_names = "and name in %(names)s" if names else ""
	rows = frappe.db.sql(
		f"""
		select name, customer, company, currency, selling_price_list, release_horizon_days,
			customer_reference
		from `tabScheduling Agreement`
		where docstatus = 1 and status = 'Active' and valid_to >= %(today)s {only_names}
		""",
		{"names": tuple(names or ()), "today": today},
		as_dict=True,
	)
	return {row.name: row for row in rows}


def _open_firm_lines(agreements: list[str], latest_due) -> list[DueLine]:
	return [
		DueLine(
			row.parent, row.name, row.item_code, row.schedule_date, float(row.qty), row.line_type, row.status
		)
		for row in frappe.db.sql(
			"""
			select parent, name, item_code, schedule_date, qty, line_type, status
			from `tabScheduling Agreement Schedule Line`
			where parent in %(agreements)s and status = 'Open' and line_type = 'Firm'
				and schedule_date <= %(latest_due)s
			order by parent, schedule_date, idx
			""",
			{"agreements": tuple(agreements), "latest_due": latest_due},
			as_dict=True,
		)
	]


def _lines_on_submitted_orders(line_names: list[str]) -> set[str]:
	"""Lines a submitted order already carries, whatever their status says (belt and braces); an
	order whose credit was rejected frees its lines."""
	if not line_names:
		return set()
	return set(
		frappe.db.sql_list(
			f"""select distinct soi.schedule_line from `tabSales Order Item` soi
			join `tabSales Order` so on so.name = soi.parent
			where soi.schedule_line in %(lines)s and {live_order()}""",
			{"lines": tuple(line_names), "credit_rejected": CREDIT_REJECTED},
		)
	)


def _agreement_items(agreements: set[str]) -> dict[str, dict]:
	items = defaultdict(dict)
	for row in frappe.db.sql(
		"""select parent, item_code, uom, rate, warehouse
		from `tabScheduling Agreement Item` where parent in %(agreements)s""",
		{"agreements": tuple(agreements)},
		as_dict=True,
	):
		items[row.parent][row.item_code] = row
	return items
