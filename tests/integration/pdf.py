"""PDFs in tests: wkhtmltopdf fetches the print's stylesheet from the site's URL, and a test site
named `*.localhost` does not resolve for it (Qt does not map `.localhost` to the loopback as
browsers do). `site_url_served()` starts the bench web server for the site (`web.running_server`)
and points the site's URL at it while PDFs are made, as a production site's host name points at
its own server."""

import shutil
import unittest
from contextlib import contextmanager

import frappe

from tests.integration import web


@contextmanager
def site_url_served():
	with web.running_server() as base_url:
		previous = frappe.local.conf.get("host_name")
		frappe.local.conf.host_name = base_url
		try:
			yield base_url
		finally:
			if previous is None:
				frappe.local.conf.pop("host_name", None)
			else:
				frappe.local.conf.host_name = previous


def require_wkhtmltopdf() -> None:
	"""PDFs are rendered by wkhtmltopdf: on a machine without it (Debian unstable has no package)
	the test or class that needs one is skipped, saying so."""
	if not shutil.which("wkhtmltopdf"):
		raise unittest.SkipTest("wkhtmltopdf is not installed on this machine: Frappe cannot render a PDF")
