"""Daily job of this capability, started by o2c_extension.order_to_cash.scheduler."""

import frappe
from frappe.utils import getdate, nowdate

from o2c_extension.scheduling.call_off import call_off
from o2c_extension.scheduling.cumulatives import refresh_agreements
from o2c_extension.scheduling.db import AGREEMENT, chunks
from o2c_extension.scheduling.schedule_lines import ACTIVE

CHUNK_SIZE = 50


def daily(today=None):
	"""Refresh every Active agreement (cumulatives; Expired after its validity), then call off
	what is due. Chunked and committed as it goes: a run that stops half way is completed by the
	next one, and a second run the same day finds nothing left to do."""
	today = getdate(today or nowdate())
	for chunk in chunks(_active_agreements(), CHUNK_SIZE):
		refresh_agreements(chunk, today)
		frappe.db.commit()
	for chunk in chunks(_active_agreements(), CHUNK_SIZE):
		call_off(chunk, today, commit=True)


def _active_agreements() -> list[str]:
	return frappe.get_all(
		AGREEMENT, filters={"docstatus": 1, "status": ACTIVE}, pluck="name", order_by="name asc"
	)
