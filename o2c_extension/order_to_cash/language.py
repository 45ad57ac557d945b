"""The language mail to a customer is written in: the customer's own (Customer › Language), else the
system language, else English; the language a user reads notifications in (User › Language, else
the system language); and a context that renders everything inside it in one language.

`in_language` does what Frappe's `print_language` does for prints (ERPNext's Dunning and Process
Statement of Accounts print in the document's `language` through it), and also restores the
caller's language when the block raises: `_()`, `frappe.render_template` (Email Templates), print
formats and the Email Queue's deferred print attachments (they take `frappe.local.lang` when the
mail is queued) all follow `frappe.local.lang`. The Jinja environment is dropped on entry and on
exit so that nothing rendered in one language is reused in another.
"""

from collections.abc import Iterable, Iterator
from contextlib import contextmanager

import frappe

FALLBACK = "en"


def system_language() -> str:
	return frappe.db.get_single_value("System Settings", "language") or FALLBACK


def customer_language(customer: str | None) -> str:
	"""Customer.language, else System Settings' language, else "en"."""
	language = frappe.db.get_value("Customer", customer, "language") if customer else None
	return language or system_language()


def customer_languages(customers: Iterable[str]) -> dict[str, str]:
	"""`customer_language` of many customers with one query (for a chunk of a run)."""
	names = sorted({customer for customer in customers if customer})
	fallback = system_language()
	if not names:
		return {}
	customer = frappe.qb.DocType("Customer")
	rows = (
		frappe.qb.from_(customer).select(customer.name, customer.language).where(customer.name.isin(names))
	).run(as_dict=True)
	languages = {row.name: row.language or fallback for row in rows}
	return {name: languages.get(name, fallback) for name in names}


def user_languages(users: Iterable[str]) -> dict[str, str]:
	"""The language each user reads the app's notifications in: User.language, else System
	Settings' language, else "en"; one query for them all."""
	names = sorted({user for user in users if user})
	if not names:
		return {}
	fallback = system_language()
	user = frappe.qb.DocType("User")
	rows = (frappe.qb.from_(user).select(user.name, user.language).where(user.name.isin(names))).run(
		as_dict=True
	)
	languages = {row.name: row.language or fallback for row in rows}
	return {name: languages.get(name, fallback) for name in names}


def by_language(languages: dict[str, str]) -> dict[str, list[str]]:
	"""{language: [names]} of a {name: language} map, names sorted: one rendering per language."""
	grouped: dict[str, list[str]] = {}
	for name in sorted(languages):
		grouped.setdefault(languages[name], []).append(name)
	return grouped


@contextmanager
def in_language(lang: str | None) -> Iterator[str]:
	"""Render everything inside in `lang` (nothing changes for an empty `lang`); the previous
	language is back afterwards, also when the block raises."""
	previous_lang = getattr(frappe.local, "lang", None)
	previous_jenv = getattr(frappe.local, "jenv", None)
	lang = lang or previous_lang or FALLBACK
	if lang == previous_lang:
		yield lang
		return
	frappe.local.lang = lang
	frappe.local.jenv = None
	try:
		yield lang
	finally:
		frappe.local.lang = previous_lang
		frappe.local.jenv = previous_jenv
