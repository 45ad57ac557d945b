"""EDIFACT DELFOR / DELJIT read into releases (pure: no site needed), on hand-written interchanges."""

from datetime import date
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from o2c_extension.scheduling.edifact import FIRM, FORECAST, read_interchange

DELFOR_D96A = """UNA:+.? '
UNB+UNOC:3+BUYER01:14+SUPPLIER01:14+261201:0800+IC0001'
UNH+M1+DELFOR:D:96A:UN'
BGM+241+REL-2026-48+9'
DTM+137:20261201:102'
RFF+ON:AGR-7781'
NAD+BY+CUST-EDI-1::92'
NAD+SE+SUP-1::92'
LIN+1++CI-100:IN'
PIA+1+ITEM-A:SA'
RFF+AAK:DN-0042'
QTY+70:1200'
SCC+1'
QTY+113:100'
DTM+2:20261207:102'
SCC+1'
QTY+113:50'
DTM+2:20261214:102'
SCC+4'
QTY+113:300'
DTM+2:202702:616'
LIN+2++CI-200:IN'
RFF+ON:AGR-9999'
SCC+4++W'
QTY+113:25,5'
DTM+10:20261220-20261226:718'
UNT+24+M1'
UNZ+1+IC0001'"""

DELJIT_D97A_TWO_MESSAGES = """UNB+UNOC:3+BUYER01+SUPPLIER01+261201:0800+IC0002'
UNH+J1+DELJIT:D:97A:UN'
BGM+242+JIT-0001+9'
DTM+137:202612010930:203'
NAD+BY+CUST-EDI-1'
SEQ++1'
LIN+++ITEM-A:SA'
SCC+4'
QTY+113:12'
DTM+2:20261202:102'
UNT+9+J1'
UNH+J2+DELJIT:D:97A:UN'
BGM+242++9'
DTM+137:20261201:102'
NAD+BY+CUST-EDI-1'
LIN+++ITEM-A:SA'
QTY+113:12'
DTM+2:20261203:102'
UNT+8+J2'
UNZ+2+IC0002'"""


def test_delfor_header_lines_and_statement():
	result = read_interchange(DELFOR_D96A)
	assert result.errors == []
	(message,) = result.messages
	assert (message.message_ref, message.message_type, message.version) == ("M1", "DELFOR", "D96A")
	assert message.release_type == "Forecast"
	assert message.release_no == "REL-2026-48"
	assert message.release_date == date(2026, 12, 1)
	assert message.buyer == "CUST-EDI-1"
	assert message.customer_reference == "AGR-7781"
	lines = [
		(
			line.buyer_item,
			line.supplier_item,
			line.line_type,
			line.qty,
			line.schedule_date,
			line.customer_reference,
		)
		for line in message.lines
	]
	assert lines == [
		("CI-100", "ITEM-A", FIRM, Decimal("100"), date(2026, 12, 7), "AGR-7781"),
		("CI-100", "ITEM-A", FIRM, Decimal("50"), date(2026, 12, 14), "AGR-7781"),
		# week 2 of 2027 starts on Monday 11 January
		("CI-100", "ITEM-A", FORECAST, Decimal("300"), date(2027, 1, 11), "AGR-7781"),
		# the line group's own RFF+ON wins over the header's; decimal comma; a date range's start
		("CI-200", None, FORECAST, Decimal("25.5"), date(2026, 12, 20), "AGR-9999"),
	]
	(statement,) = message.items
	assert statement.buyer_item == "CI-100"
	assert statement.cumulative_received_qty == Decimal("1200")
	assert statement.last_delivery_note == "DN-0042"


def test_deljit_lines_are_firm_and_a_bad_message_is_refused_alone():
	result = read_interchange(DELJIT_D97A_TWO_MESSAGES)
	(message,) = result.messages
	assert message.release_type == "JIT"
	assert message.version == "D97A"
	assert message.release_date == date(2026, 12, 1)
	assert [(line.supplier_item, line.line_type, line.qty) for line in message.lines] == [
		("ITEM-A", FIRM, Decimal("12"))
	]
	(error,) = result.errors
	assert (error.message_ref, error.code) == ("J2", "release_no")
	assert error.sentence.format(*error.args) == "Message J2 has no document number in its BGM segment."


def test_other_messages_and_directories_are_refused_with_their_reference():
	orders = DELFOR_D96A.replace("DELFOR:D:96A:UN", "ORDERS:D:96A:UN")
	d01b = DELFOR_D96A.replace("DELFOR:D:96A:UN", "DELFOR:D:01B:UN")
	assert [(e.message_ref, e.code) for e in read_interchange(orders).errors] == [("M1", "message_type")]
	assert [(e.message_ref, e.code) for e in read_interchange(d01b).errors] == [("M1", "version")]


def test_unreadable_quantity_and_date_name_the_item():
	bad_qty = read_interchange(DELFOR_D96A.replace("QTY+113:50'", "QTY+113:fifty'"))
	assert [(e.code, e.args) for e in bad_qty.errors] == [("quantity", ("M1", "fifty", "CI-100"))]
	bad_date = read_interchange(DELFOR_D96A.replace("DTM+2:20261214:102'", "DTM+2:20261399:102'"))
	assert [(e.code, e.args) for e in bad_date.errors] == [("date", ("M1", "20261399", "CI-100"))]


def test_missing_buyer_and_no_lines():
	no_buyer = read_interchange(DELFOR_D96A.replace("NAD+BY+CUST-EDI-1::92'", ""))
	assert [e.code for e in no_buyer.errors] == ["buyer"]
	header_only = "UNB+UNOC:3+B+S+261201:0800+X'UNH+M9+DELFOR:D:96A:UN'BGM+241+R9+9'DTM+137:20261201:102'NAD+BY+C'UNT+5+M9'UNZ+1+X'"
	assert [e.code for e in read_interchange(header_only).errors] == ["no_lines"]


def test_release_characters_are_honoured():
	escaped = DELFOR_D96A.replace("BGM+241+REL-2026-48+9'", "BGM+241+REL?+48+9'")
	assert read_interchange(escaped).messages[0].release_no == "REL+48"


@given(st.text(max_size=200))
def test_any_text_is_refused_or_read_never_raises(content):
	result = read_interchange(content)
	assert all(
		error.code
		in {
			"syntax",
			"message_type",
			"version",
			"release_no",
			"release_date",
			"buyer",
			"item",
			"quantity",
			"date",
			"no_lines",
		}
		for error in result.errors
	)
