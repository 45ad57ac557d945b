"""EDIFACT DELFOR / DELJIT interchanges imported as Schedule Releases (the document layer of
edifact.py): one release per message, matched to its agreement, each message applied or refused
on its own, and the raw message attached (File) to the release it made.

Matching (CONTRACT §1): NAD+BY = the customer (its EDI Party ID, else its name); RFF+ON = the
agreement's customer reference (a customer with one Active agreement needs none); LIN / PIA = our
item code (PIA SA) or the customer's (LIN IN: the agreement item's customer item code or ERPNext's
Item Customer Detail). A message that cannot be matched, names an unknown item or is refused by the
release's own checks writes nothing (its savepoint is rolled back); the others are applied.
"""

import hashlib
import re

import frappe
from frappe import _
from frappe.utils import escape_html
from frappe.utils.background_jobs import is_job_enqueued

from o2c_extension.order_to_cash.language import in_language, user_languages
from o2c_extension.scheduling.db import AGREEMENT
from o2c_extension.scheduling.edifact import (
	INTERCHANGE_ERRORS,
	MessageError,
	ReleaseMessage,
	read_interchange,
)
from o2c_extension.scheduling.messages import SchedulingInputError, edifact_message
from o2c_extension.scheduling.release import import_release, release_agreement, summary
from o2c_extension.scheduling.schedule_lines import ACTIVE, FIRM

# Above this size (characters) an interchange is imported by a background job: a delivery schedule
# of 5,000 lines (192 KiB) takes about half a minute to apply (docs/PERFORMANCE.md), longer than a
# desk request should wait; smaller ones are answered at once, with their releases.
BACKGROUND_FROM_CHARS = 50_000
JOB_METHOD = "o2c_extension.scheduling.edifact_import.run_import_job"
REALTIME_EVENT = "o2c_edifact_import"


class MessageRefused(Exception):
	"""A message that cannot be applied; `reason` is translated already."""

	def __init__(self, reason: str):
		super().__init__(reason)
		self.reason = reason


def import_edifact(content: str) -> dict:
	"""Read an interchange and apply each message; {"releases": [...], "errors": [...]}.

	A broken envelope (segment terminator, UNB, UNH / UNT, counts) refuses the whole interchange;
	when no message could be applied, the errors are thrown (a 4xx), with nothing written."""
	if not isinstance(content, str):
		frappe.throw(
			_("Send the EDIFACT interchange as text."), SchedulingInputError, title=_("Invalid EDIFACT")
		)
	interchange = read_interchange(content)
	broken = [error for error in interchange.errors if error.code in INTERCHANGE_ERRORS]
	if broken:
		frappe.throw(
			"<br>".join(_error_text(error) for error in broken),
			SchedulingInputError,
			title=_("Invalid EDIFACT"),
		)
	releases, errors = (
		[],
		[
			{"message_ref": error.message_ref, "release_no": None, "error": _error_text(error)}
			for error in interchange.errors
		],
	)
	for message in interchange.messages:
		savepoint = f"o2c_edifact_{frappe.generate_hash(length=10)}"
		frappe.db.savepoint(savepoint)
		messages_before = len(frappe.local.message_log)
		try:
			release = apply_message(message)
		except (MessageRefused, frappe.ValidationError) as refused:
			frappe.db.rollback(save_point=savepoint)
			# the refusal is in the answer's errors, not also in the response's messages
			del frappe.local.message_log[messages_before:]
			reason = refused.reason if isinstance(refused, MessageRefused) else str(refused)
			errors.append(
				{
					"message_ref": message.message_ref,
					"release_no": message.release_no,
					"error": _("Message {0} (release {1}): {2}").format(
						escape_html(message.message_ref), escape_html(message.release_no), reason
					),
				}
			)
			continue
		frappe.db.release_savepoint(savepoint)
		releases.append({"message_ref": message.message_ref, **summary(release)})
	if errors and not releases:
		frappe.throw(
			"<br>".join(error["error"] for error in errors), SchedulingInputError, title=_("EDIFACT Refused")
		)
	return {"releases": releases, "errors": errors}


def import_or_enqueue(content: str) -> dict:
	"""`import_edifact` at once for an interchange up to BACKGROUND_FROM_CHARS; a larger one is
	enqueued on the long queue as the uploader, once per content (the job id is its hash: the same
	file sent again while it waits or runs is not enqueued twice). The uploader is notified when it
	is done (`notify_import`). Returns the import's answer, or {"releases": [], "errors": [],
	"queued": True, "job_id", "message"} for a background import."""
	if not isinstance(content, str) or len(content) <= BACKGROUND_FROM_CHARS:
		return import_edifact(content)
	job_id = "o2c-edifact-import::" + hashlib.sha256(content.encode("utf-8")).hexdigest()[:32]
	if is_job_enqueued(job_id):
		message = _("This interchange is being imported already; you will be notified when it is done.")
	else:
		frappe.enqueue(
			JOB_METHOD,
			queue="long",
			job_id=job_id,
			deduplicate=True,
			content=content,
			user=frappe.session.user,
		)
		message = _(
			"The interchange is large: it is imported in the background and you will be notified when it is done."
		)
	return {"releases": [], "errors": [], "queued": True, "job_id": job_id, "message": message}


def run_import_job(content: str, user: str) -> dict:
	"""The background import of `import_or_enqueue` (the job runs as `user`): what it made, or
	why the interchange was refused (nothing written then), told to the user."""
	savepoint = f"o2c_edifact_job_{frappe.generate_hash(length=10)}"
	frappe.db.savepoint(savepoint)
	try:
		with in_language(user_languages([user]).get(user)):
			result, refusal = import_edifact(content), None
	except (frappe.ValidationError, frappe.PermissionError) as refused:
		frappe.db.rollback(save_point=savepoint)
		frappe.clear_messages()
		result, refusal = {"releases": [], "errors": []}, str(refused)
	except Exception:
		# an unforeseen failure is logged; the user still hears that nothing was imported
		frappe.db.rollback(save_point=savepoint)
		frappe.log_error(title=_("EDIFACT import failed"))
		result, refusal = {"releases": [], "errors": []}, _("EDIFACT import failed; see the Error Log.")
	notify_import(user, result, refusal)
	return result


def notify_import(user: str, result: dict, refusal: str | None = None) -> None:
	"""A Notification Log (the desk's bell) and a realtime event for the user of a background
	import: the releases made and the messages refused, or why nothing was imported; in the user's
	language."""
	with in_language(user_languages([user]).get(user)):
		made = [
			_("Message {0}: Schedule Release {1} ({2}): {3} added, {4} changed, {5} removed.").format(
				escape_html(release.get("message_ref")),
				release.get("schedule_release"),
				_(release.get("release_type")),
				release.get("lines_added"),
				release.get("lines_changed"),
				release.get("lines_removed"),
			)
			for release in map(frappe._dict, result["releases"])
		]
		lines = made + [error["error"] for error in result["errors"]] + ([refusal] if refusal else [])
		if refusal:
			subject = _("EDIFACT import refused: nothing was imported.")
		else:
			subject = _("EDIFACT import done: {0} Schedule Releases made, {1} messages refused.").format(
				len(result["releases"]), len(result["errors"])
			)
		first = result["releases"][0]["schedule_release"] if result["releases"] else None
		frappe.get_doc(
			{
				"doctype": "Notification Log",
				# an Alert: the bell, no e-mail; the user who started the import is its reader
				"type": "Alert",
				"for_user": user,
				"from_user": user,
				"document_type": "Schedule Release" if first else None,
				"document_name": first,
				"subject": subject,
				"email_content": "<br>".join(lines),
			}
		).insert(ignore_permissions=True)
	frappe.publish_realtime(REALTIME_EVENT, {**result, "refusal": refusal}, user=user, after_commit=True)


def apply_message(message: ReleaseMessage):
	"""The submitted Schedule Release of one message, with the raw message attached to it."""
	agreement = release_agreement(match_agreement(message))
	lines = _lines(message, agreement)
	statements = [
		{
			"item_code": _our_item(statement.supplier_item, statement.buyer_item, agreement, message),
			"cumulative_received_qty": None
			if statement.cumulative_received_qty is None
			else float(statement.cumulative_received_qty),
			"last_delivery_note": statement.last_delivery_note,
		}
		for statement in message.items
	]
	release = import_release(
		agreement.name,
		message.release_no,
		str(message.release_date),
		lines=lines,
		release_type=message.release_type,
		items=statements,
		edi_message_ref=message.message_ref,
	)
	attach_message(release, message)
	return release


def match_agreement(message: ReleaseMessage) -> str:
	customer = frappe.db.get_value(
		"Customer", {"edi_party_id": message.buyer}, "name"
	) or frappe.db.get_value("Customer", message.buyer, "name")
	if not customer:
		raise MessageRefused(
			_("no customer has the EDI Party ID or the name {0} (NAD+BY).").format(
				frappe.bold(escape_html(message.buyer))
			)
		)
	references = {line.customer_reference for line in message.lines} or {message.customer_reference}
	references.discard(None)
	if len(references) > 1:
		raise MessageRefused(
			_("its lines name several agreements ({0}, RFF+ON); send one message per agreement.").format(
				", ".join(sorted(escape_html(reference) for reference in references))
			)
		)
	filters = {"customer": customer, "docstatus": 1, "status": ACTIVE}
	if references:
		filters["customer_reference"] = next(iter(references))
	matching = frappe.get_all(AGREEMENT, filters=filters, pluck="name", order_by="name asc")
	candidates = [name for name in matching if frappe.has_permission(AGREEMENT, "write", doc=name)]
	if matching and not candidates:
		# as every method naming a document the user may not change: refused whole (403), nothing kept
		frappe.throw(
			_("You may not change Scheduling Agreement {0}.").format(matching[0]),
			frappe.PermissionError,
			title=_("Not Permitted"),
		)
	if len(candidates) == 1:
		return candidates[0]
	if references and not candidates:
		raise MessageRefused(
			_(
				"customer {0} has no Active Scheduling Agreement you may change with the reference {1} (RFF+ON)."
			).format(frappe.bold(customer), frappe.bold(escape_html(next(iter(references)))))
		)
	if not candidates:
		raise MessageRefused(
			_("customer {0} has no Active Scheduling Agreement.").format(frappe.bold(customer))
		)
	raise MessageRefused(
		_(
			"customer {0} has several Active Scheduling Agreements ({1}); the message must name one by its reference (RFF+ON)."
		).format(frappe.bold(customer), ", ".join(candidates))
	)


def _our_item(supplier_item, buyer_item, agreement, message) -> str:
	if supplier_item and supplier_item in agreement.agreed_items:
		return supplier_item
	if buyer_item and buyer_item in agreement.customer_items:
		return agreement.customer_items[buyer_item]
	if buyer_item and buyer_item in agreement.agreed_items:
		return buyer_item
	raise MessageRefused(
		_("item {0} is not on Scheduling Agreement {1} (neither our item code nor the customer's).").format(
			frappe.bold(escape_html(supplier_item or buyer_item or "")), agreement.name
		)
	)


def _lines(message: ReleaseMessage, agreement) -> list[dict]:
	"""The message's lines as release lines; lines of one item and date add up (Firm if any is)."""
	merged: dict[tuple, dict] = {}
	for line in message.lines:
		item_code = _our_item(line.supplier_item, line.buyer_item, agreement, message)
		key = (item_code, line.schedule_date)
		if key in merged:
			merged[key]["qty"] += float(line.qty)
			if line.line_type == FIRM:
				merged[key]["line_type"] = FIRM
		else:
			merged[key] = {
				"row": len(merged) + 1,
				"item_code": item_code,
				"schedule_date": str(line.schedule_date),
				"qty": float(line.qty),
				"line_type": line.line_type,
			}
	return list(merged.values())


def attach_message(release, message: ReleaseMessage) -> None:
	"""The message as received, as a private File attached to the release. The File is made
	unattached and then attached: Frappe's File, when made attached, loads the whole release (its
	thousands of rows) to add an "attached" comment to it; the desk lists attachments from the File
	alone."""
	safe = re.sub(r"[^A-Za-z0-9._-]+", "-", f"{message.message_type}-{message.release_no}")[:100]
	file = frappe.get_doc(
		{"doctype": "File", "file_name": f"{safe}.edi", "is_private": 1, "content": message.raw}
	).insert(ignore_permissions=True)
	frappe.db.set_value(
		"File",
		file.name,
		{"attached_to_doctype": "Schedule Release", "attached_to_name": release.name},
		update_modified=False,
	)


def _error_text(error: MessageError) -> str:
	return edifact_message(error.code, error.args)


def read_upload(file_url: str) -> str:
	"""The text of an uploaded interchange (a File the user may read): UTF-8, else ISO 8859-1
	(UNOC, EDIFACT's usual character set)."""
	file = frappe.get_doc("File", {"file_url": file_url})
	file.check_permission("read")
	content = file.get_content()
	if isinstance(content, bytes):
		try:
			return content.decode("utf-8-sig")
		except UnicodeDecodeError:
			return content.decode("iso-8859-1")
	return content
