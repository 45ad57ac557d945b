"""Who hears about a Credit Hold: a new Pending hold notifies the Credit Controllers allowed for its
company, a decision notifies the held order's owner, and a hold still Pending after O2C Settings'
Hold Reminder Hours reminds the Credit Controllers once.

Frappe's own machinery does the work: a Notification Log per user (the desk's bell) and its e-mail,
queued through Frappe's Email Queue (`make_notification_logs`, enqueued after commit). Users whose User Permissions
keep them out of the hold's company are not told. Each reads it in their own language (User ›
Language, else the system language), whoever decided the hold and in whatever language.
"""

from __future__ import annotations

import frappe
from frappe import _
from frappe.desk.doctype.notification_log.notification_log import make_notification_logs
from frappe.utils import add_to_date, cint, escape_html, fmt_money, now_datetime

from o2c_extension.credit_control.authority import CREDIT_CONTROLLER
from o2c_extension.order_to_cash.language import by_language, in_language, user_languages

PENDING = "Pending"
DECIDED = ("Released", "Rejected", "Auto-Released")


def controllers_for(company: str) -> list[str]:
	"""Enabled users with the Credit Controller role whose User Permissions allow `company` for
	Credit Holds. Two queries, whatever the number of users."""
	users = frappe.db.sql_list(
		"""
		select distinct u.name from `tabUser` u
		join `tabHas Role` r on r.parent = u.name and r.parenttype = 'User'
		where r.role = %(role)s and u.enabled = 1 and u.user_type = 'System User'
			and u.name not in ('Administrator', 'Guest')
		order by u.name
		""",
		{"role": CREDIT_CONTROLLER},
	)
	if not users:
		return []
	restrictions: dict[str, set[str]] = {}
	for user, allowed in frappe.db.sql(
		"""
		select user, for_value from `tabUser Permission`
		where allow = 'Company' and user in %(users)s
			and (apply_to_all_doctypes = 1 or applicable_for = 'Credit Hold')
		""",
		{"users": tuple(users)},
	):
		restrictions.setdefault(user, set()).add(allowed)
	return [user for user in users if user not in restrictions or company in restrictions[user]]


def _hold_line(hold) -> str:
	amount = fmt_money(hold.amount, currency=hold.currency)
	return _("{0} {1} of customer {2} for {3}").format(
		_(hold.reference_doctype), hold.reference_name, hold.customer, amount
	)


def _notify(users: list[str], hold, render) -> None:
	"""Tell `users` about `hold`: `render()` gives (subject, content), called once per language of
	the recipients (User.language, else the system language), so each reads it, and its e-mail, in
	their own language whatever the language of the request or job that decided the hold."""
	users = sorted(set(filter(None, users)))
	if not users:
		return
	try:
		for lang, readers in by_language(user_languages(users)).items():
			with in_language(lang):
				subject, content = render()
			doc = frappe._dict(
				{
					# no type: Frappe mails it (an "Alert" it would not), and not to the user who caused it
					"type": "",
					"document_type": "Credit Hold",
					"document_name": hold.name,
					"subject": subject,
					"email_content": content,
					"from_user": frappe.session.user,
				}
			)
			if frappe.flags.in_test:
				# No worker runs under the tests, and Frappe's `now=in_test` would make the logs (and
				# send their e-mail, which commits) inside the transaction that is deciding the hold,
				# under the caller's savepoints: run the job in-process at the commit instead.
				frappe.db.after_commit.add(
					lambda doc=doc, readers=readers, lang=lang: make_logs_in_language(doc, readers, lang)
				)
			else:
				# what `enqueue_create_notification` does, but only once the hold is committed
				frappe.enqueue(
					"o2c_extension.credit_control.notifications.make_logs_in_language",
					doc=doc,
					users=readers,
					lang=lang,
					enqueue_after_commit=True,
				)
	except Exception:
		# telling people must never undo the credit decision itself
		frappe.log_error(title=_("Credit Hold {0}: notification failed").format(hold.name))


def make_logs_in_language(doc, users: list[str], lang: str) -> None:
	"""Frappe's `make_notification_logs`, its e-mail rendered in the readers' language."""
	with in_language(lang):
		make_notification_logs(frappe._dict(doc), users)


def hold_created(hold) -> None:
	"""Credit Hold after_insert: tell the Credit Controllers of its company."""
	if hold.status != PENDING:
		return
	_notify(
		controllers_for(hold.company),
		hold,
		lambda: (
			_("Credit Hold {0} waits for your decision: {1}.").format(
				hold.name, escape_html(_hold_line(hold))
			),
			escape_html(hold.reasons or "").replace("\n", "<br>"),
		),
	)


def hold_decided(hold, before_status: str | None) -> None:
	"""Credit Hold on_update: a decision tells the owner of the held order."""
	if before_status != PENDING or hold.status not in DECIDED or hold.reference_doctype != "Sales Order":
		return
	owner = frappe.db.get_value("Sales Order", hold.reference_name, "owner")

	def render():
		messages = {
			"Released": _("Credit Hold {0} on your Sales Order {1} was released by {2}."),
			"Auto-Released": _(
				"Credit Hold {0} on your Sales Order {1} was released by the credit re-check."
			),
			"Rejected": _("Credit Hold {0} on your Sales Order {1} was rejected by {2}."),
		}
		return (
			messages[hold.status].format(hold.name, hold.reference_name, hold.decided_by),
			escape_html(hold.decision_comment or ""),
		)

	_notify([owner], hold, render)


def remind_pending_holds() -> list[str]:
	"""Hourly: holds Pending for more than O2C Settings' Hold Reminder Hours, not reminded yet,
	remind their company's Credit Controllers once. Idempotent. Returns the holds reminded."""
	settings = frappe.get_cached_doc("O2C Settings")
	hours = cint(settings.get("hold_reminder_hours"))
	if not hours or not cint(settings.get("enable_credit_control")):
		return []
	older_than = add_to_date(now_datetime(), hours=-hours)
	holds = frappe.get_all(
		"Credit Hold",
		filters={"status": PENDING, "creation": ("<=", older_than), "reminded_on": ("is", "not set")},
		fields=[
			"name",
			"company",
			"customer",
			"reference_doctype",
			"reference_name",
			"amount",
			"currency",
			"creation",
		],
		order_by="creation asc",
	)
	controllers: dict[str, list[str]] = {}
	now = now_datetime()
	for hold in holds:
		if hold.company not in controllers:
			controllers[hold.company] = controllers_for(hold.company)
		_notify(
			controllers[hold.company],
			hold,
			lambda hold=hold: (
				_(
					"Reminder: Credit Hold {0} has been waiting for a decision for more than {1} hours: {2}."
				).format(hold.name, hours, escape_html(_hold_line(hold))),
				"",
			),
		)
		frappe.db.set_value("Credit Hold", hold.name, "reminded_on", now, update_modified=False)
	return [hold.name for hold in holds]
