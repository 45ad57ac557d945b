"""Document event handlers of this capability, wired in hooks.py."""


def sales_order_validate(doc, method=None):
	pass


def sales_order_on_submit(doc, method=None):
	pass


def sales_order_on_cancel(doc, method=None):
	pass


def sales_order_on_update_after_submit(doc, method=None):
	pass


def delivery_note_on_submit(doc, method=None):
	pass


def delivery_note_on_cancel(doc, method=None):
	pass


def sales_invoice_on_submit(doc, method=None):
	pass


def sales_invoice_on_cancel(doc, method=None):
	pass
