"""The overdue age reads the open invoices' payment terms from a covering index of Payment Schedule
(credit_control/exposure.py, `EARLIEST_OVERDUE`, which forces it): create it on sites made before.
Sites made from now on get it from Credit Policy's `on_doctype_update`."""

from o2c_extension.credit_control.indexes import ensure_indexes


def execute():
	ensure_indexes()
