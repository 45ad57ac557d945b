"""Composite indexes the app adds to ERPNext's tables: each capability lists its own
(`<module>/indexes.py`, as (doctype, columns, index name)); these add and drop them."""

import frappe


def add_indexes(indexes, only_with_columns: bool = False) -> None:
	"""Add the indexes that are missing (`add_index` goes by name). `only_with_columns` skips an
	index whose columns are not all there yet (custom fields are made after DocType sync)."""
	for doctype, columns, name in indexes:
		if only_with_columns and not all(frappe.db.has_column(doctype, column) for column in columns):
			continue
		frappe.db.add_index(doctype, columns, name)


def drop_index(doctype: str, name: str) -> None:
	if frappe.db.has_index(f"tab{doctype}", name):
		frappe.db.sql_ddl(f"alter table `tab{doctype}` drop index `{name}`")
