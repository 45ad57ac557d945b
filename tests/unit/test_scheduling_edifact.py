"""EDIFACT DELFOR / DELJIT read into releases (pure: no site needed), on hand-written interchanges."""

from datetime import date
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from o2c_extension.scheduling.edifact import FIRM, FORECAST, INTERCHANGE_ERRORS, read_interchange

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
UNT+25+M1'
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
UNT+10+J1'
UNH+J2+DELJIT:D:97A:UN'
BGM+242++9'
DTM+137:20261201:102'
NAD+BY+CUST-EDI-1'
LIN+++ITEM-A:SA'
QTY+113:12'
DTM+2:20261203:102'
UNT+8+J2'
UNZ+2+IC0002'"""


def recount(text: str) -> str:
	"""The interchange with each UNT counting its message's segments again (after an edit)."""
	segments, out, count = text.split("'"), [], 0
	for segment in segments:
		body = segment.strip()
		if body.startswith("UNH"):
			count = 0
		count += 1
		if body.startswith("UNT"):
			reference = body.split("+")[2]
			segment = segment.replace(body, f"UNT+{count}+{reference}")
		out.append(segment)
	return "'".join(out)


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
	no_buyer = read_interchange(recount(DELFOR_D96A.replace("NAD+BY+CUST-EDI-1::92'", "")))
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
			*INTERCHANGE_ERRORS,
			"segment_count",
			"unt_reference",
			"negative_quantity",
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


def interchange_error(content: str):
	result = read_interchange(content)
	assert result.messages == []
	(error,) = result.errors
	assert error.message_ref == "" and error.code in INTERCHANGE_ERRORS
	return error.code, error.sentence.format(*error.args)


def test_a_broken_envelope_refuses_the_whole_interchange_naming_the_segment():
	without_una = DELFOR_D96A.split("\n", 1)[1]
	assert interchange_error(without_una.replace("'", "~"))[0] == "terminator"
	assert interchange_error(without_una.replace("'", "\n"))[0] == "terminator"
	code, sentence = interchange_error(DELFOR_D96A.replace("UNT+25+M1'", ""))
	assert code == "unh_without_unt" and "message M1" in sentence
	code, sentence = interchange_error(DELFOR_D96A.replace("UNH+M1+DELFOR:D:96A:UN'", ""))
	# UNA is segment 1, UNB 2: the BGM that lost its UNH is segment 3
	assert (code, sentence) == (
		"outside_message",
		"Segment 3 (BGM) is outside any message (between UNH and UNT).",
	)
	assert interchange_error(DELFOR_D96A.replace("UNZ+1+", "UNZ+2+"))[0] == "unz_count"
	assert interchange_error("UNH+M1+DELFOR:D:96A:UN'UNT+2+M1'")[0] == "no_unb"
	assert interchange_error("   ")[0] == "empty"


def test_a_wrong_unt_count_refuses_that_message_alone():
	two = DELJIT_D97A_TWO_MESSAGES.replace("BGM+242++9'", "BGM+242+JIT-0002+9'").replace(
		"UNT+8+J2'", "UNT+7+J2'"
	)
	result = read_interchange(two)
	assert [message.message_ref for message in result.messages] == ["J1"]
	(error,) = result.errors
	assert (error.message_ref, error.code) == ("J2", "segment_count")
	assert error.sentence.format(*error.args) == (
		"Message J2: its UNT segment (segment 19) counts 7 segments; the message has 8."
	)


def test_a_negative_quantity_is_refused_and_the_raw_message_is_kept():
	negative = read_interchange(DELFOR_D96A.replace("QTY+113:50'", "QTY+113:-50'"))
	assert [(e.code, e.args) for e in negative.errors] == [("negative_quantity", ("M1", "-50", "CI-100"))]
	(message,) = read_interchange(DELFOR_D96A).messages
	raw = message.raw.splitlines()
	assert raw[0] == "UNH+M1+DELFOR:D:96A:UN'" and raw[-1] == "UNT+25+M1'" and len(raw) == 25
	# what is kept reads back as the same message
	again = read_interchange(f"UNB+UNOC:3+B+S+261201:0800+X'{message.raw}UNZ+1+X'").messages[0]
	assert again.lines == message.lines and again.items == message.items
