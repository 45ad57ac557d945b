"""Fields the Collections module adds to ERPNext doctypes (created on install and migrate)."""

from frappe import _

COLLECTION_STATUSES = (
	"Not Due",
	"Reminded",
	"Overdue",
	"In Dunning",
	"Escalated",
	"Promise to Pay",
	"Disputed",
	"Paid",
)


def get_custom_fields() -> dict:
	return {
		"Sales Invoice": [
			{
				"fieldname": "collections_section",
				"label": _("Collections"),
				"fieldtype": "Section Break",
				"insert_after": "terms",
				"collapsible": 1,
			},
			{
				"fieldname": "collection_status",
				"label": _("Collection Status"),
				"fieldtype": "Select",
				"options": "\n".join(COLLECTION_STATUSES),
				"insert_after": "collections_section",
				"read_only": 1,
				"no_copy": 1,
				"allow_on_submit": 1,
				"in_standard_filter": 1,
				"search_index": 1,
			},
			{
				"fieldname": "promise_to_pay_date",
				"label": _("Promise to Pay Date"),
				"fieldtype": "Date",
				"insert_after": "collection_status",
				"read_only": 1,
				"no_copy": 1,
				"allow_on_submit": 1,
			},
			{
				"fieldname": "column_break_collections",
				"fieldtype": "Column Break",
				"insert_after": "promise_to_pay_date",
			},
			{
				"fieldname": "disputed",
				"label": _("Disputed"),
				"fieldtype": "Check",
				"insert_after": "column_break_collections",
				"read_only": 1,
				"no_copy": 1,
				"allow_on_submit": 1,
			},
			{
				"fieldname": "dispute_reason",
				"label": _("Dispute Reason"),
				"fieldtype": "Small Text",
				"insert_after": "disputed",
				"read_only": 1,
				"no_copy": 1,
				"allow_on_submit": 1,
				"depends_on": "disputed",
			},
			{
				# the run's "evaluated, nothing changed since" marker (see context.py)
				"fieldname": "collections_evaluation_key",
				"label": _("Collections Evaluation Key"),
				"fieldtype": "Data",
				"insert_after": "dispute_reason",
				"hidden": 1,
				"read_only": 1,
				"no_copy": 1,
				"print_hide": 1,
				"report_hide": 1,
				"allow_on_submit": 1,
			},
			{
				# its `modified` when the run last evaluated it (see context.py)
				"fieldname": "collections_evaluated_modified",
				"label": _("Collections Evaluated Timestamp"),
				"fieldtype": "Datetime",
				"insert_after": "collections_evaluation_key",
				"hidden": 1,
				"read_only": 1,
				"no_copy": 1,
				"print_hide": 1,
				"report_hide": 1,
				"allow_on_submit": 1,
			},
			{
				# the day its customer's account is due to be evaluated again (see context.py)
				"fieldname": "collections_next_evaluation",
				"label": _("Collections Next Evaluation"),
				"fieldtype": "Date",
				"insert_after": "collections_evaluated_modified",
				"hidden": 1,
				"read_only": 1,
				"no_copy": 1,
				"print_hide": 1,
				"report_hide": 1,
				"allow_on_submit": 1,
			},
		],
		"Customer": [
			{
				"fieldname": "exclude_from_collections",
				"label": _("Exclude from Collections"),
				"fieldtype": "Check",
				"insert_after": "is_frozen",
				"description": _("Automated collections never act on this customer's invoices."),
			},
		],
	}
