"""Disputes on a Sales Invoice: the customer contests part (or all) of what it owes.

Only the disputed amount pauses: the rest of the invoice is still chased. A Dispute is Open until it
is resolved (Credit Note, Write-off, Customer Paid) or rejected.
"""

from __future__ import annotations

import frappe
from frappe.query_builder.functions import Sum

OPEN = "Open"


def open_disputed_amounts(invoices: list[str]) -> dict[str, float]:
	"""The open disputed amount of each invoice that has one, in the invoice's currency (one query)."""
	if not invoices:
		return {}
	dispute = frappe.qb.DocType("Dispute")
	rows = (
		frappe.qb.from_(dispute)
		.select(dispute.sales_invoice, Sum(dispute.disputed_amount))
		.where((dispute.status == OPEN) & dispute.sales_invoice.isin(list(invoices)))
		.groupby(dispute.sales_invoice)
	).run()
	return {invoice: float(amount or 0) for invoice, amount in rows}
