"""Fields the Scheduling module adds to ERPNext doctypes (created on install and migrate)."""

from frappe import _


def _agreement_link(insert_after: str) -> dict:
	return {
		"fieldname": "scheduling_agreement",
		"label": _("Scheduling Agreement"),
		"fieldtype": "Link",
		"options": "Scheduling Agreement",
		"insert_after": insert_after,
		"read_only": 1,
		"search_index": 1,
		"no_copy": 0,
	}


def _item_fields(insert_after: str) -> list[dict]:
	return [
		_agreement_link(insert_after),
		{
			"fieldname": "schedule_line",
			"label": _("Schedule Line"),
			"fieldtype": "Data",
			"insert_after": "scheduling_agreement",
			"read_only": 1,
			"search_index": 1,
		},
	]


def get_custom_fields() -> dict:
	return {
		"Sales Order": [_agreement_link("customer_name")],
		"Sales Order Item": _item_fields("item_name"),
		"Delivery Note": [_agreement_link("customer_name")],
		"Delivery Note Item": _item_fields("item_name"),
		"Sales Invoice": [_agreement_link("customer_name")],
		"Sales Invoice Item": _item_fields("item_name"),
	}
