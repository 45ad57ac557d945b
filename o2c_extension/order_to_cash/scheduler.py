"""Hourly tick that starts each capability's daily job once a day at the configured hour.

Each daily job is idempotent, so a day whose job failed half way is completed by the next
day's run, and a manual "Run Now" never conflicts with the scheduled one.
"""

from datetime import date, datetime

import frappe
from frappe.utils import cint, getdate, now_datetime

# capability switch in O2C Settings -> daily job (dotted path)
DAILY_JOBS = {
	"enable_scheduling": "o2c_extension.scheduling.jobs.daily",
	"enable_credit_control": "o2c_extension.credit_control.jobs.daily",
	"enable_collections": "o2c_extension.collections.jobs.daily",
}


def is_due(now: datetime, job_hour: int, last_run_on: date | None) -> bool:
	"""True when the daily jobs have not run today and the configured hour has been reached."""
	return now.hour >= job_hour and (last_run_on is None or last_run_on < now.date())


def run_daily_jobs():
	settings = frappe.get_cached_doc("O2C Settings")
	now = now_datetime()
	last_run_on = getdate(settings.last_daily_run_on) if settings.last_daily_run_on else None
	if not is_due(now, cint(settings.daily_job_hour), last_run_on):
		return

	# Mark first: a job that fails is retried by the next day's run, not by every hourly tick.
	frappe.db.set_single_value("O2C Settings", "last_daily_run_on", now.date())
	for switch, method in DAILY_JOBS.items():
		if cint(settings.get(switch)):
			frappe.enqueue(method, queue="long", job_id=f"o2c::{method}", deduplicate=True)
