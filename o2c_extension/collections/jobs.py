"""Daily job of this capability, started by o2c_extension.order_to_cash.scheduler."""

from o2c_extension.collections import runner


def daily():
	"""Queue today's collections run for every company, in chunks on the "long" queue."""
	runner.run(enqueue=True)
