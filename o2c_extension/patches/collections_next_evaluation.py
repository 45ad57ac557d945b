"""The collections run selects only the accounts with something due (issue 16): each open invoice
gets `collections_next_evaluation` and `collections_evaluated_modified`, its evaluation key holds
the rules' version alone (see `collections/context.py`), and the run's index carries all three.

Backfill, set-based and idempotent: the fields and the index are made (custom fields are
otherwise made after the patches, on `after_migrate`, and the index needs them); keys written by
the old formula (a hash that held the day) are cleared, so the first run after the upgrade
evaluates every open invoice, as every run did before, and marks each account. A key the new code
wrote always comes with `collections_evaluated_modified`, so a second execution clears nothing.
"""

import frappe
from frappe.custom.doctype.custom_field.custom_field import create_custom_fields

from o2c_extension.collections.custom_fields import get_custom_fields
from o2c_extension.collections.indexes import ensure_indexes


def execute():
	fields = get_custom_fields()
	create_custom_fields({"Sales Invoice": fields["Sales Invoice"]})
	frappe.db.sql(
		"""
		UPDATE `tabSales Invoice`
		SET collections_evaluation_key = NULL
		WHERE collections_evaluation_key IS NOT NULL AND collections_evaluated_modified IS NULL
		"""
	)
	ensure_indexes()
