"""Checks on Sales Orders made against scheduling agreements, by the call-off or by hand."""

from collections import defaultdict

import frappe
from frappe import _
from frappe.utils import flt

from o2c_extension.scheduling.cumulatives import read_flows
from o2c_extension.scheduling.db import CREDIT_REJECTED, SCHEDULE_LINE, live_order, qty_precision
from o2c_extension.scheduling.locks import lock_agreements, record_released
from o2c_extension.scheduling.schedule_lines import AGREEMENT_CANCELLED, DRAFT, EXPIRED
from o2c_extension.scheduling.tolerance import check_tolerance


class OverReleaseError(frappe.ValidationError):
	"""A Sales Order would take an item past the agreement's quantity plus tolerance."""


class LineOrderedTwiceError(frappe.ValidationError):
	"""A Sales Order would release a schedule line another live order already released."""


# a Sales Order status: the order releases only what it delivered (cumulatives.read_flows)
CLOSED = "Closed"

# agreements in these states take no new orders
CLOSED_FOR_ORDERS = (DRAFT, EXPIRED, AGREEMENT_CANCELLED)


def link_rows_to_agreement(doc) -> None:
	"""Header and rows agree: a header agreement applies to the rows of its items, and rows
	against an agreement put it on the header (for the agreement's dashboard)."""
	if doc.get("scheduling_agreement"):
		unlinked = [row for row in doc.items if not row.get("scheduling_agreement")]
		if unlinked:
			items = set(
				frappe.get_all(
					"Scheduling Agreement Item",
					filters={"parent": doc.scheduling_agreement},
					pluck="item_code",
				)
			)
			for row in unlinked:
				if row.item_code in items:
					row.scheduling_agreement = doc.scheduling_agreement
	if not doc.get("scheduling_agreement"):
		doc.scheduling_agreement = next(
			(row.scheduling_agreement for row in doc.items if row.get("scheduling_agreement")), None
		)


def take_over_amended_lines(doc) -> None:
	"""An amendment of a cancelled call-off order is that order again: its rows against the
	agreement take the schedule lines of the amended order's rows (same agreement and item, in
	row order), so the lines are released once, by the amendment. The links are the app's to set:
	what the form or a REST call sent is not read (sealed_fields.py). Whether a line may still be
	released is checked with every other order (`_refuse_lines_ordered_twice`)."""
	if not doc.get("amended_from") or doc.docstatus == 2:
		return
	rows = [row for row in doc.items if row.get("scheduling_agreement") and not row.get("schedule_line")]
	if not rows:
		return
	lines = defaultdict(list)
	for source in frappe.get_all(
		"Sales Order Item",
		filters={"parent": doc.amended_from, "parenttype": "Sales Order", "schedule_line": ("is", "set")},
		fields=["scheduling_agreement", "item_code", "schedule_line"],
		order_by="idx",
	):
		lines[(source.scheduling_agreement, source.item_code)].append(source.schedule_line)
	taken = {row.schedule_line for row in doc.items if row.get("schedule_line")}
	for row in rows:
		free = [line for line in lines[(row.scheduling_agreement, row.item_code)] if line not in taken]
		if free:
			row.schedule_line = free[0]
			taken.add(free[0])


def validate_sales_order(doc, tolerance: bool = True) -> None:
	"""Refuse rows against an agreement that is not open for orders, of another customer or
	company, for items or schedule lines not on it, or (with `tolerance`) beyond its tolerance.

	This tolerance check takes no lock: it answers a draft early. What a submitted order releases
	is checked by `check_tolerance_locked`."""
	rows = [row for row in doc.items if row.get("scheduling_agreement")]
	if not rows:
		return
	names = tuple(sorted({row.scheduling_agreement for row in rows}))
	agreements = {
		row.name: row
		for row in frappe.db.sql(
			"""select name, docstatus, status, customer, company, tolerance_percent
			from `tabScheduling Agreement` where name in %(names)s""",
			{"names": names},
			as_dict=True,
		)
	}
	agreement_items = defaultdict(dict)
	for row in frappe.db.sql(
		"""select parent, item_code, agreed_qty, conversion_factor
		from `tabScheduling Agreement Item` where parent in %(names)s""",
		{"names": names},
		as_dict=True,
	):
		agreement_items[row.parent][row.item_code] = row
	line_names = tuple({row.schedule_line for row in rows if row.get("schedule_line")})
	lines = {}
	if line_names:
		lines = {
			row.name: row
			for row in frappe.db.sql(
				"""select name, parent, item_code from `tabScheduling Agreement Schedule Line`
				where name in %(names)s""",
				{"names": line_names},
				as_dict=True,
			)
		}

	for row in rows:
		agreement = agreements.get(row.scheduling_agreement)
		_check_agreement_open(doc, row, agreement)
		item = agreement_items[agreement.name].get(row.item_code)
		if not item:
			frappe.throw(
				_("Row {0}: Item {1} is not on Scheduling Agreement {2}.").format(
					row.idx, frappe.bold(row.item_code), agreement.name
				),
				title=_("Not on the Agreement"),
			)
		if row.get("schedule_line"):
			line = lines.get(row.schedule_line)
			if not line or line.parent != agreement.name or line.item_code != row.item_code:
				frappe.throw(
					_(
						"Row {0}: Schedule line {1} is not a line of item {2} on Scheduling Agreement {3}."
					).format(row.idx, row.schedule_line, frappe.bold(row.item_code), agreement.name),
					title=_("Wrong Schedule Line"),
				)
	_refuse_lines_ordered_twice(doc, rows)
	if tolerance:
		_check_tolerance(doc, agreements, agreement_items, _requested(rows))


def check_tolerance_locked(doc) -> None:
	"""The tolerance check of an order that releases quantities now (submitted, items updated after
	submit, re-opened), holding the agreements' locks until the transaction ends, so two orders
	submitted at the same moment cannot both pass a limit that together they exceed. What passes is
	added to the agreements' release tallies for concurrent checks to see (locks.py).

	Call it after ERPNext's own on_submit (from a doc event): ERPNext locks stock rows (Bins) there,
	and a Delivery Note takes Bins before the agreement too."""
	rows = [row for row in doc.items if row.get("scheduling_agreement")]
	if not rows:
		return
	locked = lock_agreements({row.scheduling_agreement for row in rows})
	# under the lock: an order committed meanwhile for the same line is seen now
	_refuse_lines_ordered_twice(doc, rows, locked=True)
	agreements = {
		row.name: row
		for row in frappe.db.sql(
			"select name, tolerance_percent from `tabScheduling Agreement` where name in %(names)s",
			{"names": tuple({agreement for agreement, _item in locked})},
			as_dict=True,
		)
	}
	agreement_items = defaultdict(dict)
	unseen = defaultdict(dict)
	for (agreement, item_code), row in locked.items():
		agreement_items[agreement][item_code] = row
		unseen[agreement][item_code] = row.unseen
	requested = {
		agreement: {code: qty for code, qty in quantities.items() if code in agreement_items[agreement]}
		for agreement, quantities in _requested(rows).items()
		if agreement in agreements
	}
	_check_tolerance(doc, agreements, agreement_items, requested, unseen)

	before = _released_before(doc)
	record_released(
		{
			agreement_items[agreement][code].name: (qty - before.get((agreement, code), 0.0))
			/ (flt(agreement_items[agreement][code].conversion_factor) or 1.0)
			for agreement, quantities in requested.items()
			for code, qty in quantities.items()
		}
	)


def _refuse_lines_ordered_twice(doc, rows, locked: bool = False) -> None:
	"""A schedule line is called off once: refuse an order that names a line twice, or a line that
	another live order (submitted, credit not rejected) already carries, as a duplicate, an
	amendment or a second call-off would.

	`locked` (the agreement's lock held): the lines are read with a locking read, which sees what
	transactions committed after this one's snapshot; an order the snapshot does not show yet is
	taken to be live."""
	rows = [row for row in rows if row.get("schedule_line")]
	if not rows:
		return
	first_row = {}
	for row in rows:
		if row.schedule_line in first_row:
			frappe.throw(
				_(
					"Rows {0} and {1} both call off schedule line {2}; a schedule line is called off once."
				).format(first_row[row.schedule_line], row.idx, row.schedule_line),
				title=_("Schedule Line Ordered Twice"),
				exc=LineOrderedTwiceError,
			)
		first_row[row.schedule_line] = row.idx
	values = {"lines": tuple(first_row), "order": doc.name or "", "credit_rejected": CREDIT_REJECTED}
	taken = dict(
		frappe.db.sql(
			f"""select soi.schedule_line, max(so.name) from `tabSales Order Item` soi
			join `tabSales Order` so on so.name = soi.parent
			where soi.schedule_line in %(lines)s and so.name != %(order)s and {live_order()}
			group by soi.schedule_line""",
			values,
		)
	)
	if locked:
		latest = dict(
			frappe.db.sql(
				f"""select name, sales_order from `tab{SCHEDULE_LINE}`
				where name in %(lines)s and ifnull(sales_order, '') not in ('', %(order)s) for update""",
				values,
			)
		)
		not_live = set(
			frappe.db.sql_list(
				f"select so.name from `tabSales Order` so where so.name in %(orders)s and not {live_order()}",
				{"orders": tuple(set(latest.values())) or ("",), "credit_rejected": CREDIT_REJECTED},
			)
		)
		taken.update({line: order for line, order in latest.items() if order not in not_live})
	replanned = _replanned(first_row) if doc.get("amended_from") else {}
	for row in rows:
		if row.schedule_line in replanned:
			frappe.throw(
				_(
					"Row {0}: a later customer release planned the date of schedule line {1} of Scheduling "
					"Agreement {2} again (line {3}), so this amendment would order it twice; the call-off "
					"orders that line."
				).format(row.idx, row.schedule_line, row.scheduling_agreement, replanned[row.schedule_line]),
				title=_("Schedule Line Ordered Twice"),
				exc=LineOrderedTwiceError,
			)
		if row.schedule_line in taken:
			frappe.throw(
				_(
					"Row {0}: schedule line {1} of Scheduling Agreement {2} is already ordered by Sales Order "
					"{3}; a schedule line is called off once."
				).format(row.idx, row.schedule_line, row.scheduling_agreement, taken[row.schedule_line]),
				title=_("Schedule Line Ordered Twice"),
				exc=LineOrderedTwiceError,
			)


def _replanned(lines) -> dict[str, str]:
	"""Of Cancelled `lines` (an amendment's), those whose date a customer release planned again
	since: another line of the item and date that is not Cancelled. Releasing both would order the
	date twice. Returns {line: the newer line}."""
	return dict(
		frappe.db.sql(
			f"""select old.name, min(new.name)
			from `tab{SCHEDULE_LINE}` old
			join `tab{SCHEDULE_LINE}` new on new.parent = old.parent and new.item_code = old.item_code
				and new.schedule_date = old.schedule_date and new.name != old.name
			where old.name in %(lines)s and old.status = 'Cancelled' and new.status != 'Cancelled'
			group by old.name""",
			{"lines": tuple(lines)},
		)
	)


def _requested(rows) -> dict[str, dict[str, float]]:
	"""Per agreement and item, the stock quantity the rows release."""
	requested = defaultdict(lambda: defaultdict(float))
	for row in rows:
		# qty × factor, not stock_qty: an update after submit may not have refreshed stock_qty yet
		requested[row.scheduling_agreement][row.item_code] += flt(row.qty) * flt(row.conversion_factor or 1)
	return requested


def _released_before(doc) -> dict[tuple[str, str], float]:
	"""Per (agreement, item), the stock quantity a re-opened order released while it was Closed:
	what it delivered (see cumulatives.read_flows). Otherwise nothing: an order being submitted
	released nothing before, and when items are updated after submit ERPNext writes the new rows
	before the order's own save, so the old quantities cannot be read any more; counting the whole
	order again only makes a concurrent check more careful."""
	before = doc.get_doc_before_save()
	released = defaultdict(float)
	if not before or before.docstatus != 1 or before.status != CLOSED:
		return released
	for row in before.items:
		if row.get("scheduling_agreement"):
			released[(row.scheduling_agreement, row.item_code)] += flt(row.delivered_qty) * flt(
				row.conversion_factor or 1
			)
	return released


def _check_agreement_open(doc, row, agreement) -> None:
	if not agreement:
		frappe.throw(
			_("Row {0}: Scheduling Agreement {1} does not exist.").format(row.idx, row.scheduling_agreement)
		)
	if agreement.docstatus != 1 or agreement.status in CLOSED_FOR_ORDERS:
		frappe.throw(
			_("Scheduling Agreement {0} is {1}: no Sales Orders can be made against it.").format(
				agreement.name, _(agreement.status)
			),
			title=_("Agreement Not Active"),
		)
	if agreement.customer != doc.customer or agreement.company != doc.company:
		frappe.throw(
			_("Scheduling Agreement {0} belongs to customer {1} of company {2}.").format(
				agreement.name, agreement.customer, agreement.company
			),
			title=_("Wrong Agreement"),
		)


def _check_tolerance(doc, agreements, agreement_items, requested, unseen=None) -> None:
	"""`requested` in stock units per agreement and item; `unseen` what concurrent transactions
	released that this one cannot see yet, per agreement and item (agreement UOM)."""
	precision = qty_precision()
	# what other submitted orders already released; this order itself is counted once, as requested
	flows = read_flows(list(requested), exclude_order=doc.name, orders_only=True)
	problems = []
	for name, quantities in requested.items():
		items = agreement_items[name]
		factor = {code: flt(item.conversion_factor) or 1.0 for code, item in items.items()}
		released = defaultdict(float, (unseen or {}).get(name) or {})
		for flow in flows[name]:
			if flow.item_code in factor:
				released[flow.item_code] += flow.called_off / factor[flow.item_code]
		breaches = check_tolerance(
			{code: qty / factor[code] for code, qty in quantities.items()},
			{code: flt(item.agreed_qty) for code, item in items.items()},
			released,
			flt(agreements[name].tolerance_percent),
			precision,
		)
		problems += [
			_(
				"Item {0} on Scheduling Agreement {1}: agreed {2}, already released {3}, requested {4}; "
				"at most {5} may be released (tolerance {6}%)."
			).format(
				frappe.bold(breach.item_code),
				name,
				flt(breach.agreed_qty, precision),
				flt(breach.already_released, precision),
				flt(breach.requested, precision),
				flt(breach.limit, precision),
				flt(agreements[name].tolerance_percent),
			)
			for breach in breaches
		]
	if problems:
		frappe.throw("<br>".join(problems), title=_("Over the Agreed Quantity"), exc=OverReleaseError)
