"""Default Email Templates for collection reminders, created on install and migrate (never
overwriting a template the user has edited) and removed on uninstall."""

import frappe

BEFORE_DUE = "Collections - Before Due"
DUE_TODAY = "Collections - Due Today"
OVERDUE = "Collections - Overdue"

# Every sentence is one `_()` with placeholders, rendered in the customer's language (the run
# renders inside order_to_cash.language.in_language): translations are in o2c_extension/locale.
_GREETING = "<p>{{ _('Dear {0},').format(doc.customer_name) }}</p>"
# as the first two versions greeted (a fragment no language but English can use)
_GREETING_V1 = "<p>{{ _('Dear') }} {{ doc.customer_name }},</p>"
# the payment term the reminder is for (`term`, see actions.term_context); the whole invoice when
# the template is rendered without one
_AMOUNT = (
	"{% if term is not defined %}{% set term = {'due_date': doc.due_date,"
	" 'outstanding': doc.outstanding_amount} %}{% endif %}"
	"<p>{{ _('Invoice {0} of {1} over {2}: {3} of it is due for payment on {4}.').format("
	"doc.name, frappe.utils.formatdate(doc.posting_date),"
	" frappe.utils.fmt_money(doc.grand_total, currency=doc.currency),"
	" frappe.utils.fmt_money(term.outstanding, currency=doc.currency),"
	" frappe.utils.formatdate(term.due_date)) }}</p>"
)
# the first version spoke of the whole invoice; templates still as it made them are brought up to date
_AMOUNT_V1 = (
	"<p>{{ _('Invoice') }} <b>{{ doc.name }}</b> {{ _('of') }} {{ frappe.utils.formatdate(doc.posting_date) }}"
	" {{ _('over') }} {{ frappe.utils.fmt_money(doc.grand_total, currency=doc.currency) }}"
	" {{ _('has an outstanding amount of') }}"
	" <b>{{ frappe.utils.fmt_money(doc.outstanding_amount, currency=doc.currency) }}</b>,"
	" {{ _('due on') }} {{ frappe.utils.formatdate(doc.due_date) }}.</p>"
)
_CLOSING = (
	"<p>{{ _('You will find the invoice attached. If you have paid already, please ignore this message.') }}</p>"
	"<p>{{ _('Kind regards,') }}<br>{{ doc.company }}</p>"
)
_CLOSING_V1 = (
	"<p>{{ _('You will find the invoice attached. If you have paid already, please ignore this message.') }}</p>"
	"<p>{{ _('Kind regards') }},<br>{{ doc.company }}</p>"
)
_SUBJECTS = {
	"before_due": "{{ _('Payment reminder: invoice {0}').format(doc.name) }}",
	"due_today": "{{ _('Payment due today: invoice {0}').format(doc.name) }}",
	"overdue": "{{ _('Overdue payment: invoice {0}').format(doc.name) }}",
}
_SUBJECTS_V1 = {
	"before_due": "{{ _('Payment reminder') }}: {{ doc.name }}",
	"due_today": "{{ _('Payment due today') }}: {{ doc.name }}",
	"overdue": "{{ _('Overdue payment') }}: {{ doc.name }}",
}


def default_templates(
	amount: str = _AMOUNT, greeting: str = _GREETING, closing: str = _CLOSING, subjects: dict = _SUBJECTS
) -> dict[str, dict]:
	return {
		BEFORE_DUE: {
			"subject": subjects["before_due"],
			"response": greeting
			+ amount
			+ "<p>{{ _('This is a friendly reminder ahead of the due date.') }}</p>"
			+ closing,
		},
		DUE_TODAY: {
			"subject": subjects["due_today"],
			"response": greeting
			+ amount
			+ "<p>{{ _('The payment is due today. Thank you for arranging it.') }}</p>"
			+ closing,
		},
		OVERDUE: {
			"subject": subjects["overdue"],
			"response": greeting
			+ amount
			+ "<p>{{ _('We have not yet received this payment, which is now overdue. Please pay it"
			" promptly or let us know if anything is holding it up.') }}</p>" + closing,
		},
	}


def install_defaults() -> None:
	frappe.get_attr("o2c_extension.collections.dispute_reasons.install_dispute_reasons")()
	# the templates as earlier versions made them: one still exactly so was never edited
	earlier = (
		default_templates(_AMOUNT_V1, _GREETING_V1, _CLOSING_V1, _SUBJECTS_V1),
		default_templates(_AMOUNT, _GREETING_V1, _CLOSING_V1, _SUBJECTS_V1),
	)
	for name, fields in default_templates().items():
		current = frappe.db.get_value("Email Template", name, ["subject", "response"], as_dict=True)
		if current is None:
			frappe.get_doc({"doctype": "Email Template", "name": name, "use_html": 0, **fields}).insert(
				ignore_permissions=True
			)
			continue
		# as the app made it, never edited: now speaks of the payment term that fell due, in
		# whole sentences that translate
		for field in ("subject", "response"):
			made_by_app = any(current[field] == version[name][field] for version in earlier)
			if made_by_app and current[field] != fields[field]:
				frappe.db.set_value("Email Template", name, field, fields[field])


def remove_defaults() -> None:
	# plain delete: the rules that link them are removed with the app's DocTypes
	frappe.db.delete("Email Template", {"name": ("in", list(default_templates()))})
