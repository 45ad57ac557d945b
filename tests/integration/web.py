"""A real bench web server for tests that go over HTTP (REST examples, browser flows).

The server is `frappe serve` for the test site, in its own process on a free loopback port, so it
only sees what the test process has committed.
"""

import os
import socket
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

import frappe
import requests


def _free_port() -> int:
	with socket.socket() as sock:
		sock.bind(("127.0.0.1", 0))
		return sock.getsockname()[1]


@contextmanager
def running_server():
	"""Yields the base URL of a web server serving the current test site."""
	sites_path = Path(frappe.local.sites_path).resolve()
	port = _free_port()
	log = open(sites_path.parent / "logs" / "o2c-test-web.log", "ab")
	process = subprocess.Popen(
		[
			sys.executable,
			"-m",
			"frappe.utils.bench_helper",
			"frappe",
			"--site",
			frappe.local.site,
			"serve",
			"--port",
			str(port),
			"--noreload",
		],
		cwd=sites_path,
		stdout=log,
		stderr=subprocess.STDOUT,
		env={**os.environ, "PYTHONUNBUFFERED": "1"},
	)
	base_url = f"http://127.0.0.1:{port}"
	try:
		deadline = time.monotonic() + 60
		while True:
			try:
				requests.get(f"{base_url}/api/method/ping", timeout=2)
				break
			except requests.ConnectionError:
				if process.poll() is not None or time.monotonic() > deadline:
					raise RuntimeError(f"web server did not start; see {log.name}")
				time.sleep(0.3)
		yield base_url
	finally:
		process.terminate()
		try:
			process.wait(timeout=10)
		except subprocess.TimeoutExpired:
			process.kill()
		log.close()


def api_credentials(user: str) -> tuple[str, str]:
	"""API key and secret for `user`, committed so the server process can authenticate them."""
	doc = frappe.get_doc("User", user)
	api_key = doc.api_key or frappe.generate_hash(length=15)
	api_secret = frappe.generate_hash(length=15)
	doc.api_key = api_key
	doc.api_secret = api_secret
	doc.flags.ignore_permissions = True
	doc.save()
	frappe.db.commit()
	return api_key, api_secret


def token_session(user: str) -> requests.Session:
	api_key, api_secret = api_credentials(user)
	session = requests.Session()
	session.headers.update({"Authorization": f"token {api_key}:{api_secret}", "Accept": "application/json"})
	return session
