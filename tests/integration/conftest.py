"""Connects the suite to a real site of a Frappe bench with ERPNext and o2c_extension installed.

O2C_BENCH (default /home/frappe/frappe-bench) and O2C_TEST_SITE (default o2c-test.localhost)
choose the bench and site. The site's database is dumped before the first test and restored after
the last one, so the suite leaves the site exactly as it found it, whatever the tests committed
(concurrency tests must commit to be seen from a second connection).
"""

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

BENCH = Path(os.environ.get("O2C_BENCH", "/home/frappe/frappe-bench"))
SITE = os.environ.get("O2C_TEST_SITE", "o2c-test.localhost")


def _db_command(binary: str, config: dict) -> tuple[list[str], dict]:
	host = config.get("db_host") or "127.0.0.1"
	port = str(config.get("db_port") or 3306)
	args = [binary, f"--user={config['db_name']}", f"--host={host}", f"--port={port}"]
	return args, {**os.environ, "MYSQL_PWD": config["db_password"]}


def _site_db_config() -> dict:
	common = json.loads((BENCH / "sites" / "common_site_config.json").read_text())
	site = json.loads((BENCH / "sites" / SITE / "site_config.json").read_text())
	return {**common, **site}


def _dump_database(target: Path) -> None:
	config = _site_db_config()
	binary = shutil.which("mariadb-dump") or shutil.which("mysqldump")
	args, env = _db_command(binary, config)
	with target.open("wb") as out:
		subprocess.run(
			[*args, "--single-transaction", "--quick", config["db_name"]], stdout=out, env=env, check=True
		)


def _restore_database(source: Path) -> None:
	config = _site_db_config()
	binary = shutil.which("mariadb") or shutil.which("mysql")
	args, env = _db_command(binary, config)
	with source.open("rb") as dump:
		subprocess.run([*args, config["db_name"]], stdin=dump, env=env, check=True)


@pytest.fixture(scope="session", autouse=True)
def frappe_site(tmp_path_factory):
	import frappe

	from o2c_extension.order_to_cash import versions

	if not (BENCH / "sites" / SITE / "site_config.json").exists():
		pytest.exit(
			f"o2c_extension tests: no site {SITE} in bench {BENCH} (set O2C_BENCH / O2C_TEST_SITE)", 2
		)

	snapshot = tmp_path_factory.mktemp("o2c") / "pre-test.sql"
	_dump_database(snapshot)

	os.chdir(BENCH / "sites")
	frappe.init(site=SITE, sites_path=str(BENCH / "sites"))
	frappe.connect()
	versions.set_test_mode(True)
	frappe.clear_cache()
	try:
		yield frappe.local.site
	finally:
		frappe.db.rollback()
		frappe.destroy()
		_restore_database(snapshot)
		# cached documents and defaults must not outlive the data they came from
		frappe.init(site=SITE, sites_path=str(BENCH / "sites"))
		frappe.connect()
		frappe.clear_cache()
		frappe.destroy()


@pytest.fixture(scope="session", autouse=True)
def mail_sink():
	"""The local SMTP server the outgoing Email Account of the tests sends to (mail_sink.py)."""
	from tests.integration import mail_sink

	with mail_sink.running() as sink:
		yield sink


def pytest_collection_modifyitems(config, items):
	# The demo builds and removes a whole company (its users hold the collections roles while it
	# stands): its files run after the others, so no other file's run meets its users. Uninstall /
	# reinstall rebuilds the app's tables: it runs after everything else.
	items.sort(
		key=lambda item: (
			item.get_closest_marker("lifecycle") is not None,
			"_demo" in item.module.__name__ if item.module else False,
		)
	)
