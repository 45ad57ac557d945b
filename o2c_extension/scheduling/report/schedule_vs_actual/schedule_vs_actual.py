# Copyright (c) 2026, o2c_extension developers
# For license information, please see license.txt

"""Schedule vs Actual: per agreement and item, what was agreed and scheduled against what was
released (ordered), delivered and billed, the backlog due by a date and the overdue lines, for
the agreements the user may read (User Permissions on company, customer... included)."""

import frappe
from frappe import _
from frappe.desk.reportview import build_match_conditions
from frappe.utils import flt, getdate, nowdate

from o2c_extension.scheduling.db import AGREEMENT

# filter -> condition on an agreement `{sa}` and an item code `{item}`; values are parameters
FILTER_CONDITIONS = {
	"company": "{sa}.company = %(company)s",
	"customer": "{sa}.customer = %(customer)s",
	"scheduling_agreement": "{sa}.name = %(scheduling_agreement)s",
	"item_code": "{item} = %(item_code)s",
	"status": "{sa}.status = %(status)s",
}


def _conditions(filters, sa: str, item: str) -> str:
	return " ".join(
		"and " + condition.format(sa=sa, item=item)
		for fieldname, condition in FILTER_CONDITIONS.items()
		if filters.get(fieldname)
	)


def execute(filters=None):
	filters = frappe._dict(filters or {})
	filters.as_of = getdate(filters.get("as_of") or nowdate())
	return get_columns(), get_data(filters)


def get_columns():
	def qty(fieldname, label, width=110):
		return {"fieldname": fieldname, "label": label, "fieldtype": "Float", "width": width}

	return [
		{
			"fieldname": "scheduling_agreement",
			"label": _("Scheduling Agreement"),
			"fieldtype": "Link",
			"options": "Scheduling Agreement",
			"width": 160,
		},
		{
			"fieldname": "customer",
			"label": _("Customer"),
			"fieldtype": "Link",
			"options": "Customer",
			"width": 160,
		},
		{"fieldname": "status", "label": _("Status"), "fieldtype": "Data", "width": 90},
		{"fieldname": "item_code", "label": _("Item"), "fieldtype": "Link", "options": "Item", "width": 150},
		{
			"fieldname": "customer_item_code",
			"label": _("Customer Item Code"),
			"fieldtype": "Data",
			"width": 120,
		},
		# Data, not Link: a Link column needs read access to UOM, which sales roles lack
		{"fieldname": "uom", "label": _("UOM"), "fieldtype": "Data", "width": 70},
		qty("agreed_qty", _("Agreed")),
		qty("scheduled_qty", _("Scheduled")),
		qty("firm_open_qty", _("Firm, Not Called Off"), 130),
		# the release type that governs the item's next open lines: a JIT call, or the forecast
		{"fieldname": "release_type", "label": _("Release Type"), "fieldtype": "Data", "width": 90},
		qty("jit_open_qty", _("Open from JIT"), 110),
		qty("released_qty", _("Released")),
		qty("delivered_qty", _("Delivered")),
		qty("billed_qty", _("Billed")),
		qty("to_deliver_qty", _("Released, Not Delivered"), 140),
		qty("backlog_qty", _("Backlog (Due, Not Delivered)"), 160),
		{"fieldname": "overdue_lines", "label": _("Overdue Lines"), "fieldtype": "Int", "width": 100},
		{"fieldname": "next_schedule_date", "label": _("Next Open Date"), "fieldtype": "Date", "width": 110},
		qty("unscheduled_qty", _("Agreed, Not Scheduled"), 140),
	]


def _permitted(sa: str) -> str:
	"""Only the agreements the user may read: the role permissions' and User Permissions' match
	conditions (company, customer, ...) Frappe applies to a list of Scheduling Agreements."""
	match = build_match_conditions(AGREEMENT)
	if not match:
		return ""
	return f"and {sa}.name in (select `tab{AGREEMENT}`.name from `tab{AGREEMENT}` where {match})"


def get_data(filters) -> list[dict]:
	# the same filters inside the line aggregate, so it only reads the lines it reports on
	conditions = _conditions(filters, "sa", "sai.item_code") + " " + _permitted("sa")
	line_conditions = _conditions(filters, "parent_sa", "sl.item_code") + " " + _permitted("parent_sa")
	rows = frappe.db.sql(
		f"""
		select sa.name as scheduling_agreement, sa.customer, sa.status, sai.item_code, sai.uom,
			sai.customer_item_code, sai.agreed_qty, sai.released_qty, sai.delivered_qty, sai.billed_qty,
			coalesce(sched.jit_open_qty, 0) as jit_open_qty,
			coalesce(sched.scheduled_qty, 0) as scheduled_qty,
			coalesce(sched.firm_open_qty, 0) as firm_open_qty,
			coalesce(sched.backlog_qty, 0) as backlog_qty,
			coalesce(sched.overdue_lines, 0) as overdue_lines,
			sched.next_schedule_date
		from `tabScheduling Agreement` sa
		join `tabScheduling Agreement Item` sai on sai.parent = sa.name
		left join (
			select sl.parent, sl.item_code,
				sum(case when sl.status != 'Cancelled' then sl.qty else 0 end) as scheduled_qty,
				sum(case when sl.status = 'Open' and sl.line_type = 'Firm' then sl.qty else 0 end)
					as firm_open_qty,
				sum(case when sl.status = 'Open' and sl.release_type = 'JIT' then sl.qty else 0 end)
					as jit_open_qty,
				sum(case when sl.status != 'Cancelled' and sl.schedule_date <= %(as_of)s
					then greatest(sl.qty - sl.delivered_qty, 0) else 0 end) as backlog_qty,
				sum(case when sl.status in ('Open', 'Released') and sl.schedule_date < %(as_of)s
					then 1 else 0 end) as overdue_lines,
				min(case when sl.status = 'Open' then sl.schedule_date end) as next_schedule_date
			from `tabScheduling Agreement Schedule Line` sl
			join `tabScheduling Agreement` parent_sa on parent_sa.name = sl.parent
			where parent_sa.docstatus = 1 {line_conditions}
			group by sl.parent, sl.item_code
		) sched on sched.parent = sa.name and sched.item_code = sai.item_code
		where sa.docstatus = 1 {conditions}
		order by sa.name, sai.idx
		""",
		filters,
		as_dict=True,
	)
	for row in rows:
		row.to_deliver_qty = max(flt(row.released_qty) - flt(row.delivered_qty), 0)
		row.unscheduled_qty = max(flt(row.agreed_qty) - flt(row.scheduled_qty), 0)
		row.status = _(row.status)
		row.release_type = _("JIT") if flt(row.jit_open_qty) > 0 else _("Forecast")
	return rows
