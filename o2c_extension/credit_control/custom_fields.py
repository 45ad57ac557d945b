"""Fields the Credit Control module adds to ERPNext doctypes (created on install and migrate)."""

from frappe import _

# Quotation: Within Limit / Over Limit (a warning). Sales Order: Within Limit when its check passed,
# On Credit Hold while its Credit Hold is Pending, then Released or Rejected.
CREDIT_STATUSES = "\nWithin Limit\nOver Limit\nOn Credit Hold\nReleased\nRejected"


def get_custom_fields() -> dict:
	credit_status = {
		"fieldname": "credit_status",
		"label": _("Credit Status"),
		"fieldtype": "Select",
		"options": CREDIT_STATUSES,
		"read_only": 1,
		"no_copy": 1,
		"allow_on_submit": 1,
		"in_standard_filter": 1,
	}
	return {
		"Quotation": [{**credit_status, "insert_after": "order_type"}],
		"Sales Order": [
			{**credit_status, "insert_after": "order_type"},
			{
				"fieldname": "credit_hold",
				"label": _("Credit Hold"),
				"fieldtype": "Link",
				"options": "Credit Hold",
				"insert_after": "credit_status",
				"read_only": 1,
				"no_copy": 1,
				"allow_on_submit": 1,
			},
		],
	}
