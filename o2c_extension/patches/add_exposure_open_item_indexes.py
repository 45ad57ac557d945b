"""Exposure reads receivables by open item (credit_control/exposure.py) and forces the indexes
that let it do so: create them on sites made before, and drop the ones they replace. Sites made
from now on get them from Credit Policy's `on_doctype_update`."""

from o2c_extension.credit_control.indexes import ensure_indexes


def execute():
	ensure_indexes()
