"""A Collection Case's Last Action is a Select, so the desk shows it in the reader's language
(Frappe translates a Select's value, not a Data field's): every value the app writes into it is
one of its options (issue 15)."""

import json
from pathlib import Path

from o2c_extension.collections import core

CASE_JSON = Path(core.__file__).parent / "doctype" / "collection_case" / "collection_case.json"


def test_last_action_offers_every_value_the_app_writes():
	field = next(df for df in json.loads(CASE_JSON.read_text())["fields"] if df["fieldname"] == "last_action")
	assert field["fieldtype"] == "Select"
	options = set(field["options"].split("\n"))
	# the run's steps (runner / cases.refresh_from) and the collector's log (cases.log_note)
	assert set(core.ACTIONS) | {"Call", "Note"} <= options
