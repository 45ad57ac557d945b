"""Call-off planning: which Firm, Open schedule lines become which Sales Order. Pure."""

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta

from o2c_extension.scheduling.schedule_lines import FIRM, OPEN


@dataclass(frozen=True)
class DueLine:
	agreement: str
	name: str
	item_code: str
	schedule_date: date
	qty: float
	line_type: str = FIRM
	status: str = OPEN


@dataclass(frozen=True)
class PlannedOrder:
	agreement: str
	schedule_date: date
	lines: tuple[DueLine, ...]


def call_off_horizon(today: date, horizon_days: int) -> date:
	return today + timedelta(days=max(int(horizon_days or 0), 0))


def plan_call_off(
	lines: list[DueLine], horizon_days: dict[str, int], already_ordered: set[str], today: date
) -> list[PlannedOrder]:
	"""One order per agreement and schedule date for the Firm, Open lines due within the horizon
	that no submitted order carries yet. Agreements missing from `horizon_days` are not called off."""
	groups: dict[tuple[str, date], list[DueLine]] = defaultdict(list)
	for line in lines:
		if (
			line.agreement in horizon_days
			and line.status == OPEN
			and line.line_type == FIRM
			and line.qty > 0
			and line.name not in already_ordered
			and line.schedule_date <= call_off_horizon(today, horizon_days[line.agreement])
		):
			groups[(line.agreement, line.schedule_date)].append(line)
	return [
		PlannedOrder(
			agreement, schedule_date, tuple(sorted(group, key=lambda line: (line.item_code, line.name)))
		)
		for (agreement, schedule_date), group in sorted(groups.items())
	]
