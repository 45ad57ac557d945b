"""Document event handlers of this capability, wired in hooks.py."""


def sales_invoice_on_submit(doc, method=None):
	pass


def sales_invoice_on_cancel(doc, method=None):
	pass


def payment_on_submit(doc, method=None):
	pass


def payment_on_cancel(doc, method=None):
	pass
