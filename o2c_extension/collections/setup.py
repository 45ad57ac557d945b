"""Default Email Templates for collection reminders, created on install and migrate (never
overwriting a template the user has edited) and removed on uninstall."""

import frappe

BEFORE_DUE = "Collections - Before Due"
DUE_TODAY = "Collections - Due Today"
OVERDUE = "Collections - Overdue"

_GREETING = "<p>{{ _('Dear') }} {{ doc.customer_name }},</p>"
_AMOUNT = (
	"<p>{{ _('Invoice') }} <b>{{ doc.name }}</b> {{ _('of') }} {{ frappe.utils.formatdate(doc.posting_date) }}"
	" {{ _('over') }} {{ frappe.utils.fmt_money(doc.grand_total, currency=doc.currency) }}"
	" {{ _('has an outstanding amount of') }}"
	" <b>{{ frappe.utils.fmt_money(doc.outstanding_amount, currency=doc.currency) }}</b>,"
	" {{ _('due on') }} {{ frappe.utils.formatdate(doc.due_date) }}.</p>"
)
_CLOSING = (
	"<p>{{ _('You will find the invoice attached. If you have paid already, please ignore this message.') }}</p>"
	"<p>{{ _('Kind regards') }},<br>{{ doc.company }}</p>"
)


def default_templates() -> dict[str, dict]:
	return {
		BEFORE_DUE: {
			"subject": "{{ _('Payment reminder') }}: {{ doc.name }}",
			"response": _GREETING
			+ _AMOUNT
			+ "<p>{{ _('This is a friendly reminder ahead of the due date.') }}</p>"
			+ _CLOSING,
		},
		DUE_TODAY: {
			"subject": "{{ _('Payment due today') }}: {{ doc.name }}",
			"response": _GREETING
			+ _AMOUNT
			+ "<p>{{ _('The payment is due today. Thank you for arranging it.') }}</p>"
			+ _CLOSING,
		},
		OVERDUE: {
			"subject": "{{ _('Overdue payment') }}: {{ doc.name }}",
			"response": _GREETING
			+ _AMOUNT
			+ "<p>{{ _('We have not yet received this payment, which is now overdue. Please pay it"
			" promptly or let us know if anything is holding it up.') }}</p>" + _CLOSING,
		},
	}


def install_defaults() -> None:
	for name, fields in default_templates().items():
		if frappe.db.exists("Email Template", name):
			continue
		frappe.get_doc({"doctype": "Email Template", "name": name, "use_html": 0, **fields}).insert(
			ignore_permissions=True
		)


def remove_defaults() -> None:
	# plain delete: the rules that link them are removed with the app's DocTypes
	frappe.db.delete("Email Template", {"name": ("in", list(default_templates()))})
