"""Daily job of this capability, started by o2c_extension.order_to_cash.scheduler."""

import frappe
from frappe import _

from o2c_extension.credit_control import holds, scores

CHUNK_SIZE = 50


def daily():
	"""Re-check every Pending Credit Hold; those that pass now become Auto-Released.

	Idempotent and resumable: each chunk of customers is committed on its own, a hold that was
	released is no longer Pending, and a run cut off leaves the rest Pending for the next run.
	"""
	pending = frappe.get_all(
		"Credit Hold",
		filters={"status": holds.PENDING},
		fields=["company", "customer"],
		distinct=True,
		order_by="company, customer",
	)
	by_company: dict[str, list[str]] = {}
	for row in pending:
		by_company.setdefault(row.company, []).append(row.customer)

	trigger = _("Daily credit re-check: the credit check passes now.")
	released = []
	for company, customers in by_company.items():
		for start in range(0, len(customers), CHUNK_SIZE):
			released += _recheck_chunk(company, customers[start : start + CHUNK_SIZE], trigger)
	# every customer's credit score, per company (Customer Credit Score)
	scores.refresh_all()
	return released


def _recheck_chunk(company: str, customers: list[str], trigger: str) -> list[str]:
	savepoint = "o2c_credit_recheck"
	frappe.db.savepoint(savepoint)
	try:
		released = holds.recheck(company, customers, trigger)
	except Exception:
		frappe.db.rollback(save_point=savepoint)
		frappe.log_error(title=_("Credit re-check failed for {0}").format(company))
		return []
	if not frappe.flags.in_test:
		frappe.db.commit()  # one chunk at a time: a later failure keeps what was done
	return released
