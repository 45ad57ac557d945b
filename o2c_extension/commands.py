"""Bench commands of the app (`bench --site SITE o2c-demo`), found by Frappe's bench helper in
`commands` (frappe/utils/bench_helper.py, get_app_commands)."""

import click
from frappe.commands import get_site, pass_context


@click.command("o2c-demo")
@click.option("--remove", is_flag=True, default=False, help="Delete the demo company and everything it made.")
@pass_context
def o2c_demo(context, remove=False):
	"""Build the O2C Demo company (idempotent), or remove it with --remove."""
	import frappe

	from o2c_extension.demo import build

	site = get_site(context)
	frappe.init(site=site)
	frappe.connect()
	try:
		frappe.set_user("Administrator")
		if remove:
			build.remove()
			frappe.db.commit()
			click.echo(frappe._("The O2C Demo company and the masters it made are removed."))
			return
		result = build.build()
		frappe.db.commit()
		click.echo(
			frappe._(
				"O2C Demo is ready: {0} scheduling agreements, {1} credit orders, collections run done."
			).format(len(result.agreements), len(result.orders))
		)
	except Exception:
		frappe.db.rollback()
		raise
	finally:
		frappe.destroy()


commands = [o2c_demo]
