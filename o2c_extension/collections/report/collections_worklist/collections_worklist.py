# Copyright (c) 2026, o2c_extension developers
# For license information, please see license.txt

"""Collections Worklist: one row per customer account (its Collection Case), most urgent first,
drilling down to the account's overdue invoices.

A customer's row shows the case (status, assigned collector, priority), the overdue amount in
company currency and its ageing (1–30, 31–60, 61–90, over 90 days past the due date of each
unpaid payment term), the oldest due date, promise and dispute state, the last and next action.
Under it, each overdue invoice with its priority score (outstanding in company currency × days
overdue, counted from the earliest unpaid payment term); invoices paused by a dispute or a promise
to pay not yet due are flagged and listed after the actionable ones. Invoices due before the
collections start date are shown too (the run leaves them alone). The agent is whoever holds the
case's open task. Only the company and customers the user's User Permissions allow are shown.
Everything is read in a few queries per thousand invoices.
"""

import frappe
from frappe import _
from frappe.utils import flt, getdate, nowdate

from o2c_extension import access
from o2c_extension.collections import cases, core
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
	accounts: dict[str, list] = {}
	for start in range(0, len(names), LOAD_CHUNK):
		for invoice in load_chunk(names[start : start + LOAD_CHUNK]).invoices:
			accounts.setdefault(invoice.customer, []).append(invoice)
	open_cases = case_records(filters.company, list(accounts))
	promised = promised_customers(filters.company, list(accounts))
	blocks = []
	for customer, invoices in accounts.items():
		case = open_cases.get(customer)
		agent = case.assigned_to if case else None
		if filters.get("agent") and agent != filters.agent:
			continue
		children = [row for invoice in invoices for row in invoice_rows(invoice, today, agent)]
		if not children:
			continue  # nothing overdue yet
		children.sort(key=lambda row: (row["paused"], -row["priority_score"]))
		parent = account_row(customer, invoices, case, customer in promised, children, today)
		for child in children:
			child.update(indent=1, parent_row=parent["row_name"], row_name=child["sales_invoice"])
		blocks.append((parent, children))
	blocks.sort(key=lambda block: (block[0]["paused"], -block[0]["priority_score"]))
	return [row for parent, children in blocks for row in (parent, *children)]


def case_records(company: str, customers: list[str]) -> dict:
	return cases.open_cases(
		company, customers, ("name", "status", "assigned_to", "priority", "last_action", "last_action_on")
	)


def promised_customers(company: str, customers: list[str]) -> set[str]:
	if not customers:
		return set()
	return set(
		frappe.get_all(
			"Promise to Pay",
			filters={"company": company, "customer": ("in", customers), "status": "Open"},
			pluck="customer",
		)
	)


def account_row(customer, invoices, case, promised: bool, children: list[dict], today) -> dict:
	"""The customer's line: its case and the figures of its overdue account."""
	summary = cases.account_summary(
		invoices, today, promised or any(i.promise_date and i.promise_date >= today for i in invoices)
	)
	buckets = [0.0] * len(core.AGEING_BUCKETS)
	for invoice in invoices:
		for row in invoice.overdue_rows(today):
			index = core.ageing_bucket((today - row.due_date).days)
			if index is not None:
				buckets[index] += invoice.currencies.to_company(row.outstanding)
	precision = invoices[0].precision
	last = max(
		(child for child in children if child["last_action_date"]),
		key=lambda child: child["last_action_date"],
		default=None,
	)
	last_action, last_date = (last["last_action"], last["last_action_date"]) if last else (None, None)
	if (
		case
		and case.last_action_on
		and (last_date is None or getdate(case.last_action_on) >= getdate(last_date))
	):
		last_action, last_date = _(case.last_action), case.last_action_on
	paused = all(child["paused"] for child in children)
	return {
		"indent": 0,
		"row_name": customer,
		"parent_row": None,
		"customer": customer,
		"customer_name": invoices[0].customer_name,
		"sales_invoice": None,
		"collection_case": case.name if case else None,
		"case_status": _(case.status if case else summary["status"]),
		"agent": case.assigned_to if case else None,
		"priority": _(case.priority if case else summary["priority"]),
		"outstanding": summary["overdue_amount"],
		"bucket_1_30": flt(buckets[0], precision),
		"bucket_31_60": flt(buckets[1], precision),
		"bucket_61_90": flt(buckets[2], precision),
		"bucket_90_plus": flt(buckets[3], precision),
		"due_date": summary["oldest_due_date"],
		"days_overdue": core.days_overdue(summary["oldest_due_date"], today),
		"priority_score": sum(child["priority_score"] for child in children),
		"flags": ", ".join(
			sorted({flag for child in children for flag in child["flags"].split(", ") if flag})
		),
		"paused": 1 if paused else 0,
		"promise_to_pay_date": min(
			(child["promise_to_pay_date"] for child in children if child["promise_to_pay_date"]), default=None
		),
		"last_action": last_action,
		"last_action_date": last_date,
		"next_action_date": summary["next_action_date"],
		"invoices": len(children),
	}


def invoice_rows(invoice, today, agent=None) -> list[dict]:
	earliest = invoice.earliest_open_due
	if earliest is None or earliest >= today:
		return []  # nothing overdue yet
	overdue_days = core.days_overdue(earliest, today)
	promised = invoice.promise_date is not None and invoice.promise_date >= today
	flags = [
		label
		for flagged, label in ((invoice.paused, _("Disputed")), (promised, _("Promise to Pay")))
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
	return [{"agent": agent, **base}]


def get_columns(currency: str) -> list[dict]:
	def money(fieldname, label):
		return {
			"fieldname": fieldname,
			"label": label,
			"fieldtype": "Currency",
			"options": "currency",
			"width": 110,
		}

	return [
		{
			"fieldname": "customer",
			"label": _("Customer"),
			"fieldtype": "Link",
			"options": "Customer",
			"width": 180,
		},
		{
			"fieldname": "collection_case",
			"label": _("Collection Case"),
			"fieldtype": "Link",
			"options": "Collection Case",
			"width": 110,
		},
		{"fieldname": "case_status", "label": _("Case Status"), "fieldtype": "Data", "width": 110},
		{"fieldname": "agent", "label": _("Agent"), "fieldtype": "Link", "options": "User", "width": 180},
		{"fieldname": "priority", "label": _("Priority"), "fieldtype": "Data", "width": 80},
		{
			"fieldname": "sales_invoice",
			"label": _("Sales Invoice"),
			"fieldtype": "Link",
			"options": "Sales Invoice",
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
		money("bucket_1_30", _("1–30 Days")),
		money("bucket_31_60", _("31–60 Days")),
		money("bucket_61_90", _("61–90 Days")),
		money("bucket_90_plus", _("Over 90 Days")),
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
