"""UN/EDIFACT DELFOR and DELJIT (D96A, D97A) read into customer releases: no frappe, no database.

The interchange is parsed with pydifact (the maintained pure-Python EDIFACT reader OCA's Odoo EDI
modules use: it knows the UNA service string advice, release characters and composite elements,
and needs no message directory), then each message is mapped in `read_message` to a
`ReleaseMessage` as CONTRACT §1 says:

- `BGM` document number (1004) = release number; `DTM+137` = release date;
- `NAD+BY` party id = the customer; `RFF+ON` (in the header or a line's group) = the agreement's
  customer reference;
- `LIN` item number: the buyer's (`IN`) or, through `PIA`, the supplier's (`SA`) item code;
- `SCC` 1 = Firm, 4 = Forecast (DELJIT lines are Firm);
- `QTY+113` with the `DTM+2` / `DTM+10` after it = a schedule line; `QTY+70` = the customer's
  cumulative received quantity; `RFF+AAK` = the last delivery note it received.

A message that cannot be read becomes a `MessageError` with its message reference, a reason code
and the values for the sentence the caller translates (`ERRORS`); the other messages are still read.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

MESSAGE_TYPES = ("DELFOR", "DELJIT")
VERSIONS = ("D96A", "D97A")
FIRM = "Firm"
FORECAST = "Forecast"
# SCC 4343 (delivery plan commitment level): 1 firm, 4 planning/forecast; 2 (end of production)
# and 3 (end of raw material) authorise the supplier like a firm call
SCC_LINE_TYPES = {"1": FIRM, "2": FIRM, "3": FIRM, "4": FORECAST}
DATE_QUALIFIERS = ("2", "10")  # delivery date requested, shipment date requested

# reason code -> sentence with placeholders {0}, {1}..., translated by the caller
ERRORS = {
	# the interchange as a whole (nothing of it is read)
	"syntax": "The interchange cannot be read: {0}",
	"empty": "The interchange is empty.",
	"terminator": (
		"The interchange does not end with its segment terminator {0}: check the segment terminator "
		"(the UNA service string advice, or the apostrophe by default)."
	),
	"no_unb": "The interchange must start with a UNB segment (after an optional UNA); segment {0} is {1}.",
	"unh_without_unt": "Segment {0} ({1}): message {2} was not closed with a UNT segment.",
	"unt_without_unh": "Segment {0} (UNT): a UNT segment without a UNH segment before it.",
	"segment_after_unz": "Segment {0} ({1}) follows the UNZ segment that ends the interchange.",
	"outside_message": "Segment {0} ({1}) is outside any message (between UNH and UNT).",
	"no_messages": "The interchange holds no message (UNH ... UNT).",
	"unz_count": "The UNZ segment counts {0} messages; the interchange holds {1}.",
	# one message (the others are still read)
	"segment_count": "Message {0}: its UNT segment (segment {1}) counts {2} segments; the message has {3}.",
	"unt_reference": "Message {0}: its UNT segment (segment {1}) names message {2}.",
	"message_type": "Message {0} is a {1} message; only DELFOR and DELJIT are read.",
	"version": "Message {0} is of directory {1}; only D96A and D97A are read.",
	"release_no": "Message {0} has no document number in its BGM segment.",
	"release_date": "Message {0} has no readable document date (DTM+137).",
	"buyer": "Message {0} names no buyer (NAD+BY).",
	"item": "Message {0} has a line without an item number (LIN or PIA).",
	"quantity": "Message {0} has an unreadable quantity {1} for item {2}.",
	"negative_quantity": "Message {0} has a negative quantity {1} for item {2}.",
	"date": "Message {0} has an unreadable date {1} for item {2}.",
	"no_lines": "Message {0} has no schedule lines (QTY+113 with a date).",
}
# codes that refuse the whole interchange
INTERCHANGE_ERRORS = frozenset(
	(
		"syntax",
		"empty",
		"terminator",
		"no_unb",
		"unh_without_unt",
		"unt_without_unh",
		"segment_after_unz",
		"outside_message",
		"no_messages",
		"unz_count",
	)
)


@dataclass(frozen=True)
class ReleaseLine:
	buyer_item: str | None
	supplier_item: str | None
	line_type: str
	qty: Decimal
	schedule_date: date
	customer_reference: str | None = None


@dataclass(frozen=True)
class ItemStatement:
	"""What the customer says it has received of an item (QTY+70, RFF+AAK)."""

	buyer_item: str | None
	supplier_item: str | None
	cumulative_received_qty: Decimal | None = None
	last_delivery_note: str | None = None


@dataclass(frozen=True)
class ReleaseMessage:
	message_ref: str
	message_type: str
	version: str
	release_no: str
	release_date: date
	buyer: str
	customer_reference: str | None
	lines: tuple[ReleaseLine, ...]
	items: tuple[ItemStatement, ...] = ()
	raw: str = ""  # the message as received (UNH ... UNT), one segment a line

	@property
	def release_type(self) -> str:
		return "JIT" if self.message_type == "DELJIT" else "Forecast"


@dataclass(frozen=True)
class MessageError:
	message_ref: str
	code: str
	args: tuple = ()

	@property
	def sentence(self) -> str:
		return ERRORS[self.code]


@dataclass
class Interchange:
	messages: list[ReleaseMessage] = field(default_factory=list)
	errors: list[MessageError] = field(default_factory=list)


class MessageRejected(Exception):
	def __init__(self, code: str, *args):
		super().__init__(code, *args)
		self.code = code
		self.args_ = args


def read_interchange(content: str) -> Interchange:
	"""Every DELFOR / DELJIT message of an interchange, read or refused one by one. An interchange
	whose envelope is broken (segment terminator, UNB, UNH without UNT, ...) is refused whole: its
	one error has an empty message reference and a code in INTERCHANGE_ERRORS."""
	from pydifact.control import Characters
	from pydifact.parser import Parser
	from pydifact.serializer import Serializer

	result = Interchange()

	def refuse(code: str, *args) -> Interchange:
		result.messages.clear()
		result.errors[:] = [MessageError("", code, args)]
		return result

	text = (content or "").strip()
	if not text:
		return refuse("empty")
	una = text.startswith("UNA") and len(text) >= 9
	terminator = text[8] if una else "'"
	if not text.endswith(terminator) or (una and len(text) == 9):
		return refuse("terminator", terminator)
	characters = Characters.from_str(text[:9]) if una else Characters()
	try:
		with warnings.catch_warnings():
			# pydifact ships no service-segment directory to validate UNB/UNH against
			warnings.simplefilter("ignore")
			segments = [(s.tag, s.elements) for s in Parser().parse(text) if s.tag != "UNA"]
	except Exception as error:  # pydifact raises EDISyntaxError, ValueError, AssertionError...
		return refuse("syntax", str(error) or type(error).__name__)
	offset = 2 if una else 1  # segments are numbered from the first of the interchange
	if not segments or segments[0][0] != "UNB":
		return refuse("no_unb", offset, segments[0][0] if segments else "")

	serializer = Serializer(characters)
	message_count = 0
	current = None  # (position, reference, identifier, segments)
	for index, (tag, elements) in enumerate(segments[1:], start=1):
		position = index + offset
		if tag == "UNH":
			if current is not None:
				return refuse("unh_without_unt", position, tag, current[1])
			current = (position, _text(_element(elements, 0)) or "", _element(elements, 1), [])
		elif tag == "UNT":
			if current is None:
				return refuse("unt_without_unh", position)
			message_count += 1
			_start, reference, identifier, body = current
			current = None
			stated, actual = _text(_element(elements, 0)), len(body) + 2
			if stated != str(actual):
				result.errors.append(
					MessageError(reference, "segment_count", (reference, position, stated, actual))
				)
				continue
			if (_text(_element(elements, 1)) or "") != reference:
				result.errors.append(
					MessageError(
						reference, "unt_reference", (reference, position, _text(_element(elements, 1)))
					)
				)
				continue
			try:
				message = read_message(reference, identifier, body)
			except MessageRejected as rejected:
				result.errors.append(MessageError(reference, rejected.code, (reference, *rejected.args_)))
				continue
			raw = serializer.serialize(
				[
					_segment("UNH", [reference, identifier]),
					*(_segment(t, e) for t, e in body),
					_segment("UNT", elements),
				],
				with_una_header=False,
				break_lines=True,
			)
			result.messages.append(_with_raw(message, raw))
		elif tag == "UNZ":
			if current is not None:
				return refuse("unh_without_unt", position, tag, current[1])
			if index != len(segments) - 1:
				return refuse("segment_after_unz", position + 1, segments[index + 1][0])
			stated = _text(_element(elements, 0))
			if stated is not None and stated != str(message_count):
				return refuse("unz_count", stated, message_count)
		elif current is None:
			return refuse("outside_message", position, tag)
		else:
			current[3].append((tag, elements))
	if current is not None:
		return refuse("unh_without_unt", len(segments) + offset - 1, segments[-1][0], current[1])
	if not message_count:
		return refuse("no_messages")
	return result


def _segment(tag: str, elements: list):
	from pydifact.segments import Segment

	return Segment(tag, *elements)


def _with_raw(message: ReleaseMessage, raw: str) -> ReleaseMessage:
	from dataclasses import replace

	return replace(message, raw=raw)


def read_message(reference: str, identifier, segments: list[tuple[str, list]]) -> ReleaseMessage:
	"""One message from its UNH identifier (type, version, release, agency) and its segments as
	(tag, elements) pairs, header and footer excluded."""
	identifier = identifier if isinstance(identifier, list) else [identifier]
	message_type = _component(identifier, 0) or ""
	version = f"{_component(identifier, 1) or ''}{_component(identifier, 2) or ''}".upper()
	if message_type not in MESSAGE_TYPES:
		raise MessageRejected("message_type", message_type)
	if version not in VERSIONS:
		raise MessageRejected("version", version)

	release_no = release_date = buyer = header_reference = None
	lines: list[ReleaseLine] = []
	items: list[ItemStatement] = []
	current = None  # the LIN group being read
	pending_qty = None  # (qty, line_type) waiting for its date
	line_type = FIRM

	def close_group():
		nonlocal current
		if current and (current["cumulative"] is not None or current["last_note"]):
			items.append(
				ItemStatement(
					current["buyer_item"],
					current["supplier_item"],
					current["cumulative"],
					current["last_note"],
				)
			)
		current = None

	for tag, elements in segments:
		if tag == "BGM" and release_no is None:
			release_no = _text(_element(elements, 1))
		elif tag == "DTM" and current is None and release_date is None:
			qualifier, value, fmt = _dtm(elements)
			if qualifier == "137":
				release_date = _date(value, fmt)
				if release_date is None:
					raise MessageRejected("release_date")
		elif tag == "NAD" and _text(_element(elements, 0)) == "BY" and buyer is None:
			buyer = _component(_element(elements, 1), 0)
		elif tag == "RFF":
			qualifier = _component(_element(elements, 0), 0)
			value = _component(_element(elements, 0), 1)
			if qualifier == "ON":
				if current is None:
					header_reference = value
				else:
					current["reference"] = value
			elif qualifier == "AAK" and current is not None:
				current["last_note"] = value
		elif tag == "LIN":
			close_group()
			number = _element(elements, 2)
			code, kind = _component(number, 0), (_component(number, 1) or "").upper()
			current = {
				"buyer_item": code if kind in ("IN", "") else None,
				"supplier_item": code if kind == "SA" else None,
				"reference": None,
				"cumulative": None,
				"last_note": None,
			}
			line_type = FIRM
			pending_qty = None
		elif tag == "PIA" and current is not None:
			for position in range(1, len(elements)):
				code, kind = (
					_component(elements[position], 0),
					(_component(elements[position], 1) or "").upper(),
				)
				if kind == "SA" and code:
					current["supplier_item"] = code
				elif kind == "IN" and code and not current["buyer_item"]:
					current["buyer_item"] = code
		elif tag == "SCC" and current is not None:
			code = _text(_element(elements, 0))
			line_type = FIRM if message_type == "DELJIT" else SCC_LINE_TYPES.get(code, FORECAST)
		elif tag == "QTY" and current is not None:
			qualifier = _component(_element(elements, 0), 0)
			raw = _component(_element(elements, 0), 1)
			if qualifier in ("113", "70"):
				qty = _quantity(raw)
				if qty is None:
					raise MessageRejected("quantity", raw, _item_label(current))
				if qty < 0:
					raise MessageRejected("negative_quantity", raw, _item_label(current))
				if qualifier == "70":
					current["cumulative"] = qty
				else:
					pending_qty = (qty, line_type)
		elif tag == "DTM" and current is not None:
			qualifier, value, fmt = _dtm(elements)
			if qualifier in DATE_QUALIFIERS and pending_qty is not None:
				schedule_date = _date(value, fmt)
				if schedule_date is None:
					raise MessageRejected("date", value, _item_label(current))
				if not (current["buyer_item"] or current["supplier_item"]):
					raise MessageRejected("item")
				qty, kind = pending_qty
				lines.append(
					ReleaseLine(
						current["buyer_item"],
						current["supplier_item"],
						kind,
						qty,
						schedule_date,
						current["reference"] or header_reference,
					)
				)
				pending_qty = None
	close_group()

	if not release_no:
		raise MessageRejected("release_no")
	if release_date is None:
		raise MessageRejected("release_date")
	if not buyer:
		raise MessageRejected("buyer")
	if not lines:
		raise MessageRejected("no_lines")
	return ReleaseMessage(
		message_ref=reference,
		message_type=message_type,
		version=version,
		release_no=release_no,
		release_date=release_date,
		buyer=buyer,
		customer_reference=header_reference,
		lines=tuple(lines),
		items=tuple(items),
	)


# --- elements ----------------------------------------------------------------------------------


def _element(elements: list, position: int):
	return elements[position] if len(elements) > position else None


def _component(element, position: int) -> str | None:
	if isinstance(element, list):
		return _text(element[position]) if len(element) > position else None
	return _text(element) if position == 0 else None


def _text(value) -> str | None:
	if isinstance(value, list):
		value = value[0] if value else None
	value = (value or "").strip() if isinstance(value, str) else value
	return value or None


def _item_label(group: dict) -> str:
	return group["buyer_item"] or group["supplier_item"] or "?"


def _dtm(elements: list) -> tuple[str | None, str | None, str | None]:
	period = _element(elements, 0)
	return _component(period, 0), _component(period, 1), _component(period, 2) or "102"


def _quantity(raw: str | None) -> Decimal | None:
	try:
		qty = Decimal((raw or "").replace(",", "."))
	except InvalidOperation:
		return None
	return qty if qty.is_finite() else None


def _date(value: str | None, fmt: str) -> date | None:
	"""A date in EDIFACT format 102 (CCYYMMDD), 203 (CCYYMMDDHHMM), 101 (YYMMDD), 718 (a
	CCYYMMDD-CCYYMMDD range: its first day) or 616 (CCYYWW: the Monday of that ISO week)."""
	value = (value or "").strip()
	try:
		if fmt == "102":
			return datetime.strptime(value, "%Y%m%d").date()
		if fmt == "203":
			return datetime.strptime(value, "%Y%m%d%H%M").date()
		if fmt == "101":
			return datetime.strptime(value, "%y%m%d").date()
		if fmt == "718":
			return datetime.strptime(value.split("-")[0], "%Y%m%d").date()
		if fmt == "616":
			year, week = int(value[:4]), int(value[4:6])
			return date.fromisocalendar(year, week, 1)
	except (ValueError, IndexError):
		return None
	return None
