"""Headless Chromium (Debian's `chromium` package) driven by Playwright, for desk flows.

Playwright's own browser download is never used: the tests launch the system Chromium, and they
are skipped, with the reason printed, when either is missing.
"""

import os
import re
import shutil
import tempfile
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import quote

import pytest

from o2c_extension.order_to_cash import versions

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


def desk_path(route: str) -> str:
	"""The desk's own path of a route (e.g. `sales-order/SO-0001`): /app/... on v15, /desk/... on v16
	(where /app/... only redirects there)."""
	return f"{'/desk' if versions.FRAPPE_MAJOR >= 16 else '/app'}/{route}"


def login(browser, base_url: str, user: str, password: str):
	"""A new desk page logged in as `user`."""
	context = browser.new_context(viewport={"width": 1440, "height": 900}, locale="en-US")
	page = context.new_page()
	page.set_default_timeout(60_000)
	page.goto(f"{base_url}/login")
	page.fill("#login_email", user)
	page.fill("#login_password", password)
	page.click(".btn-login")
	# v15 lands on /app (its default workspace), v16 on its desktop at /desk
	page.wait_for_url(re.compile(r"/(app|desk)(/|\?|#|$)"))
	return page


def open_form(page, base_url: str, route: str):
	"""Open a desk route (e.g. `sales-order/SO-0001`) and wait until the form has rendered."""
	page.goto(f"{base_url}{desk_path(route)}")
	page.wait_for_selector(".page-head .title-text", state="visible")
	page.wait_for_load_state("networkidle")
	return page


def screenshot(page, name: str) -> Path:
	SCREENSHOTS.mkdir(parents=True, exist_ok=True)
	path = SCREENSHOTS / f"{name}.png"
	page.wait_for_timeout(500)  # let indicators and dashboard headlines settle
	page.screenshot(path=str(path), full_page=False)
	return path


def set_field(page, fieldname: str, value, within=None) -> None:
	"""Fill a visible form (or grid row, dialog: `within`) control the way a user does: type into
	Data / number / text inputs, choose in a Select, tick a Check, and pick a Link's value from the
	dropdown it offers."""
	control = (within or page).locator(f'.frappe-control[data-fieldname="{fieldname}"]:visible').first
	fieldtype = control.get_attribute("data-fieldtype")
	if fieldtype == "Select":
		control.locator("select").select_option(str(value))
		return
	if fieldtype == "Check":
		control.locator(f'input[type=checkbox][data-fieldname="{fieldname}"]').set_checked(bool(value))
		return
	field = control.locator("input, textarea").first
	field.click()
	field.fill(str(value))
	if fieldtype == "Link" and value:
		# the input owns its awesomplete list by id; v16 moves a grid row's list out of the cell
		# (to the grid's wrapper, so the row does not clip it), so look it up on the page
		listbox = page.locator(f"#{field.get_attribute('aria-owns')}")
		listbox.locator("[role=option]:visible", has_text=str(value)).first.click()
	else:
		field.dispatch_event("change")


def grid_row(page, table_fieldname: str, idx: int):
	"""Row `idx` (1-based) of a form's table, pressing "Add Row" until it exists (a new form may
	already show an empty first row); a locator to pass to `set_field` as `within`."""
	grid = page.locator(f'.frappe-control[data-fieldname="{table_fieldname}"]:visible').first
	row = grid.locator(f'.grid-body .grid-row[data-idx="{idx}"]')
	while row.count() == 0:
		grid.locator(".grid-add-row").click()
		grid.locator(".grid-body .grid-row").last.wait_for()
	return row


def click_menu_button(page, group: str, label: str) -> None:
	"""A custom button inside a button group of the form toolbar (e.g. Decide › Release)."""
	page.click(f'.inner-group-button[data-label="{quote(group)}"] button')
	page.click(f'.inner-group-button[data-label="{quote(group)}"] [data-label="{quote(label)}"]')


def save_form(page) -> None:
	"""Ctrl+S, then wait until the form is saved (named, not dirty)."""
	page.keyboard.press("Control+s")
	page.wait_for_function("cur_frm && !cur_frm.is_new() && !cur_frm.is_dirty()")


@contextmanager
def screenshots_on_failure(browser, name: str):
	"""When the block fails, save every open page to the temp directory (not docs/) for debugging."""
	try:
		yield
	except Exception:
		pages = [page for context in browser.contexts for page in context.pages]
		for index, page in enumerate(pages):
			path = Path(tempfile.gettempdir()) / f"{name}-failure-{index}.png"
			try:
				page.screenshot(path=str(path))
				print(f"failure screenshot: {path}")
			except Exception as error:  # the page may be gone; keep the original failure
				print(f"no failure screenshot of page {index}: {error}")
		raise
