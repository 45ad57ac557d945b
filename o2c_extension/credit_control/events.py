"""Document event handlers of this capability, wired in hooks.py."""


def quotation_validate(doc, method=None):
	pass


def sales_order_before_submit(doc, method=None):
	pass


def sales_order_on_submit(doc, method=None):
	pass


def sales_order_on_cancel(doc, method=None):
	pass


def delivery_note_before_submit(doc, method=None):
	pass


def sales_invoice_before_submit(doc, method=None):
	pass


def payment_on_submit(doc, method=None):
	pass
