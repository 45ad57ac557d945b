"""Fields the Scheduling module adds to ERPNext doctypes (created on install and migrate).

The agreement links are `no_copy`: a duplicated Sales Order is no call-off and must not release the
agreement's lines again. ERPNext's mappers skip `no_copy` fields too, so Delivery Notes and Sales
Invoices (and their returns) take the links from the row they are made from (`so_detail`,
`dn_detail`, ...), never from what a mapper or a user put on the row: see
`order_to_cash/sealed_fields.py`.
"""

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
		"no_copy": 1,
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
			"no_copy": 1,
		},
	]


def get_custom_fields() -> dict:
	return {
		# the customer's id as its EDIFACT messages name it (NAD+BY): releases read from DELFOR /
		# DELJIT go to the customer with this id, or to the customer of that name
		"Customer": [
			{
				"fieldname": "edi_party_id",
				"label": _("EDI Party ID"),
				"fieldtype": "Data",
				"insert_after": "customer_group",
				"unique": 1,
				"search_index": 1,
				"description": _("The buyer's party id in the customer's EDIFACT messages (NAD+BY)."),
			}
		],
		"Sales Order": [_agreement_link("customer_name")],
		"Sales Order Item": _item_fields("item_name"),
		"Delivery Note": [_agreement_link("customer_name")],
		"Delivery Note Item": _item_fields("item_name"),
		"Sales Invoice": [_agreement_link("customer_name")],
		"Sales Invoice Item": _item_fields("item_name"),
	}
