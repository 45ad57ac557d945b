"""Exposure nets open orders of the advances paid against them (credit_control/exposure.py) and
reads those by order: create the index on sites made before. Sites made from now on get it from
Credit Policy's `on_doctype_update`."""

from o2c_extension.credit_control.indexes import ensure_indexes


def execute():
	ensure_indexes()
