"""Connections the Scheduling module adds to ERPNext forms (extending, not replacing, them)."""

from frappe import _


def customer_dashboard(data: dict) -> dict:
	data.setdefault("transactions", []).append(
		{"label": _("Scheduling"), "items": ["Scheduling Agreement", "Schedule Release"]}
	)
	return data


def sales_order_dashboard(data: dict) -> dict:
	"""A call-off order names its agreement on its items (`scheduling_agreement`)."""
	data.setdefault("internal_links", {})["Scheduling Agreement"] = ["items", "scheduling_agreement"]
	data.setdefault("transactions", []).append({"label": _("Scheduling"), "items": ["Scheduling Agreement"]})
	return data
