"""Daily job of this capability, started by o2c_extension.order_to_cash.scheduler."""


def daily():
	raise NotImplementedError
