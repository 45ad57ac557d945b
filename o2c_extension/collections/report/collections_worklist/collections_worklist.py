# Copyright (c) 2026, o2c_extension developers
# For license information, please see license.txt

"""Collections Worklist: per agent, the open overdue invoices to chase, most urgent first.

Urgency is the priority score (outstanding in company currency × days overdue, counted from the
earliest unpaid payment term). Invoices paused
by a dispute or a promise to pay not yet due are flagged and listed after the actionable ones.
The agent is whoever holds an open collection ToDo on the invoice; invoices nobody holds yet
are listed without an agent. Only the company and customers the user's User Permissions allow
are shown. Everything is read in a few queries per thousand invoices.
"""

import frappe
from frappe import _
from frappe.utils import getdate, nowdate

from o2c_extension import access
from o2c_extension.collections import core
from o2c_extension.collections.context import load_chunk, open_invoice_names

LOAD_CHUNK = 1000


def execute(filters=None):
	filters = frappe._dict(filters or {})
	if not filters.get("company"):
		frappe.throw(_("Choose a company."), title=_("Missing Filter"))
	filters.company = access.require_company(filters.company)
	access.check_company_access(filters.company, ("Sales Invoice",))
	filters.allowed_customers = access.allowed_values("Customer", "Sales Invoice")
	if (
		filters.get("customer")
		and filters.allowed_customers is not None
		and filters.customer not in filters.allowed_customers
	):
		frappe.throw(
			_("Your User Permissions do not allow customer {0}.").format(frappe.bold(filters.customer)),
			frappe.PermissionError,
			title=_("Not Permitted"),
		)
	currency = frappe.get_cached_value("Company", filters.company, "default_currency")
	data = get_data(filters, getdate(nowdate()))
	for row in data:
		row["currency"] = currency
	return get_columns(currency), data


def get_data(filters, today) -> list[dict]:
	names = open_invoice_names(
		today,
		filters.company,
		filters.get("customer"),
		include_paused=True,
		customers=filters.get("allowed_customers"),
	)
	rows = []
	for start in range(0, len(names), LOAD_CHUNK):
		for invoice in load_chunk(names[start : start + LOAD_CHUNK]).invoices:
			rows.extend(invoice_rows(invoice, today, filters.get("agent")))
	rows.sort(key=lambda row: (row["agent"] or "\uffff", row["paused"], -row["priority_score"]))
	return rows


def invoice_rows(invoice, today, agent_filter=None) -> list[dict]:
	earliest = invoice.earliest_open_due
	if earliest is None or earliest >= today:
		return []  # nothing overdue yet
	agents = sorted(
		{
			action.assigned_to
			for action in invoice.actions
			if action.status == core.OPEN and action.assigned_to
		}
	) or [None]
	if agent_filter:
		agents = [agent for agent in agents if agent == agent_filter]
	overdue_days = core.days_overdue(earliest, today)
	promised = invoice.promise_date is not None and invoice.promise_date >= today
	flags = [
		label
		for flagged, label in ((invoice.disputed, _("Disputed")), (promised, _("Promise to Pay")))
		if flagged
	]
	applied = [action for action in invoice.actions if action.status in core.APPLIED_STATUSES]
	last = max(applied, key=lambda action: (action.action_date, action.creation), default=None)
	upcoming = core.next_step(invoice.rows, invoice.rule, today, invoice.done(today))
	base = {
		"sales_invoice": invoice.name,
		"customer": invoice.customer,
		"customer_name": invoice.customer_name,
		"due_date": earliest,
		"days_overdue": overdue_days,
		"outstanding": invoice.outstanding,
		"priority_score": round(core.priority_score(invoice.outstanding, overdue_days)),
		"collection_status": invoice.status(today),
		"flags": ", ".join(flags),
		"paused": 1 if flags else 0,
		"promise_to_pay_date": invoice.promise_date,
		"dispute": 1 if invoice.disputed else 0,
		"dispute_reason": invoice.dispute_reason if invoice.disputed else None,
		"last_action": _(last.action) if last else None,
		"last_action_date": last.action_date if last else None,
		"next_action": _(upcoming[1].action) if upcoming else None,
		"next_action_date": upcoming[0] if upcoming else None,
	}
	return [{"agent": agent, **base} for agent in agents]


def get_columns(currency: str) -> list[dict]:
	return [
		{"fieldname": "agent", "label": _("Agent"), "fieldtype": "Link", "options": "User", "width": 180},
		{
			"fieldname": "sales_invoice",
			"label": _("Sales Invoice"),
			"fieldtype": "Link",
			"options": "Sales Invoice",
			"width": 160,
		},
		{
			"fieldname": "customer",
			"label": _("Customer"),
			"fieldtype": "Link",
			"options": "Customer",
			"width": 160,
		},
		{"fieldname": "customer_name", "label": _("Customer Name"), "fieldtype": "Data", "width": 160},
		{"fieldname": "due_date", "label": _("Oldest Due Date"), "fieldtype": "Date", "width": 110},
		{"fieldname": "days_overdue", "label": _("Days Overdue"), "fieldtype": "Int", "width": 100},
		{
			"fieldname": "outstanding",
			"label": _("Outstanding ({0})").format(currency),
			"fieldtype": "Currency",
			"options": "currency",
			"width": 130,
		},
		{
			"fieldname": "priority_score",
			"label": _("Priority Score"),
			"fieldtype": "Int",
			"width": 120,
		},
		{
			"fieldname": "collection_status",
			"label": _("Collection Status"),
			"fieldtype": "Data",
			"width": 120,
		},
		{"fieldname": "flags", "label": _("Paused"), "fieldtype": "Data", "width": 130},
		{"fieldname": "dispute_reason", "label": _("Dispute Reason"), "fieldtype": "Data", "width": 180},
		{
			"fieldname": "promise_to_pay_date",
			"label": _("Promise to Pay Date"),
			"fieldtype": "Date",
			"width": 110,
		},
		{"fieldname": "last_action", "label": _("Last Action"), "fieldtype": "Data", "width": 130},
		{"fieldname": "last_action_date", "label": _("Last Action Date"), "fieldtype": "Date", "width": 110},
		{"fieldname": "next_action", "label": _("Next Action"), "fieldtype": "Data", "width": 130},
		{"fieldname": "next_action_date", "label": _("Next Action Date"), "fieldtype": "Date", "width": 110},
	]
