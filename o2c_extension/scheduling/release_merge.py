"""A customer's release merged into the agreement's schedule, by cumulative quantity, and undone.

Pure: no frappe import, no database. The document layer reads the schedule and the cumulative
position per item, calls `merge_release` and writes what it returns.

Cumulative reconciliation, as SAP's delivery schedules do it: a release lists the customer's
remaining need after what it has received. Per item, the cumulative need up to a line is the
customer's cumulative received quantity plus the release's quantities up to that line, earliest
first. What our call-off has already ordered since the cumulative reset is matched against that
need whatever the dates; only what exceeds it becomes Open lines. A line the customer moved to
another date, or split, is therefore never ordered twice, and a release that lowers the need below
what is already ordered reports the item as over-released by the difference.

JIT and Forecast: a JIT release (DELJIT) replaces the Open lines of its items inside its own date
range only; a Forecast release (DELFOR) replaces the other Open lines and leaves the Open lines of
the latest JIT release inside that release's range alone, counting the JIT's need there instead of
its own forecast of those dates.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

from o2c_extension.scheduling.schedule_lines import (
	CANCELLED,
	DEFAULT_PRECISION,
	FIRM,
	FORECAST_RELEASE,
	JIT_RELEASE,
	OPEN,
	CustomerReleaseLine,
	ScheduleLine,
	rounded,
	sort_schedule,
)

# what a release did to a schedule line
ADDED = "Added"
CHANGED = "Changed"
REMOVED = "Removed"


@dataclass(frozen=True)
class ItemPosition:
	"""Where an item stands since the agreement's cumulative reset date.

	`received_qty`: the customer's cumulative received quantity (from the release), or our
	cumulative delivered quantity when the release gives none. `called_off_qty`: what our
	Sales Orders took of the item (at least what was delivered)."""

	received_qty: float = 0.0
	called_off_qty: float = 0.0


@dataclass(frozen=True)
class JitWindow:
	"""The latest applied JIT release of an agreement: its date range and its need per item there."""

	start: date
	end: date
	need: dict[str, list[tuple[date, float]]] = field(default_factory=dict)

	def covers(self, item_code: str, schedule_date: date) -> bool:
		return item_code in self.need and self.start <= schedule_date <= self.end


@dataclass(frozen=True)
class LineChange:
	change_type: str  # ADDED / CHANGED / REMOVED
	item_code: str
	schedule_date: date
	old_qty: float
	new_qty: float
	old_line_type: str | None
	new_line_type: str | None
	line_name: str | None  # the schedule line changed or removed; None for a line still to be added
	# what a cancel gives back to a changed or removed line besides its quantity and line type
	old_release_type: str | None = None
	old_schedule_release: str | None = None


@dataclass
class ReleaseMerge:
	"""The agreement's schedule after a release, and what the release changed.

	`kept` are the lines the release may not touch (Released, Delivered, Cancelled); the new open
	schedule is `unchanged` + the new side of `changed` + `added`. `unchanged` includes the Open
	lines a release leaves alone (outside a JIT release's range, a JIT's lines under a Forecast).
	"""

	release_type: str = FORECAST_RELEASE
	kept: list[ScheduleLine] = field(default_factory=list)
	unchanged: list[ScheduleLine] = field(default_factory=list)
	changed: list[tuple[ScheduleLine, ScheduleLine]] = field(default_factory=list)
	added: list[ScheduleLine] = field(default_factory=list)
	removed: list[ScheduleLine] = field(default_factory=list)
	# item -> (open qty before, open qty after)
	item_deltas: dict[str, tuple[float, float]] = field(default_factory=dict)
	# item -> what is already called off beyond the customer's cumulative need
	over_released: dict[str, float] = field(default_factory=dict)
	# item -> (cumulative received or delivered the need started from, cumulative need at the end)
	cumulative_need: dict[str, tuple[float, float]] = field(default_factory=dict)

	@property
	def open_lines(self) -> list[ScheduleLine]:
		return [*self.unchanged, *(new for _old, new in self.changed), *self.added]

	@property
	def lines(self) -> list[ScheduleLine]:
		return sort_schedule([*self.kept, *self.open_lines])

	@property
	def has_changes(self) -> bool:
		return bool(self.changed or self.added or self.removed)

	@property
	def changes(self) -> list[LineChange]:
		rows = [
			LineChange(
				ADDED, line.item_code, line.schedule_date, 0.0, line.qty, None, line.line_type, line.name
			)
			for line in self.added
		]
		rows += [
			LineChange(
				CHANGED,
				old.item_code,
				old.schedule_date,
				old.qty,
				new.qty,
				old.line_type,
				new.line_type,
				old.name,
				old.release_type,
				old.schedule_release,
			)
			for old, new in self.changed
		]
		rows += [
			LineChange(
				REMOVED,
				line.item_code,
				line.schedule_date,
				line.qty,
				0.0,
				line.line_type,
				None,
				line.name,
				line.release_type,
				line.schedule_release,
			)
			for line in self.removed
		]
		return sorted(rows, key=lambda change: (change.schedule_date, change.item_code, change.change_type))


def derived_positions(current: list[ScheduleLine]) -> dict[str, ItemPosition]:
	"""The position the schedule itself shows (delivered and called off on its lines), for callers
	that know nothing more; the document layer passes the position of the submitted documents."""
	received: dict[str, float] = defaultdict(float)
	called_off: dict[str, float] = defaultdict(float)
	for line in current:
		if line.status not in (OPEN, CANCELLED):
			received[line.item_code] += line.delivered_qty
			called_off[line.item_code] += line.committed_qty
	return {item: ItemPosition(received[item], called_off[item]) for item in called_off}


def merge_release(
	current: list[ScheduleLine],
	release: list[CustomerReleaseLine],
	precision: int = DEFAULT_PRECISION,
	release_type: str = FORECAST_RELEASE,
	positions: dict[str, ItemPosition] | None = None,
	jit: JitWindow | None = None,
) -> ReleaseMerge:
	"""The schedule after `release`, reconciled by cumulative quantity (see the module docstring).

	`positions` per item (missing items: what the schedule's own lines show); `jit` the latest
	applied JIT release, which a Forecast release leaves alone inside its range."""
	merge = ReleaseMerge(release_type=release_type)
	if positions is None:
		positions = derived_positions(current)

	wanted_qty: dict[tuple[str, date], float] = defaultdict(float)
	wanted_type: dict[tuple[str, date], str] = {}
	for line in release:
		wanted_qty[line.key] += line.qty
		# a date that is firm on any line of the release is firm
		if wanted_type.get(line.key) != FIRM:
			wanted_type[line.key] = line.line_type
	release_items = {item for item, _date in wanted_qty}

	if release_type == JIT_RELEASE and wanted_qty:
		start = min(day for _item, day in wanted_qty)
		end = max(day for _item, day in wanted_qty)

		def replaceable(line: ScheduleLine) -> bool:
			return line.item_code in release_items and start <= line.schedule_date <= end
	else:
		start = end = None

		def replaceable(line: ScheduleLine) -> bool:
			return not (
				jit and line.release_type == JIT_RELEASE and jit.covers(line.item_code, line.schedule_date)
			)

	open_by_key: dict[tuple[str, date], list[ScheduleLine]] = defaultdict(list)
	for line in current:
		if line.status != OPEN:
			merge.kept.append(line)
		elif replaceable(line):
			open_by_key[line.key].append(line)
		else:
			merge.unchanged.append(line)

	# per item, the need in date order: (date, qty, line type, is a JIT need a Forecast leaves alone)
	needs: dict[str, list[tuple[date, float, str, bool]]] = defaultdict(list)
	for (item, day), qty in wanted_qty.items():
		if release_type != JIT_RELEASE and jit and jit.covers(item, day):
			continue  # the JIT release decides these dates
		needs[item].append((day, qty, wanted_type[(item, day)], False))
	if release_type != JIT_RELEASE and jit:
		for item, jit_lines in jit.need.items():
			if item in release_items:
				needs[item] += [(day, qty, FIRM, True) for day, qty in jit_lines]

	wanted_open: dict[tuple[str, date], tuple[float, str]] = {}
	for item in sorted(needs):
		position = positions.get(item) or ItemPosition()
		called_off = position.called_off_qty
		if release_type == JIT_RELEASE:
			# what was called off for dates after the JIT's range is no part of its need
			called_off -= sum(
				line.committed_qty
				for line in merge.kept
				if line.item_code == item and line.schedule_date > end
			)
		floor = max(called_off, position.received_qty)
		cumulative = position.received_qty
		for day, qty, line_type, protected in sorted(needs[item], key=lambda need: need[0]):
			before = cumulative
			cumulative += qty
			open_qty = rounded(cumulative - max(floor, before), precision)
			if open_qty > 0 and not protected:
				wanted_open[(item, day)] = (open_qty, line_type)
		merge.cumulative_need[item] = (
			rounded(position.received_qty, precision),
			rounded(cumulative, precision),
		)
		over = rounded(floor - cumulative, precision)
		if over > 0:
			merge.over_released[item] = over

	for key in sorted(wanted_open):
		open_qty, line_type = wanted_open[key]
		previous = open_by_key[key].pop(0) if open_by_key[key] else None
		if previous is None:
			merge.added.append(ScheduleLine(key[0], key[1], open_qty, line_type, release_type=release_type))
		elif (
			rounded(previous.qty, precision) == open_qty
			and previous.line_type == line_type
			and previous.release_type == release_type
		):
			merge.unchanged.append(previous)
		else:
			updated = ScheduleLine(
				key[0], key[1], open_qty, line_type, OPEN, previous.name, release_type=release_type
			)
			merge.changed.append((previous, updated))

	merge.removed = sort_schedule(line for lines in open_by_key.values() for line in lines)

	before: dict[str, float] = defaultdict(float)
	after: dict[str, float] = defaultdict(float)
	for line in current:
		if line.status == OPEN:
			before[line.item_code] += line.qty
	for line in merge.open_lines:
		after[line.item_code] += line.qty
	merge.item_deltas = {
		item: (rounded(before[item], precision), rounded(after[item], precision))
		for item in sorted(set(before) | set(after))
	}
	return merge


@dataclass
class RevertPlan:
	"""How to undo one release: lines to delete, to set back, and to put back, each as it was
	before the release (quantity, line type Firm / Forecast, release type, the release that set it).
	A release recorded before the release type was kept gives None: the line keeps its own."""

	delete: list[str] = field(default_factory=list)
	# line -> (qty, line_type, release_type or None, schedule_release or None)
	restore: dict[str, tuple[float, str, str | None, str | None]] = field(default_factory=dict)
	reinsert: list[ScheduleLine] = field(default_factory=list)
	conflicts: list[LineChange] = field(default_factory=list)


def plan_revert(
	current: list[ScheduleLine], changes: list[LineChange], precision=DEFAULT_PRECISION
) -> RevertPlan:
	"""Undo a release's changes, provided every line it added or changed is still Open as it left it."""
	plan = RevertPlan()
	by_name = {line.name: line for line in current if line.name}
	for change in changes:
		if change.change_type == REMOVED:
			plan.reinsert.append(
				ScheduleLine(
					change.item_code,
					change.schedule_date,
					change.old_qty,
					change.old_line_type or FIRM,
					OPEN,
					# its own name again: an earlier release's record of the line still names it
					name=change.line_name,
					release_type=change.old_release_type or FORECAST_RELEASE,
					schedule_release=change.old_schedule_release,
				)
			)
			continue
		line = by_name.get(change.line_name)
		as_left = (
			line is not None
			and line.status == OPEN
			and rounded(line.qty, precision) == rounded(change.new_qty, precision)
			and line.line_type == change.new_line_type
		)
		if not as_left:
			plan.conflicts.append(change)
		elif change.change_type == ADDED:
			plan.delete.append(line.name)
		else:
			plan.restore[line.name] = (
				change.old_qty,
				change.old_line_type or FIRM,
				change.old_release_type,
				change.old_schedule_release,
			)
	return plan
