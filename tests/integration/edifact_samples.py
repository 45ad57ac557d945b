"""Hand-written UN/EDIFACT DELFOR and DELJIT interchanges for the scheduling tests and the
benchmark, written from the standard's segment layout (D96A / D97A):

	UNH  BGM(1004 = release no)  DTM+137  [RFF+ON]  NAD+BY  NAD+SE
	per item:  LIN(item number: buyer's IN)  [PIA+1(supplier's SA)]  [RFF+ON]  [RFF+AAK]  [QTY+70]
	           per line:  SCC(1 firm / 4 forecast)  QTY+113  DTM+2 (or DTM+10)
	UNT(segment count, message ref)

A DELJIT carries no SCC (its lines are Firm) and may list its lines under SEQ groups."""

from frappe.utils import add_days, getdate, nowdate


def edi_date(days: int) -> str:
	return getdate(add_days(nowdate(), days)).strftime("%Y%m%d")


def message(
	reference: str,
	release_no: str,
	buyer: str,
	groups: list[dict],
	order_reference: str | None = None,
	message_type: str = "DELFOR",
	version: str = "96A",
	release_days: int = 0,
) -> list[str]:
	"""Segments of one message (without terminators). A group: item (the code on LIN), kind (IN
	the customer's code, SA ours), supplier_item (PIA SA), reference (its own RFF+ON), received
	(QTY+70), note (RFF+AAK), lines [(firm?, qty, days from today)]."""
	body = [
		f"BGM+{'241' if message_type == 'DELFOR' else '242'}+{release_no}+9",
		f"DTM+137:{edi_date(release_days)}:102",
	]
	if order_reference:
		body.append(f"RFF+ON:{order_reference}")
	body += [f"NAD+BY+{buyer}::92", "NAD+SE+OUR-SUPPLIER-ID::92"]
	for number, group in enumerate(groups, start=1):
		body.append(f"LIN+{number}++{group['item']}:{group.get('kind', 'IN')}")
		if group.get("supplier_item"):
			body.append(f"PIA+1+{group['supplier_item']}:SA")
		if group.get("reference"):
			body.append(f"RFF+ON:{group['reference']}")
		if group.get("note"):
			body.append(f"RFF+AAK:{group['note']}")
		if group.get("received") is not None:
			body.append(f"QTY+70:{group['received']}")
		for firm, qty, days in group["lines"]:
			if message_type == "DELFOR":
				body.append(f"SCC+{'1' if firm else '4'}")
			body += [f"QTY+113:{qty}", f"DTM+2:{edi_date(days)}:102"]
	return [
		f"UNH+{reference}+{message_type}:D:{version}:UN",
		*body,
		f"UNT+{len(body) + 2}+{reference}",
	]


def interchange(*messages: list[str], control: str = "IC0001", una: bool = True) -> str:
	"""An interchange of messages, one segment a line, with its UNA service string advice."""
	segments = [
		"UNB+UNOC:3+CUSTOMER-GLN:14+OUR-GLN:14+261201:0800+" + control,
		*(segment for message_segments in messages for segment in message_segments),
		f"UNZ+{len(messages)}+{control}",
	]
	return ("UNA:+.? '\n" if una else "") + "".join(f"{segment}'\n" for segment in segments)
