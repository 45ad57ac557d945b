# Copyright (c) 2026, o2c_extension developers
# For license information, please see license.txt

import frappe
from frappe import _
from frappe.model.document import Document
from frappe.utils import cint, escape_html, flt


class O2CSettings(Document):
	def validate(self):
		if not 0 <= cint(self.daily_job_hour) <= 23:
			frappe.throw(_("Daily Job Hour must be between 0 and 23."), title=_("Invalid Hour"))
		if cint(self.default_release_horizon_days) < 0:
			frappe.throw(_("Default Release Horizon (Days) cannot be negative."))
		self.validate_credit_approval_limits()
		self.validate_credit_score()
		self.validate_collections_start_date()

	def validate_collections_start_date(self):
		"""The go-live date of collections may lie ahead, but not beyond a year."""
		from frappe.utils import add_years, formatdate, getdate, nowdate

		if self.get("collections_start_date") and getdate(self.collections_start_date) > add_years(
			getdate(nowdate()), 1
		):
			frappe.throw(
				_(
					"The collections start date {0} is more than a year ahead: choose a date within the next year."
				).format(formatdate(self.collections_start_date)),
				title=_("Invalid Start Date"),
			)

	def validate_credit_approval_limits(self):
		from o2c_extension.credit_control import authority

		limits = [
			authority.ApprovalLimit(row.role, flt(row.max_amount)) for row in self.credit_approval_limits
		]
		roles = [limit.role for limit in limits if limit.role]
		existing = frappe.get_all("Role", filters={"name": ("in", roles)}, pluck="name") if roles else []
		messages = {
			authority.MISSING_ROLE: _("Credit Approval Limits: role {0} does not exist."),
			authority.NEGATIVE: _("Credit Approval Limits: the Max Amount of role {0} cannot be negative."),
			authority.DUPLICATE: _(
				"Credit Approval Limits: role {0} has more than one row; give each role one Max Amount."
			),
		}
		errors = authority.table_errors(limits, existing)
		if errors:
			error, role = errors[0]
			frappe.throw(
				messages[error].format(frappe.bold(escape_html(role))),
				title=_("Invalid Credit Approval Limits"),
			)
		if cint(self.hold_reminder_hours) < 0:
			frappe.throw(_("Hold Reminder Hours cannot be negative."))

	def validate_credit_score(self):
		from o2c_extension.credit_control import scoring

		messages = {
			"class_order": _(
				"Credit Score: the lowest scores of Risk Classes A, B and C must lie between 0 and 100,"
				" A's at or above B's and B's at or above C's."
			),
			"negative_weight": _("Credit Score: a weight cannot be negative."),
			"no_weight": _("Credit Score: at least one weight must be above 0."),
		}
		errors = scoring.settings_errors(scoring.settings_from(self))
		if errors:
			frappe.throw(messages[errors[0]], title=_("Invalid Credit Score Settings"))


def is_enabled(capability: str) -> bool:
	"""`capability` is one of "scheduling", "credit_control", "collections"."""
	return bool(cint(frappe.db.get_single_value("O2C Settings", f"enable_{capability}")))
