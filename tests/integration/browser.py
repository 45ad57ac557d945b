"""Headless Chromium (Debian's `chromium` package) driven by Playwright, for desk flows.

Playwright's own browser download is never used: the tests launch the system Chromium, and they
are skipped, with the reason printed, when either is missing.
"""

import os
import shutil
from contextlib import contextmanager
from pathlib import Path

import pytest

CHROMIUM = os.environ.get("O2C_CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")
SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
CHROMIUM_ARGS = [
	"--no-sandbox",
	"--disable-gpu",
	"--disable-dev-shm-usage",
	"--disable-quic",
	"--no-first-run",
	"--disable-background-networking",
	"--disable-component-update",
	"--disable-sync",
]


def skip_reason() -> str | None:
	if not CHROMIUM:
		return "Chromium not installed (apt-get install chromium): browser tests skipped"
	try:
		import playwright.sync_api  # noqa: F401
	except ImportError:
		return "playwright not installed in the bench env (pip install playwright): browser tests skipped"
	return None


requires_browser = pytest.mark.skipif(skip_reason() is not None, reason=skip_reason() or "")


@contextmanager
def chromium():
	from playwright.sync_api import sync_playwright

	with sync_playwright() as playwright:
		browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
		try:
			yield browser
		finally:
			browser.close()


def login(browser, base_url: str, user: str, password: str):
	"""A new desk page logged in as `user`."""
	context = browser.new_context(viewport={"width": 1440, "height": 900}, locale="en-US")
	page = context.new_page()
	page.set_default_timeout(60_000)
	page.goto(f"{base_url}/login")
	page.fill("#login_email", user)
	page.fill("#login_password", password)
	page.click(".btn-login")
	page.wait_for_url("**/app**")
	return page


def open_form(page, base_url: str, route: str):
	"""Open a desk route (e.g. `sales-order/SO-0001`) and wait until the form has rendered."""
	page.goto(f"{base_url}/app/{route}")
	page.wait_for_selector(".page-head .title-text", state="visible")
	page.wait_for_load_state("networkidle")
	return page


def screenshot(page, name: str) -> Path:
	SCREENSHOTS.mkdir(parents=True, exist_ok=True)
	path = SCREENSHOTS / f"{name}.png"
	page.wait_for_timeout(500)  # let indicators and dashboard headlines settle
	page.screenshot(path=str(path), full_page=False)
	return path
