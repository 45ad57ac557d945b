"""Connections the Credit Control module adds to ERPNext forms (extending, not replacing, them)."""

from frappe import _


def customer_dashboard(data: dict) -> dict:
	data.setdefault("transactions", []).append(
		{"label": _("Credit"), "items": ["Credit Limit Request", "Credit Limit Change", "Credit Hold"]}
	)
	return data
