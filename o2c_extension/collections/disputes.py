"""Disputes on a Sales Invoice: the customer contests part (or all) of what it owes.

Each is a **Dispute** with its amount, reason code (**Dispute Reason**), description and owner. Only
the disputed amount pauses: the run still chases the rest of the invoice (`open_disputed_amounts`,
read by the run). An invoice whose open disputes cover all it still owes is *disputed* (its
`disputed` flag and Disputed status: nothing to chase). A dispute ends once: Resolved (by Credit
Note, Write-off, Customer Paid) or Rejected. Resolving by credit note links a submitted return
against the invoice; submitting such a credit note resolves the dispute it settles by itself, and
cancelling it opens the dispute again. Decisions are in `dispute_core`; this layer reads and writes.
"""

from __future__ import annotations

import frappe
from frappe import _
from frappe.model.document import Document
from frappe.utils import escape_html, flt, fmt_money, getdate, nowdate

from o2c_extension.collections import dispute_core, promises, settlement
from o2c_extension.collections.access import check_invoice_access

DISPUTE = "Dispute"
OPEN = dispute_core.OPEN
# a description is kept in a text column (64 KB)
MAX_REASON_LENGTH = 10_000


def open_disputes(invoices: list[str]) -> dict[str, list[tuple[str, float]]]:
	"""The open disputes (name, amount) of each invoice that has one, oldest first (one query): the
	one lookup of open disputes, which the amounts below and one invoice's disputes are views of."""
	if not invoices:
		return {}
	dispute = frappe.qb.DocType(DISPUTE)
	rows = (
		frappe.qb.from_(dispute)
		.select(dispute.sales_invoice, dispute.name, dispute.disputed_amount)
		.where((dispute.status == OPEN) & dispute.sales_invoice.isin(list(invoices)))
		.orderby(dispute.creation)
		.orderby(dispute.name)
	).run()
	found: dict[str, list[tuple[str, float]]] = {}
	for invoice, name, amount in rows:
		found.setdefault(invoice, []).append((name, flt(amount)))
	return found


def open_disputed_amounts(invoices: list[str]) -> dict[str, float]:
	"""The open disputed amount of each invoice that has one, in the invoice's currency (one query)."""
	return {
		invoice: flt(sum(amount for _name, amount in opened), 9)
		for invoice, opened in open_disputes(invoices).items()
	}


# --- recording ------------------------------------------------------------------------------


def record_dispute(
	sales_invoice: str | Document,
	reason: str | None = None,
	disputed_amount=None,
	reason_code: str | None = None,
) -> Document:
	"""A new open Dispute on the invoice (all of what is not disputed yet, unless an amount is given)."""
	invoice_name = sales_invoice.name if isinstance(sales_invoice, Document) else sales_invoice
	dispute = frappe.get_doc(
		{
			"doctype": DISPUTE,
			"sales_invoice": invoice_name,
			"description": reason if isinstance(reason, str) else None,
			"disputed_amount": promises.parse_amount(disputed_amount),
			"reason_code": reason_code.strip()
			if isinstance(reason_code, str) and reason_code.strip()
			else None,
			"assigned_to": frappe.session.user if frappe.session.user != "Guest" else None,
		}
	)
	# who may act on the invoice was checked by the caller (api.collections)
	dispute.insert(ignore_permissions=True)
	return dispute


def prepare(dispute: Document) -> None:
	"""A new dispute checked and completed from its invoice (Dispute.validate): refused with a
	clear message when the invoice is paid, the amount is not positive, the open disputes with it
	would exceed the outstanding, or an open dispute for the same amount exists."""
	dispute.status = OPEN
	dispute.resolution = None
	dispute.resolved_on = None
	dispute.credit_note = None
	dispute.description = _clean_reason(dispute.description, required=not dispute.reason_code)
	if dispute.reason_code:
		if not frappe.db.get_value("Dispute Reason", dispute.reason_code, "enabled"):
			frappe.throw(
				_("{0} is not an enabled Dispute Reason.").format(
					frappe.bold(escape_html(str(dispute.reason_code)[:140]))
				),
				title=_("Invalid Reason Code"),
			)
		if not dispute.description:
			dispute.description = plain_text_of_reason(dispute.reason_code)
	invoice = _locked_invoice(dispute.sales_invoice)
	if not dispute.flags.ignore_permissions:
		# made through the desk form or /api/resource: the user must be able to see the invoice
		# the one rule of who may act on an invoice, the same as record_promise / record_dispute
		check_invoice_access(invoice.name)
	dispute.customer, dispute.company, dispute.currency = invoice.customer, invoice.company, invoice.currency
	precision = dispute.precision("disputed_amount")
	outstanding = flt(promises.currencies_of(invoice).to_invoice(flt(invoice.outstanding_amount)), precision)
	open_amounts = [amount for _name, amount in open_disputes_of(invoice.name)]
	given = None if dispute.get("disputed_amount") in (None, "") else flt(dispute.disputed_amount, precision)
	amount = flt(dispute_core.disputed_amount(given, outstanding, open_amounts), precision)
	problem = dispute_core.dispute_problem(amount, outstanding, open_amounts)
	if problem:
		_refuse(problem, invoice, amount, outstanding, open_amounts, dispute.currency)
	dispute.disputed_amount = amount


def apply(dispute: Document) -> None:
	"""After a dispute is saved (Dispute.after_insert): the invoice's dispute state and the case."""
	sync_invoices([dispute.sales_invoice])
	reason = (
		_("{0}: {1}").format(dispute.reason_code, dispute.description)
		if dispute.reason_code
		else dispute.description
	)
	promises.comment(
		"Sales Invoice",
		dispute.sales_invoice,
		_("Disputed {0} ({1}): {2}").format(
			fmt_money(dispute.disputed_amount, currency=dispute.currency), dispute.name, reason
		),
	)
	promises.refresh_case(dispute.customer, dispute.company)


def check_unchanged(dispute: Document) -> None:
	"""A saved dispute keeps its invoice, amount and outcome (ended by `resolve_dispute` alone); its
	reason code, description and owner may still be edited while it is Open."""
	if dispute.flags.o2c_app_write:
		return
	before = dispute.get_doc_before_save()
	if before is None:
		return
	for field in (
		"status",
		"resolution",
		"resolved_on",
		"credit_note",
		"disputed_amount",
		"sales_invoice",
		"customer",
		"company",
		"currency",
	):
		if str(before.get(field) or "") != str(dispute.get(field) or ""):
			frappe.throw(
				_("{0} of Dispute {1} is set by the app and cannot be changed.").format(
					_(dispute.meta.get_label(field)), dispute.name
				),
				title=_("Not Allowed"),
			)
	if before.status != OPEN:
		frappe.throw(
			_("Dispute {0} is closed and cannot be changed.").format(dispute.name), title=_("Not Allowed")
		)
	dispute.description = _clean_reason(dispute.description, required=not dispute.reason_code)


# --- ending ---------------------------------------------------------------------------------


def resolve_dispute(target: str | Document, resolution: str | None = None, credit_note: str | None = None):
	"""End an open dispute, named or as the one open dispute of an invoice, with `resolution`
	(Credit Note, Write-off, Customer Paid or Rejected; Customer Paid when not given, as the old
	`resolve_dispute(sales_invoice)` meant: collections resume)."""
	resolution = (resolution or "").strip() if isinstance(resolution, str) or resolution is None else None
	resolution = resolution or dispute_core.DEFAULT_RESOLUTION
	if resolution not in dispute_core.RESOLUTIONS:
		frappe.throw(
			_("{0} is not a resolution: use Credit Note, Write-off, Customer Paid or Rejected.").format(
				frappe.bold(escape_html(str(resolution)[:40]))
			),
			title=_("Invalid Resolution"),
		)
	dispute = _dispute_to_end(target)
	if resolution == dispute_core.CREDIT_NOTE:
		credit_note = _credit_note_for(dispute, credit_note)
	elif credit_note:
		frappe.throw(
			_("A credit note is linked only when the dispute is resolved by Credit Note."),
			title=_("Invalid Resolution"),
		)
	end(dispute, resolution, credit_note)
	return dispute


def end(dispute: Document, resolution: str, credit_note: str | None = None) -> None:
	dispute.status = dispute_core.status_after(resolution)
	dispute.resolution = resolution
	dispute.resolved_on = getdate(nowdate())
	dispute.credit_note = credit_note
	dispute.flags.o2c_app_write = True
	dispute.save(ignore_permissions=True)
	sync_invoices([dispute.sales_invoice])
	if credit_note:
		text = _("Dispute {0} resolved by credit note {1}; collections resume for the rest.").format(
			dispute.name, credit_note
		)
	elif resolution == dispute_core.REJECTED:
		text = _("Dispute {0} rejected; collections resume for its amount.").format(dispute.name)
	else:
		text = _("Dispute {0} resolved ({1}); collections resume.").format(dispute.name, _(resolution))
	promises.comment("Sales Invoice", dispute.sales_invoice, text)
	promises.refresh_case(dispute.customer, dispute.company)


def _dispute_to_end(target) -> Document:
	name = target.name if isinstance(target, Document) else target
	if isinstance(target, Document) and target.doctype == DISPUTE:
		dispute_name = target.name
	elif isinstance(name, str) and frappe.db.exists(DISPUTE, name):
		dispute_name = name
	else:
		invoice = target if isinstance(target, Document) else None
		invoice_name = invoice.name if invoice else name
		opened = [name for name, _amount in open_disputes_of(invoice_name)]
		if not opened:
			frappe.throw(
				_("Sales Invoice {0} is not disputed.").format(escape_html(str(invoice_name)[:140])),
				title=_("Not Disputed"),
			)
		if len(opened) > 1:
			frappe.throw(
				_("Sales Invoice {0} has {1} open disputes ({2}): name the one to resolve.").format(
					invoice_name, len(opened), ", ".join(opened)
				),
				title=_("Several Disputes"),
			)
		dispute_name = opened[0]
	# locked: two people ending the same dispute at once end it once
	frappe.db.get_value(DISPUTE, dispute_name, "name", for_update=True)
	dispute = frappe.get_doc(DISPUTE, dispute_name)
	if dispute.status != OPEN:
		frappe.throw(
			_("Dispute {0} is already {1}.").format(dispute.name, _(dispute.status)), title=_("Not Open")
		)
	return dispute


def _credit_note_for(dispute: Document, credit_note: str | None) -> str:
	"""The submitted credit note (a return against the disputed invoice, linked to no other
	dispute) that settles the dispute: the one given, else the latest one found."""
	linked = set(
		frappe.get_all(
			DISPUTE,
			filters={"credit_note": ("is", "set"), "name": ("!=", dispute.name)},
			pluck="credit_note",
		)
	)
	if credit_note:
		name = credit_note.strip() if isinstance(credit_note, str) else ""
		row = frappe.db.get_value(
			"Sales Invoice", name, ["name", "docstatus", "is_return", "return_against"], as_dict=True
		)
		if not row or row.docstatus != 1 or not row.is_return or row.return_against != dispute.sales_invoice:
			frappe.throw(
				_("{0} is not a submitted credit note against Sales Invoice {1}.").format(
					frappe.bold(escape_html(name[:140] or "''")), dispute.sales_invoice
				),
				title=_("Invalid Credit Note"),
			)
		if row.name in linked:
			frappe.throw(
				_("Credit note {0} already resolves another dispute.").format(row.name),
				title=_("Invalid Credit Note"),
			)
		return row.name
	found = [
		name
		for name in frappe.get_all(
			"Sales Invoice",
			filters={"return_against": dispute.sales_invoice, "is_return": 1, "docstatus": 1},
			order_by="posting_date desc, creation desc",
			pluck="name",
		)
		if name not in linked
	]
	if not found:
		frappe.throw(
			_(
				"There is no submitted credit note against Sales Invoice {0} yet: make the credit note (Create › Return / Credit Note) first."
			).format(dispute.sales_invoice),
			title=_("No Credit Note"),
		)
	return found[0]


# --- credit notes (Sales Invoice events, wired through collections.events) --------------------


def credit_note_submitted(credit_note: Document) -> None:
	"""A credit note set against a disputed invoice resolves the open dispute it settles (the one
	for its amount; else the only one it covers)."""
	if not credit_note.is_return or not credit_note.return_against:
		return
	if credit_note.get("update_outstanding_for_self"):
		# a credit note standing alone does not lower what the invoice owes until it is allocated
		# (Payment Reconciliation): the dispute stays open, to be resolved by hand with it
		return
	opened = open_disputes_of(credit_note.return_against)
	if not opened:
		return
	credited = abs(flt(credit_note.rounded_total) or flt(credit_note.grand_total))
	name = dispute_core.matching_dispute(opened, credited, 0.5 / 10 ** credit_note.precision("grand_total"))
	if name:
		end(frappe.get_doc(DISPUTE, name), dispute_core.CREDIT_NOTE, credit_note.name)


def close_paid(invoices: list[str]) -> None:
	"""A payment that clears an invoice ends its open disputes: the customer paid after all."""
	if not invoices:
		return
	paid = frappe.get_all(
		"Sales Invoice",
		filters={"name": ("in", list(invoices)), "outstanding_amount": ("<=", 0)},
		pluck="name",
	)
	for opened in open_disputes(paid).values():
		for name, _amount in opened:
			end(frappe.get_doc(DISPUTE, name), dispute_core.CUSTOMER_PAID)


def credit_note_cancelled(credit_note: Document) -> None:
	"""Cancelling the credit note that resolved a dispute opens the dispute again."""
	if not credit_note.is_return:
		return
	for name in frappe.get_all(DISPUTE, filters={"credit_note": credit_note.name}, pluck="name"):
		dispute = frappe.get_doc(DISPUTE, name)
		dispute.status, dispute.resolution, dispute.resolved_on, dispute.credit_note = OPEN, None, None, None
		dispute.flags.o2c_app_write = True
		dispute.save(ignore_permissions=True)
		sync_invoices([dispute.sales_invoice])
		promises.comment(
			"Sales Invoice",
			dispute.sales_invoice,
			_("Credit note {0} was cancelled: dispute {1} is open again.").format(credit_note.name, name),
		)
		promises.refresh_case(dispute.customer, dispute.company)


# --- the invoice's dispute state --------------------------------------------------------------


def open_disputes_of(invoice: str) -> list[tuple[str, float]]:
	"""The invoice's open disputes (name, amount), oldest first."""
	return open_disputes([invoice]).get(invoice, [])


def sync_invoices(invoices: list[str]) -> None:
	"""Set the invoices' `disputed` flag (all they still owe is in open disputes), their
	`dispute_reason` (the latest open dispute's) and their collection status (the app's own write
	of sealed fields)."""
	dispute = frappe.qb.DocType(DISPUTE)
	latest = {}
	for row in (
		frappe.qb.from_(dispute)
		.select(dispute.sales_invoice, dispute.reason_code, dispute.description)
		.where((dispute.status == OPEN) & dispute.sales_invoice.isin(invoices))
		.orderby(dispute.creation)
	).run(as_dict=True):
		latest[row.sales_invoice] = row
	amounts = open_disputed_amounts(invoices)
	records = frappe.get_all(
		"Sales Invoice", filters={"name": ("in", invoices)}, fields=list(promises.INVOICE_FIELDS)
	)
	for invoice in records:
		outstanding = promises.currencies_of(invoice).to_invoice(flt(invoice.outstanding_amount))
		fully = dispute_core.is_fully_disputed(outstanding, flt(amounts.get(invoice.name)))
		row = latest.get(invoice.name)
		reason = None
		if row:
			reason = (
				_("{0}: {1}").format(row.reason_code, row.description) if row.reason_code else row.description
			)
		# sets `modified`, so a re-run the same day looks at the invoice again
		frappe.db.set_value(
			"Sales Invoice", invoice.name, {"disputed": 1 if fully else 0, "dispute_reason": reason}
		)
	settlement.refresh_statuses(invoices)


def plain_text_of_reason(reason_code: str) -> str:
	"""A dispute given only a reason code is described by the reason's own description."""
	return promises.plain_text(
		frappe.db.get_value("Dispute Reason", reason_code, "description") or _(reason_code)
	)


def _locked_invoice(name) -> frappe._dict:
	invoice = None
	if isinstance(name, str) and name.strip():
		rows = promises._lock_invoices([name.strip()])
		invoice = rows[0] if rows else None
	if invoice is None:
		frappe.throw(
			_("Sales Invoice {0} does not exist.").format(escape_html(str(name or "''")[:140])),
			frappe.DoesNotExistError,
		)
	if invoice.docstatus != 1 or invoice.is_return:
		frappe.throw(
			_("Sales Invoice {0} is not a submitted invoice: promises and disputes are for those.").format(
				invoice.name
			),
			title=_("Invalid Invoice"),
		)
	return invoice


def _refuse(problem, invoice, amount, outstanding, open_amounts, currency) -> None:
	if problem == dispute_core.PAID:
		frappe.throw(
			_("Sales Invoice {0} is already paid and cannot be disputed.").format(invoice.name),
			title=_("Invoice Paid"),
		)
	if problem == dispute_core.FULLY_DISPUTED:
		frappe.throw(
			_("Sales Invoice {0} is already disputed.").format(invoice.name), title=_("Already Disputed")
		)
	if problem == dispute_core.NOT_POSITIVE:
		frappe.throw(_("The disputed amount must be more than zero."), title=_("Invalid Amount"))
	if problem == dispute_core.SAME_AMOUNT_OPEN:
		frappe.throw(
			_("Sales Invoice {0} already has an open dispute for {1}.").format(
				invoice.name, fmt_money(amount, currency=currency)
			),
			title=_("Already Disputed"),
		)
	frappe.throw(
		_(
			"The disputed amount {0} is more than the {1} of Sales Invoice {2} that is not disputed yet (outstanding {3})."
		).format(
			fmt_money(amount, currency=currency),
			fmt_money(dispute_core.chaseable(outstanding, sum(open_amounts)), currency=currency),
			invoice.name,
			fmt_money(outstanding, currency=currency),
		),
		title=_("Amount Too High"),
	)


def _clean_reason(reason, required: bool) -> str | None:
	reason = reason.strip() if isinstance(reason, str) else ""
	if not reason:
		if required:
			frappe.throw(_("Enter the reason the customer disputes the invoice."), title=_("Missing Reason"))
		return None
	if len(reason) > MAX_REASON_LENGTH:
		frappe.throw(
			_("The dispute reason is too long: at most {0} characters.").format(MAX_REASON_LENGTH),
			title=_("Reason Too Long"),
		)
	return promises.plain_text(reason)
