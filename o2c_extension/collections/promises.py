"""Promises to pay: the customer promises to pay an invoice, or the overdue invoices of its
Collection Case, by a date. Each promise is a **Promise to Pay** that keeps its outcome.

While the promised date has not passed, the run leaves the promised invoices alone (their
`promise_to_pay_date`). The day after the date plus O2C Settings `promise_tolerance_days`, the
promise is judged once from the Payment Ledger (ERPNext's record of what was allocated to each
invoice, payments, journal entries and credit notes alike): Kept, Partially Kept or Broken. A broken
promise escalates once (through the Collection Case); whatever the outcome, the invoices go back to
being chased for what is still unpaid. Decisions are in `promise_core`; this layer reads and writes.
"""

from __future__ import annotations

import datetime
import html
from collections import defaultdict

import frappe
from frappe import _
from frappe.model.document import Document
from frappe.model.meta import get_field_precision
from frappe.utils import cint, escape_html, flt, fmt_money, formatdate, get_datetime, getdate, nowdate

from o2c_extension.collections import core, promise_core, settlement
from o2c_extension.collections.access import check_invoice_access

PROMISE_TO_PAY = "Promise to Pay"
# a note is kept in a Small Text column
MAX_NOTE_LENGTH = 10_000
# promises judged per query
JUDGE_CHUNK = 500
INVOICE_FIELDS = (
	"name",
	"customer",
	"company",
	"currency",
	"party_account_currency",
	"conversion_rate",
	"outstanding_amount",
	"docstatus",
	"is_return",
	"due_date",
)


def comment(doctype: str, name: str, text: str) -> None:
	"""An Info line in the document's timeline (Document.add_comment, without loading it)."""
	frappe.get_doc(
		{
			"doctype": "Comment",
			"comment_type": "Info",
			"reference_doctype": doctype,
			"reference_name": name,
			"comment_email": frappe.session.user,
			"comment_by": frappe.utils.get_fullname(frappe.session.user),
			"content": text,
		}
	).insert(ignore_permissions=True)


def plain_text(value: str) -> str:
	"""User text made safe to store and show: any markup is kept as the characters typed (`<`, `>`
	and `&` escaped), never as live HTML, wherever it is shown (form, timeline, reports). Escaping
	what is already escaped changes nothing, so text saved again stays as it is."""
	return html.escape(html.unescape(value.strip()), quote=False)


# --- recording ------------------------------------------------------------------------------


def record_promise(
	sales_invoice: str | Document | None = None,
	promise_date=None,
	note: str | None = None,
	amount=None,
	collection_case: str | None = None,
) -> Document:
	"""A new Promise to Pay on one invoice, or on a Collection Case (its overdue invoices)."""
	invoice_name = sales_invoice.name if isinstance(sales_invoice, Document) else sales_invoice
	promise = frappe.get_doc(
		{
			"doctype": PROMISE_TO_PAY,
			"sales_invoice": invoice_name or None,
			"collection_case": collection_case or None,
			"promise_date": parse_promise_date(promise_date),
			"promised_amount": parse_amount(amount),
			"note": note if isinstance(note, str) else None,
		}
	)
	# who may act on the invoice or case was checked by the caller (api.collections)
	promise.insert(ignore_permissions=True)
	return promise


def prepare(promise: Document) -> None:
	"""A new promise checked and completed from its invoices (Promise to Pay.validate): refused
	with a clear message unless it is for today or later and for a positive amount no larger than
	what can be chased; the amount defaults to all of it."""
	promise.status = promise_core.OPEN
	promise.paid_amount = 0
	promise.judged_on = None
	promise.promise_date = parse_promise_date(promise.promise_date)
	promise.note = _clean_note(promise.note)
	today = getdate(nowdate())
	invoices = _covered_invoices(promise, today)
	if not promise.flags.ignore_permissions:
		# made through the desk form or /api/resource: the user must be able to see what it covers
		# the one rule of who may act on an invoice, the same as record_promise / record_dispute
		for invoice in invoices:
			check_invoice_access(invoice.name)
	currencies = {invoice.currency for invoice in invoices}
	if len(currencies) > 1:
		frappe.throw(
			_(
				"The overdue invoices of Collection Case {0} are in several currencies: record a promise per invoice."
			).format(promise.collection_case),
			title=_("Several Currencies"),
		)
	first = invoices[0]
	promise.customer, promise.company, promise.currency = first.customer, first.company, first.currency
	precision = promise.precision("promised_amount")
	chaseable = _chaseable(invoices, precision)
	total = flt(sum(chaseable.values()), precision)
	amount = None if promise.get("promised_amount") in (None, "") else flt(promise.promised_amount, precision)
	problem = promise_core.promise_problem(amount, total, promise.promise_date, today)
	if problem:
		_refuse(problem, promise, invoices, total, amount)
	promise.promised_amount = flt(promise_core.promised_amount(amount, total), precision)
	promise.set("invoices", [])
	for invoice in invoices:
		if chaseable[invoice.name] > 0:
			promise.append(
				"invoices",
				{
					"sales_invoice": invoice.name,
					"due_date": invoice.due_date,
					"currency": invoice.currency,
					"outstanding_amount": chaseable[invoice.name],
				},
			)


def apply(promise: Document) -> None:
	"""After a promise is saved (Promise to Pay.after_insert): an older open promise on the same
	invoices is replaced by it, the invoices pause until the promised date, and the case follows."""
	invoices = [row.sales_invoice for row in promise.invoices]
	_replace_older_promises(promise, invoices)
	_set_invoice_promise(invoices, promise.promise_date)
	text = _("Promise to pay {0} by {1} ({2}).").format(
		fmt_money(promise.promised_amount, currency=promise.currency),
		formatdate(promise.promise_date),
		promise.name,
	)
	if promise.note:
		text = _("{0} Note: {1}").format(text, promise.note)
	for invoice in invoices:
		comment("Sales Invoice", invoice, text)
	refresh_case(promise.customer, promise.company)


def check_unchanged(promise: Document) -> None:
	"""A saved promise keeps what was promised and its outcome: only the app judges it; the note
	may still be edited (and is sanitised)."""
	promise.note = _clean_note(promise.note)
	if promise.flags.o2c_app_write:
		return
	before = promise.get_doc_before_save()
	if before is None:
		return
	for field in (
		"status",
		"paid_amount",
		"judged_on",
		"promised_amount",
		"promise_date",
		"customer",
		"company",
	):
		if str(before.get(field) or "") != str(promise.get(field) or ""):
			frappe.throw(
				_("{0} of Promise to Pay {1} is set by the app and cannot be changed.").format(
					_(promise.meta.get_label(field)), promise.name
				),
				title=_("Not Allowed"),
			)
	if [row.sales_invoice for row in before.invoices] != [row.sales_invoice for row in promise.invoices]:
		frappe.throw(
			_("The invoices of Promise to Pay {0} cannot be changed.").format(promise.name),
			title=_("Not Allowed"),
		)


def _covered_invoices(promise: Document, today: datetime.date) -> list[frappe._dict]:
	"""The invoices the promise covers, locked until the end of the transaction so two promises
	or a dispute recorded at the same moment see each other."""
	if promise.sales_invoice:
		invoices = _lock_invoices([promise.sales_invoice])
		if not invoices:
			frappe.throw(
				_("Sales Invoice {0} does not exist.").format(escape_html(str(promise.sales_invoice)[:140])),
				frappe.DoesNotExistError,
			)
		invoice = invoices[0]
		if invoice.docstatus != 1 or invoice.is_return:
			frappe.throw(
				_(
					"Sales Invoice {0} is not a submitted invoice: promises and disputes are for those."
				).format(invoice.name),
				title=_("Invalid Invoice"),
			)
		if flt(invoice.outstanding_amount) <= 0:
			frappe.throw(
				_("Sales Invoice {0} is already paid: there is nothing to promise.").format(invoice.name),
				title=_("Invoice Paid"),
			)
		if promise.collection_case:
			case = frappe.db.get_value(
				"Collection Case", promise.collection_case, ["customer", "company"], as_dict=True
			)
			if not case or (case.customer, case.company) != (invoice.customer, invoice.company):
				frappe.throw(
					_("Sales Invoice {0} is not in Collection Case {1}.").format(
						invoice.name, escape_html(str(promise.collection_case)[:140])
					),
					title=_("Invalid Collection Case"),
				)
		return invoices
	if not promise.collection_case:
		frappe.throw(
			_("Name the Sales Invoice or the Collection Case the customer promises to pay."),
			title=_("Missing Invoice"),
		)
	case = frappe.db.get_value(
		"Collection Case", promise.collection_case, ["customer", "company"], as_dict=True
	)
	if not case:
		frappe.throw(
			_("Collection Case {0} does not exist.").format(escape_html(str(promise.collection_case)[:140])),
			frappe.DoesNotExistError,
		)
	invoices = _lock_invoices(overdue_invoices(case.customer, case.company, today))
	if not invoices:
		frappe.throw(
			_("Nothing of Collection Case {0} is overdue: there is nothing to promise.").format(
				promise.collection_case
			),
			title=_("Nothing Overdue"),
		)
	return invoices


def overdue_invoices(customer: str, company: str, today: datetime.date) -> list[str]:
	"""The customer's submitted invoices in `company` with a payment term (or, without terms, the
	invoice itself) due before `today` and still outstanding: what a promise on the case covers."""
	return frappe.db.sql_list(
		"""
		SELECT si.name
		FROM `tabSales Invoice` si
		WHERE si.customer = %(customer)s AND si.company = %(company)s AND si.docstatus = 1
			AND si.is_return = 0 AND si.outstanding_amount > 0
			AND (si.due_date < %(today)s OR EXISTS (
				SELECT 1 FROM `tabPayment Schedule` ps
				WHERE ps.parenttype = 'Sales Invoice' AND ps.parent = si.name AND ps.due_date < %(today)s
			))
		ORDER BY si.due_date, si.name
		""",
		{"customer": customer, "company": company, "today": today},
	)


def _lock_invoices(names: list[str]) -> list[frappe._dict]:
	if not names:
		return []
	invoice = frappe.qb.DocType("Sales Invoice")
	return (
		frappe.qb.from_(invoice)
		.select(*(invoice[field] for field in INVOICE_FIELDS))
		.where(invoice.name.isin(names))
		.orderby(invoice.due_date)
		.orderby(invoice.name)
		.for_update()
	).run(as_dict=True)


def _chaseable(invoices: list[frappe._dict], precision: int) -> dict[str, float]:
	"""What can be chased of each invoice, in its currency: its outstanding less open disputes."""
	from o2c_extension.collections import dispute_core, disputes

	disputed = disputes.open_disputed_amounts([invoice.name for invoice in invoices])
	return {
		invoice.name: flt(
			dispute_core.chaseable(
				currencies_of(invoice).to_invoice(flt(invoice.outstanding_amount)),
				flt(disputed.get(invoice.name)),
			),
			precision,
		)
		for invoice in invoices
	}


def currencies_of(invoice) -> core.Currencies:
	"""The invoice's currencies (billed in, outstanding in, company's) and its rate."""
	company_currency = frappe.get_cached_value("Company", invoice.company, "default_currency")
	return core.Currencies(
		invoice.currency,
		invoice.party_account_currency or company_currency,
		company_currency,
		flt(invoice.conversion_rate) or 1.0,
	)


def _refuse(problem: str, promise: Document, invoices, chaseable: float, amount) -> None:
	what = promise.sales_invoice or promise.collection_case
	if problem == promise_core.IN_THE_PAST:
		frappe.throw(
			_("The promise date {0} is in the past: a promise to pay must be for today or later.").format(
				formatdate(promise.promise_date)
			),
			title=_("Invalid Promise Date"),
		)
	if problem == promise_core.NOTHING_TO_PROMISE:
		frappe.throw(
			_(
				"All that {0} still owes is disputed: resolve the dispute before recording a promise to pay."
			).format(what),
			title=_("Invoice Disputed"),
		)
	if problem == promise_core.NOT_POSITIVE:
		frappe.throw(
			_("The promised amount must be more than zero."),
			title=_("Invalid Amount"),
		)
	frappe.throw(
		_(
			"The promised amount {0} is more than the {1} that can still be chased of {2} (its outstanding less open disputes)."
		).format(
			fmt_money(amount, currency=promise.currency),
			fmt_money(chaseable, currency=promise.currency),
			what,
		),
		title=_("Amount Too High"),
	)


def _replace_older_promises(promise: Document, invoices: list[str]) -> None:
	"""An older Open promise on any of these invoices is replaced by the new one (Cancelled): the
	customer agreed a new date; the old promise is kept, not judged."""
	ptp, row = frappe.qb.DocType(PROMISE_TO_PAY), frappe.qb.DocType("Promise to Pay Invoice")
	older = (
		frappe.qb.from_(ptp)
		.join(row)
		.on((row.parent == ptp.name) & (row.parenttype == PROMISE_TO_PAY))
		.select(ptp.name)
		.distinct()
		.where(
			(ptp.status == promise_core.OPEN) & (ptp.name != promise.name) & row.sales_invoice.isin(invoices)
		)
	).run(pluck=True)
	if not older:
		return
	frappe.qb.update(ptp).set(ptp.status, promise_core.CANCELLED).set(ptp.modified, frappe.utils.now()).where(
		ptp.name.isin(older)
	).run()
	for name in older:
		comment(PROMISE_TO_PAY, name, _("Replaced by the new promise {0}.").format(promise.name))


def _set_invoice_promise(invoices: list[str], promise_date) -> None:
	"""The invoices pause until the promised date (the app's own write of sealed fields)."""
	invoice = frappe.qb.DocType("Sales Invoice")
	(
		frappe.qb.update(invoice)
		.set(invoice.promise_to_pay_date, promise_date)
		.set(invoice.collection_status, core.PROMISE_TO_PAY)
		.set(invoice.modified, frappe.utils.now())  # a re-run the same day evaluates them again
		.where(invoice.name.isin(invoices) & (invoice.disputed == 0))
	).run()


# --- judging --------------------------------------------------------------------------------


def judge_due_promises(company: str, today) -> None:
	"""Judge every Open promise of `company` whose promise date plus O2C Settings
	`promise_tolerance_days` has passed: Kept, Partially Kept or Broken from the payments allocated
	to its invoices after it was made and by the end of the tolerance. A promise is judged once
	(its row is locked and must still be Open); judged late, it is judged as on its day. A broken
	promise escalates once; the invoices are chased again for what is unpaid. The caller commits."""
	today = getdate(today)
	tolerance = tolerance_days()
	due_by = promise_core.latest_promise_date_due(today, tolerance)
	while True:
		promises = _lock_due_promises(company, due_by)
		if not promises:
			return
		_judge(promises, tolerance, today)
		if len(promises) < JUDGE_CHUNK:
			return


def tolerance_days() -> int:
	value = frappe.db.get_single_value("O2C Settings", "promise_tolerance_days")
	return max(cint(value), 0) if value is not None else 3


def _lock_due_promises(company: str, due_by) -> list[frappe._dict]:
	ptp = frappe.qb.DocType(PROMISE_TO_PAY)
	return (
		frappe.qb.from_(ptp)
		.select(
			ptp.name,
			ptp.customer,
			ptp.company,
			ptp.currency,
			ptp.promise_date,
			ptp.promised_amount,
			ptp.creation,
		)
		.where((ptp.company == company) & (ptp.status == promise_core.OPEN) & (ptp.promise_date <= due_by))
		.orderby(ptp.promise_date)
		.orderby(ptp.name)
		.limit(JUDGE_CHUNK)
		.for_update()
	).run(as_dict=True)


def _judge(promises: list[frappe._dict], tolerance: int, today: datetime.date) -> None:
	names = [promise.name for promise in promises]
	covered = _covered_by(names)
	invoices = sorted({invoice for rows in covered.values() for invoice in rows})
	paid = _paid_after(promises, covered, tolerance)
	broken = []
	paid_field = frappe.get_meta(PROMISE_TO_PAY).get_field("paid_amount")
	for promise in promises:
		paid_amount = flt(paid.get(promise.name), get_field_precision(paid_field, promise))
		status = promise_core.outcome(flt(promise.promised_amount), paid_amount)
		frappe.db.set_value(
			PROMISE_TO_PAY,
			promise.name,
			{"status": status, "paid_amount": paid_amount, "judged_on": today},
		)
		if status == promise_core.BROKEN:
			broken.append(promise)
	_resume_chasing(invoices)
	for promise in broken:
		escalate(
			promise.customer,
			promise.company,
			_("Promise {0} to pay {1} by {2} was broken: nothing was paid.").format(
				promise.name,
				fmt_money(promise.promised_amount, currency=promise.currency),
				formatdate(promise.promise_date),
			),
			PROMISE_TO_PAY,
			promise.name,
		)
	for customer, company in sorted({(promise.customer, promise.company) for promise in promises}):
		refresh_case(customer, company)


def _covered_by(promises: list[str]) -> dict[str, list[str]]:
	row = frappe.qb.DocType("Promise to Pay Invoice")
	covered: dict[str, list[str]] = defaultdict(list)
	for parent, invoice in (
		frappe.qb.from_(row)
		.select(row.parent, row.sales_invoice)
		.where((row.parenttype == PROMISE_TO_PAY) & row.parent.isin(promises))
	).run():
		covered[parent].append(invoice)
	return covered


def _paid_after(
	promises: list[frappe._dict], covered: dict[str, list[str]], tolerance: int
) -> dict[str, float]:
	"""What was allocated to each promise's invoices (Payment Ledger: payments, journal entries,
	credit notes; cancelled ones are delinked) after the promise was made and by the last day of
	its tolerance, in the promise's (the invoices') currency. One query for all of them."""
	invoices = sorted({invoice for rows in covered.values() for invoice in rows})
	if not invoices:
		return {}
	ple = frappe.qb.DocType("Payment Ledger Entry")
	si = frappe.qb.DocType("Sales Invoice")
	since = min(get_datetime(promise.creation) for promise in promises)
	rows = (
		frappe.qb.from_(ple)
		.join(si)
		.on(si.name == ple.against_voucher_no)
		.select(
			ple.against_voucher_no.as_("invoice"),
			ple.amount_in_account_currency.as_("amount"),
			ple.posting_date,
			ple.creation,
			si.currency,
			si.party_account_currency,
			si.company,
			si.conversion_rate,
		)
		.where(
			(ple.against_voucher_type == "Sales Invoice")
			& ple.against_voucher_no.isin(invoices)
			& (ple.voucher_no != ple.against_voucher_no)
			& (ple.delinked == 0)
			& (ple.creation >= since)
		)
	).run(as_dict=True)
	by_invoice: dict[str, list] = defaultdict(list)
	for row in rows:
		by_invoice[row.invoice].append(row)
	paid: dict[str, float] = {}
	for promise in promises:
		made = get_datetime(promise.creation)
		last_day = promise_core.last_counting_day(getdate(promise.promise_date), tolerance)
		paid[promise.name] = sum(
			currencies_of(row).to_invoice(-flt(row.amount))
			for invoice in covered.get(promise.name, ())
			for row in by_invoice.get(invoice, ())
			if get_datetime(row.creation) >= made and getdate(row.posting_date) <= last_day
		)
	return paid


def _resume_chasing(invoices: list[str]) -> None:
	"""Judged promises no longer pause their invoices (unless another open promise covers one)."""
	if not invoices:
		return
	ptp, row = frappe.qb.DocType(PROMISE_TO_PAY), frappe.qb.DocType("Promise to Pay Invoice")
	still_promised = set(
		(
			frappe.qb.from_(row)
			.join(ptp)
			.on(ptp.name == row.parent)
			.select(row.sales_invoice)
			.where(
				(row.parenttype == PROMISE_TO_PAY)
				& (ptp.status == promise_core.OPEN)
				& row.sales_invoice.isin(invoices)
			)
		).run(pluck=True)
	)
	free = [invoice for invoice in invoices if invoice not in still_promised]
	if not free:
		return
	invoice = frappe.qb.DocType("Sales Invoice")
	frappe.qb.update(invoice).set(invoice.promise_to_pay_date, None).set(
		invoice.modified, frappe.utils.now()
	).where(invoice.name.isin(free)).run()
	settlement.refresh_statuses(free)


# --- the Collection Case (A's cases.py; skipped while it does not exist) ---------------------


def refresh_case(customer: str, company: str) -> str | None:
	cases = _cases()
	return cases.refresh_case(customer, company) if cases else None


def escalate(customer: str, company: str, reason: str, reference_doctype=None, reference_name=None):
	cases = _cases()
	if cases is None:
		return None
	return cases.escalate(customer, company, reason, reference_doctype, reference_name)


def _cases():
	try:
		from o2c_extension.collections import cases
	except ImportError:
		return None
	return cases


# --- input ----------------------------------------------------------------------------------


def parse_promise_date(value) -> datetime.date:
	"""The promise date as a date: a date, or text in YYYY-MM-DD (a time after it is ignored)."""
	if isinstance(value, datetime.datetime):
		return value.date()
	if isinstance(value, datetime.date):
		return value
	text = value.strip() if isinstance(value, str) else ""
	if not text:
		frappe.throw(_("Enter the date the customer promised to pay by."), title=_("Missing Promise Date"))
	try:
		# reads every form date.fromisoformat reads, and the same with a time
		return datetime.datetime.fromisoformat(text).date()
	except ValueError:
		frappe.throw(
			_("{0} is not a valid promise date (use YYYY-MM-DD).").format(
				frappe.bold(escape_html(text[:40]))
			),
			title=_("Invalid Promise Date"),
		)


def parse_amount(value) -> float | None:
	"""An amount typed in: None when not given, else a number (refused when it is not one)."""
	if value is None or (isinstance(value, str) and not value.strip()):
		return None
	if isinstance(value, bool) or not isinstance(value, int | float | str):
		frappe.throw(_("The amount must be a number."), title=_("Invalid Amount"))
	try:
		number = float(value)
	except ValueError:
		frappe.throw(
			_("{0} is not a valid amount.").format(frappe.bold(escape_html(str(value)[:40]))),
			title=_("Invalid Amount"),
		)
	if number != number or number in (float("inf"), float("-inf")):
		frappe.throw(_("The amount must be a number."), title=_("Invalid Amount"))
	return number


def _clean_note(note) -> str | None:
	if not isinstance(note, str) or not note.strip():
		return None
	if len(note) > MAX_NOTE_LENGTH:
		frappe.throw(
			_("The note is too long: at most {0} characters.").format(MAX_NOTE_LENGTH),
			title=_("Note Too Long"),
		)
	return plain_text(note)
