"""Serialising credit checks per customer.

A check locks the Customer row (SELECT ... FOR UPDATE) before it computes exposure; the lock is held
until the checking transaction commits or rolls back, so a second check of the same customer waits.

The lock alone is not enough on MariaDB's REPEATABLE READ: the waiting transaction took its read
snapshot earlier (when it loaded the document), so after the first one commits it still cannot see
that order. Every approving check therefore adds what it approved to a per customer and company
Credit Check Tally in the same transaction. A check reads the tally twice: from its snapshot, and
with a locking read (which sees the latest committed value). The difference is exposure approved by
transactions it cannot see; it is added to the exposure as `concurrent`.
"""

from __future__ import annotations

import hashlib

import frappe
from frappe.utils import flt, now_datetime

from o2c_extension.order_to_cash.transaction import unseen_since_snapshot

TALLY = "Credit Check Tally"


def tally_name(customer: str, company: str) -> str:
	return hashlib.sha1(f"{customer}\x00{company}".encode()).hexdigest()[:20]


def lock_customer(customer: str, company: str) -> float:
	"""Take the customer's credit lock; returns the exposure approved by committed transactions
	this transaction's snapshot does not show."""
	return lock_customers([customer], company).get(customer, 0.0)


def lock_customers(customers: list[str], company: str) -> dict[str, float]:
	"""Lock several customers at once (in name order, so two re-checks cannot deadlock)."""
	customers = sorted(set(customers))
	if not customers:
		return {}
	frappe.db.sql(
		"select name from `tabCustomer` where name in %(customers)s order by name for update",
		{"customers": customers},
	)
	names = {tally_name(customer, company): customer for customer in customers}
	params = {"names": tuple(names)}
	query = f"select name, approved_amount from `tab{TALLY}` where name in %(names)s"
	seen = dict(frappe.db.sql(query, params))
	_ensure_tallies(names, company)
	latest = dict(frappe.db.sql(query + " for update", params))
	unseen = unseen_since_snapshot("o2c_unseen_credit", latest, seen)
	return {customer: unseen.get(name, 0.0) for name, customer in names.items()}


def _ensure_tallies(names: dict[str, str], company: str) -> None:
	"""Make the customers' tally rows that do not exist yet (approved 0), so that the locking read
	that follows locks existing rows only. A locking read of a missing row locks the gap where it
	would go instead, and the later insert of two checks for different customers whose rows fall
	in the same gap each waited for the other's gap lock: a deadlock (InnoDB's next-key locking
	under REPEATABLE READ). Inserting never waits for another insert into the same gap."""
	now = now_datetime()
	frappe.db.sql(
		f"""
		insert into `tab{TALLY}` (name, customer, company, approved_amount, creation, modified, owner, modified_by)
		values {", ".join(["(%s, %s, %s, 0, %s, %s, %s, %s)"] * len(names))}
		on duplicate key update name = name
		""",
		[
			value
			for name, customer in names.items()
			for value in (name, customer, company, now, now, frappe.session.user, frappe.session.user)
		],
	)


def record_approved(customer: str, company: str, amount: float) -> None:
	"""Add exposure this transaction approved for the customer (call while holding its lock)."""
	if flt(amount) <= 0:
		return
	now = now_datetime()
	frappe.db.sql(
		f"""
		insert into `tab{TALLY}` (name, customer, company, approved_amount, creation, modified, owner, modified_by)
		values (%(name)s, %(customer)s, %(company)s, %(amount)s, %(now)s, %(now)s, %(user)s, %(user)s)
		on duplicate key update approved_amount = approved_amount + values(approved_amount),
			modified = values(modified)
		""",
		{
			"name": tally_name(customer, company),
			"customer": customer,
			"company": company,
			"amount": flt(amount),
			"now": now,
			"user": frappe.session.user,
		},
	)
