"""The vocabulary of the Scheduling capability: schedule lines, the customer's release lines and
the statuses and types they carry. Pure: no frappe import, no database.

Two words are kept apart everywhere in this module: the customer's **release** (what it says it
needs, per item and date: a CSV, a REST call, an EDIFACT DELFOR / DELJIT message) and our
**call-off** (the Sales Orders we make from Firm Open schedule lines). A schedule line's
`called_off_qty` is what our orders took of it.
"""

from dataclasses import dataclass
from datetime import date

FIRM = "Firm"
FORECAST = "Forecast"
LINE_TYPES = (FIRM, FORECAST)

# a customer release: a delivery schedule (DELFOR) or a just-in-time call (DELJIT)
FORECAST_RELEASE = "Forecast"
JIT_RELEASE = "JIT"
RELEASE_TYPES = (FORECAST_RELEASE, JIT_RELEASE)

# schedule line status
OPEN = "Open"
RELEASED = "Released"  # called off: a Sales Order carries the line
DELIVERED = "Delivered"
CANCELLED = "Cancelled"

# agreement status
DRAFT = "Draft"
ACTIVE = "Active"
COMPLETED = "Completed"
EXPIRED = "Expired"
AGREEMENT_CANCELLED = "Cancelled"

DEFAULT_PRECISION = 6

# The largest quantity one schedule or release line may carry, and one item may total over an
# agreement's schedule or a release. Quantities are stored in Frappe Float columns, DECIMAL(21,9):
# below 10**12. A billion units per item leaves a thousandfold margin for the sums kept from them
# (released / delivered / billed quantities, a release's open quantity and delta per item) and is
# far beyond any real delivery schedule.
MAX_QTY = 1_000_000_000


def rounded(value: float, precision: int) -> float:
	return round(float(value or 0), precision)


@dataclass(frozen=True)
class ScheduleLine:
	"""A dated quantity of one item on an agreement's delivery schedule."""

	item_code: str
	schedule_date: date
	qty: float
	line_type: str = FIRM
	status: str = OPEN
	name: str | None = None
	called_off_qty: float = 0.0
	delivered_qty: float = 0.0
	release_type: str = FORECAST_RELEASE
	schedule_release: str | None = None  # the release that set the line as it stands

	@property
	def key(self) -> tuple[str, date]:
		return (self.item_code, self.schedule_date)

	@property
	def committed_qty(self) -> float:
		"""What our call-off has already made of this line into orders."""
		if self.status not in (RELEASED, DELIVERED):
			return 0.0
		return max(self.called_off_qty, self.delivered_qty) or self.qty


@dataclass(frozen=True)
class CustomerReleaseLine:
	"""One line of a customer's release: its remaining need of an item on a date."""

	item_code: str
	schedule_date: date
	qty: float
	line_type: str = FIRM

	@property
	def key(self) -> tuple[str, date]:
		return (self.item_code, self.schedule_date)


def sort_schedule(lines):
	return sorted(lines, key=lambda line: (line.schedule_date, line.item_code, line.line_type))
