"""Connections the Collections module adds to ERPNext forms (extending, not replacing, them)."""

from frappe import _

CUSTOMER_ACCOUNT = ["Collection Case", "Collection Action", "Promise to Pay", "Dispute"]


def customer_dashboard(data: dict) -> dict:
	data.setdefault("transactions", []).append({"label": _("Collections"), "items": CUSTOMER_ACCOUNT})
	return data


def sales_invoice_dashboard(data: dict) -> dict:
	"""An invoice's collection actions, promises and disputes (each has a `sales_invoice` field)."""
	data.setdefault("non_standard_fieldnames", {})["Credit Hold"] = "reference_name"
	data.setdefault("transactions", []).append(
		{
			"label": _("Collections"),
			"items": ["Collection Action", "Promise to Pay", "Dispute", "Credit Hold"],
		}
	)
	return data
