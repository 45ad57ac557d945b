"""PDFs in tests, rendered as the site renders them.

Frappe v15 renders PDFs with wkhtmltopdf; v16 can also render them with Chromium (a Print
Format's "PDF Generator", or `form_dict.pdf_generator` as its print designer sets it). Debian
unstable, where the v16 bench lives, has no wkhtmltopdf package but has Chromium, so there the
tests render through Chromium; where neither can render, the test that needs a PDF is skipped,
saying so.

Either renderer fetches the print's stylesheet from the site's URL, and a test site named
`*.localhost` does not resolve for wkhtmltopdf (Qt does not map `.localhost` to the loopback as
browsers do). `site_url_served()` starts the bench web server for the site (`web.running_server`)
and points the site's URL at it while PDFs are made, as a production site's host name points at
its own server; `render()` makes one PDF with the generator chosen, `rendering()` chooses it for
PDFs Frappe makes itself (a mail's print attachment)."""

import shutil
import unittest
from collections.abc import Callable
from contextlib import contextmanager

import frappe

from tests.integration import web

WKHTMLTOPDF = "wkhtmltopdf"
CHROME = "chrome"


def renderer() -> str | None:
	"""wkhtmltopdf where it is installed; else Chromium where Frappe can render with it (v16's
	`pdf_generator` hook) and the bench's `chromium_path` names one; else None."""
	if shutil.which(WKHTMLTOPDF):
		return WKHTMLTOPDF
	chromium = frappe.get_common_site_config().get("chromium_path") or ""
	if frappe.get_hooks("pdf_generator") and chromium and shutil.which(chromium):
		return CHROME
	return None


def require_renderer() -> None:
	"""Skips the test or class that needs a PDF on a machine that cannot render one."""
	if renderer() is None:
		raise unittest.SkipTest(
			"neither wkhtmltopdf nor a Chromium Frappe can use is installed: Frappe cannot render a PDF"
		)


@contextmanager
def value_set(mapping: Callable[[], dict], key: str, value):
	"""`mapping()[key]` is `value` inside; afterwards it is what it was, or absent again. The
	mapping is looked up again at the end: Frappe's get_print puts a copy of the request's
	`form_dict` in its place, so the object changed at the start is no longer the request's."""
	absent = key not in mapping()
	previous = mapping().get(key)
	mapping()[key] = value
	try:
		yield
	finally:
		if absent:
			mapping().pop(key, None)
		else:
			mapping()[key] = previous


@contextmanager
def site_url_served():
	"""The bench web server for the site, and the site's URL pointed at it."""
	with web.running_server() as base_url, value_set(lambda: frappe.local.conf, "host_name", base_url):
		yield base_url


@contextmanager
def generator_chosen():
	"""Without wkhtmltopdf, Chromium for the PDFs made inside: Frappe's get_print takes the
	generator from the request (`form_dict.pdf_generator`) before the Print Format's."""
	if renderer() != CHROME:
		yield
		return
	with value_set(lambda: frappe.local.form_dict, "pdf_generator", CHROME):
		yield


@contextmanager
def rendering():
	"""PDFs made inside render: the site's URL served and the generator chosen."""
	with site_url_served() as base_url, generator_chosen():
		yield base_url


def render(doctype: str, name: str, print_format: str) -> bytes:
	"""The document's print as a PDF (inside site_url_served or rendering)."""
	with generator_chosen():
		return frappe.get_print(doctype, name, print_format, as_pdf=True)
