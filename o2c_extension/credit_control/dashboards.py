"""Connections the Credit Control module adds to ERPNext forms (extending, not replacing, them)."""

from frappe import _


def customer_dashboard(data: dict) -> dict:
	data.setdefault("transactions", []).append(
		{
			"label": _("Credit"),
			"items": ["Credit Policy", "Credit Limit Request", "Credit Limit Change", "Credit Hold"],
		}
	)
	return data


def sales_order_dashboard(data: dict) -> dict:
	"""A held order shows its Credit Hold (a Dynamic Link on `reference_name`) and limit requests."""
	data.setdefault("non_standard_fieldnames", {})["Credit Hold"] = "reference_name"
	data.setdefault("transactions", []).append(
		{"label": _("Credit"), "items": ["Credit Hold", "Credit Limit Request"]}
	)
	return data
