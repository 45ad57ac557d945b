"""Reading a customer's release from CSV text. Pure: no frappe, no database.
(EDIFACT DELFOR / DELJIT is read in edifact.py.)"""

import csv
import io

# column names a release CSV may use, by field
CSV_COLUMNS = {
	"item_code": ("item_code", "item", "item code", "article", "material"),
	"schedule_date": ("schedule_date", "date", "schedule date", "delivery_date", "delivery date"),
	"qty": ("qty", "quantity"),
	"line_type": ("line_type", "type", "line type"),
	"customer_item_code": ("customer_item_code", "customer item code", "customer item", "ref_code"),
	"cumulative_received_qty": (
		"cumulative_received_qty",
		"cumulative received",
		"cumulative received qty",
		"cum received",
	),
	"last_delivery_note": ("last_delivery_note", "last delivery note", "delivery note"),
}
STATEMENT_FIELDS = ("cumulative_received_qty", "last_delivery_note")
CSV_ORDER = ("item_code", "schedule_date", "qty", "line_type")


class CsvReadError(ValueError):
	"""A release CSV that cannot be read at all; `line` is where reading stopped."""

	def __init__(self, line: int, reason: str):
		super().__init__(f"line {line}: {reason}")
		self.line = line
		self.reason = reason


def parse_release_csv(text: str) -> list[dict]:
	"""Rows of a release CSV as dicts (with their line number in `row`).

	Columns are item, date, qty, type in that order, or named by a header row in any order.
	Comma, semicolon and tab separators are accepted; blank lines are skipped. Lines may end in
	LF, CR LF or a bare CR (old Mac spreadsheets). CsvReadError when the text is no CSV at all.
	"""
	text = (text or "").lstrip("\ufeff")
	first_line = next((line for line in text.splitlines() if line.strip()), "")
	delimiter = max((",", ";", "\t"), key=first_line.count) if first_line else ","
	# newline="": the csv module itself then reads every kind of line end, also inside quotes
	reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
	try:
		rows = [
			(number, [cell.strip() for cell in cells])
			for number, cells in enumerate(reader, start=1)
			if any(cell.strip() for cell in cells)
		]
	except csv.Error as error:
		raise CsvReadError(reader.line_num, str(error)) from error
	if not rows:
		return []

	columns = list(CSV_ORDER)
	header = [cell.lower() for cell in rows[0][1]]
	named = {
		fieldname: header.index(name)
		for fieldname, names in CSV_COLUMNS.items()
		for name in names
		if name in header
	}
	if ("item_code" in named or "customer_item_code" in named) and "qty" in named:
		columns = [None] * len(header)
		for fieldname, index in named.items():
			columns[index] = fieldname
		rows = rows[1:]

	return [
		{
			"row": number,
			**{fieldname: value for fieldname, value in zip(columns, cells, strict=False) if fieldname},
		}
		for number, cells in rows
	]


def statement_rows(rows: list[dict]) -> list[dict]:
	"""The per-item statements a CSV carries in its cumulative received / last delivery note
	columns: the first row of each item that fills them."""
	statements: dict[str, dict] = {}
	for row in rows:
		if not any(str(row.get(fieldname) or "").strip() for fieldname in STATEMENT_FIELDS):
			continue
		key = str(row.get("item_code") or row.get("customer_item_code") or "").strip()
		if key not in statements:
			statements[key] = {
				"row": row["row"],
				"item_code": row.get("item_code"),
				"customer_item_code": row.get("customer_item_code"),
				**{fieldname: row.get(fieldname) for fieldname in STATEMENT_FIELDS},
			}
	return list(statements.values())
