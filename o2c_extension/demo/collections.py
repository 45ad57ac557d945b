"""The demo's collections: one company-wide rule (a task a week after the due date, a dunning
after a month, escalation after two and a credit hold after three) and a run done, through the
app's own runner. The demo sends no e-mail: reminder steps need an outgoing e-mail account."""

from __future__ import annotations

import frappe

from o2c_extension.demo.masters import ABBR, COMPANY, TEAM_ROLE

RULE = "O2C Demo: standard dunning"
DUNNING_TYPE = "O2C Demo Reminder"
STEPS = (
	# tasks and escalations go to the demo's own users only (masters.TEAM_ROLE)
	{"day_offset": 7, "action": "Create ToDo", "assign_to_role": TEAM_ROLE},
	{"day_offset": 30, "action": "Create Dunning"},
	{"day_offset": 60, "action": "Escalate", "assign_to_role": TEAM_ROLE},
	{"day_offset": 90, "action": "Credit Hold"},
)


def build(world) -> frappe._dict:
	rule = _rule(_dunning_type())
	from o2c_extension.collections import runner

	result = runner.run(COMPANY, enqueue=False)
	return frappe._dict(rule=rule, run=result)


def _dunning_type() -> str:
	name = f"{DUNNING_TYPE} - {ABBR}"
	if not frappe.db.exists("Dunning Type", name):
		frappe.get_doc(
			{
				"doctype": "Dunning Type",
				"dunning_type": DUNNING_TYPE,
				"company": COMPANY,
				"dunning_fee": 10,
				"rate_of_interest": 0,
				"dunning_letter_text": [
					{
						"language": "en",
						"is_default_language": 1,
						"body_text": "<p>Invoice {{ sales_invoice }} is overdue. Please pay it now.</p>",
						"closing_text": "<p>Kind regards, O2C Demo accounts receivable</p>",
					}
				],
			}
		).insert(ignore_permissions=True)
	return name


def _rule(dunning_type: str) -> str:
	if not frappe.db.exists("Collections Rule", RULE):
		frappe.get_doc(
			{
				"doctype": "Collections Rule",
				"rule_name": RULE,
				"company": COMPANY,
				"enabled": 1,
				"min_outstanding": 10,
				"steps": [
					{**step, "dunning_type": dunning_type} if step["action"] == "Create Dunning" else step
					for step in STEPS
				],
			}
		).insert(ignore_permissions=True)
	return RULE
