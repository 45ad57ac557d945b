from frappe import _


def get_data():
	return {
		"fieldname": "scheduling_agreement",
		"transactions": [
			{"label": _("Fulfilment"), "items": ["Sales Order", "Delivery Note", "Sales Invoice"]},
			{"label": _("Customer Releases"), "items": ["Schedule Release"]},
		],
	}
