"""What the demo made outside its own company (customers, items, price lists, fiscal years, …),
kept in one global default, so `--remove` deletes exactly those and nothing a user made."""

import json

import frappe

KEY = "o2c_demo_created"


def created() -> list[tuple[str, str]]:
	return [tuple(entry) for entry in json.loads(frappe.db.get_default(KEY) or "[]")]


def remember(doctype: str, name: str) -> None:
	entries = created()
	if (doctype, name) not in entries:
		entries.append((doctype, name))
		frappe.db.set_default(KEY, json.dumps(entries))


def forget_all() -> None:
	frappe.defaults.clear_default(KEY, parent="__default")


def get_or_create(doctype: str, name: str | dict, values: dict) -> str:
	"""The document named (or filtered by) `name`, made from `values` when missing and remembered."""
	filters = name if isinstance(name, dict) else {"name": name}
	existing = frappe.db.get_value(doctype, filters, "name")
	if existing:
		return existing
	doc = frappe.get_doc({"doctype": doctype, **values}).insert(ignore_permissions=True)
	remember(doctype, doc.name)
	return doc.name
