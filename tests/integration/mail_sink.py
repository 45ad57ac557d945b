"""A real SMTP server on the loopback that the tests' outgoing Email Account sends to.

The suite's conftest starts one for the session (aiosmtpd, on a free port of 127.0.0.1) and
collections_helpers.outgoing_email_account() points the account at it, so saving the account
(v16 connects to its server then) and sending mail work as on a real site. `deliver()` sends Email
Queue rows the way Frappe's queue does (EmailQueue.send: the message built per recipient, print
attachments rendered, the SMTP conversation) and returns what arrived at the sink for them, so a
test reads the subject, recipients, body and attachments of the mail a customer would get.
"""

import socket
import threading
from contextlib import contextmanager
from dataclasses import dataclass
from email import message_from_bytes, policy
from email.message import EmailMessage
from unittest import mock

import frappe
from aiosmtpd.controller import Controller
from frappe.tests.utils import change_settings

HOST = "127.0.0.1"


@dataclass
class Received:
	"""One message as the SMTP server received it."""

	sender: str
	recipients: list[str]
	message: EmailMessage

	@property
	def subject(self) -> str:
		return str(self.message["Subject"])

	@property
	def message_id(self) -> str:
		return str(self.message["Message-Id"] or "").strip("<> ")

	@property
	def html(self) -> str:
		"""The HTML body (the text of every text/html part that is not an attachment)."""
		return "\n".join(
			part.get_content()
			for part in self.message.walk()
			if part.get_content_type() == "text/html" and not part.get_filename()
		)

	@property
	def attachments(self) -> dict[str, bytes]:
		"""File name → content of each attachment."""
		return {
			part.get_filename(): part.get_payload(decode=True)
			for part in self.message.walk()
			if part.get_filename()
		}


class _Handler:
	def __init__(self):
		self.lock = threading.Lock()
		self.received: list[Received] = []

	async def handle_DATA(self, server, session, envelope):
		message = message_from_bytes(envelope.original_content or envelope.content, policy=policy.default)
		with self.lock:
			self.received.append(Received(envelope.mail_from, list(envelope.rcpt_tos), message))
		return "250 Message accepted for delivery"


class MailSink:
	def __init__(self):
		with socket.socket() as sock:
			sock.bind((HOST, 0))
			self.port = sock.getsockname()[1]
		self._handler = _Handler()
		self._controller = Controller(self._handler, hostname=HOST, port=self.port)

	def start(self) -> None:
		self._controller.start()

	def stop(self) -> None:
		self._controller.stop()

	def received(self) -> list[Received]:
		with self._handler.lock:
			return list(self._handler.received)


_running: MailSink | None = None


@contextmanager
def running():
	"""Starts the sink for the block (the conftest's session fixture holds it open)."""
	global _running
	sink = MailSink()
	sink.start()
	_running = sink
	try:
		yield sink
	finally:
		_running = None
		sink.stop()


def sink() -> MailSink:
	if _running is None:
		raise RuntimeError("no mail sink is running: the suite's conftest starts it for the session")
	return _running


def deliver(*queue_names: str, pdf: bool = False) -> list[Received]:
	"""Sends the Email Queue rows through the outgoing account to the sink, as the queue's flush does,
	and returns the messages that arrived for them (in the order of `queue_names`).

	Sending commits the queue row's status in Frappe; here those commits are held back, so what the
	test wrote stays in its transaction. Print attachments are rendered as HTML (Print Settings'
	`send_print_as_pdf` off), which a test can read; with `pdf` as PDFs (inside pdf.rendering, which
	serves the site's URL and chooses the generator).
	"""
	message_ids = {}
	with (
		mock.patch.object(frappe.db, "commit"),
		mock.patch.dict(frappe.local.flags, testing_email=True),
		change_settings("Print Settings", send_print_as_pdf=int(pdf)),
	):
		for name in queue_names:
			queue = frappe.get_doc("Email Queue", name)
			message_ids[name] = (queue.message_id or "").strip("<> ")
			queue.send(force_send=True)
	by_id = {}
	for message in sink().received():
		by_id.setdefault(message.message_id, []).append(message)
	return [message for name in queue_names for message in by_id.get(message_ids[name], [])]
