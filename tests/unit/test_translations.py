"""Every translatable string of the app has a Russian, Bulgarian, Lithuanian and German translation
that keeps its placeholders, and no message is built from translated fragments.

The strings are extracted from the sources the way `bench generate-pot-file` does: babel's
`extract_from_dir` with the app's `babel_extractors.csv` before Frappe's own map (Python `_()`,
JS `__()`, DocType / report / workspace JSON, Jinja templates, and ours: custom fields, Number
Cards, Dashboard Charts, Print Formats, Jinja kept in Python strings). No site is needed.
"""

import ast
import csv
import itertools
import json
import re
from pathlib import Path

import frappe
import pytest
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.pofile import read_po

from o2c_extension.order_to_cash.translation_sources import jinja_messages

REPO = Path(__file__).resolve().parents[2]
APP = REPO / "o2c_extension"
LOCALE = APP / "locale"
LANGUAGES = ("ru", "bg", "lt", "de")
SKIPPED_DIRS = {"node_modules", "dist", "build", "locale"}

PLACEHOLDER = re.compile(r"\{\d*\}|%\(\w+\)s|%s")
TAG = re.compile(r"</?([a-zA-Z][a-zA-Z0-9]*)\b[^>]*>")


def method_map() -> list[tuple[str, str]]:
	maps = []
	for path in (REPO / "babel_extractors.csv", Path(frappe.__file__).parent.parent / "babel_extractors.csv"):
		with open(path) as f:
			maps.extend((row[0], row[1]) for row in csv.reader(f) if row)
	return maps


def directory_filter(dirpath) -> bool:
	name = Path(dirpath).name
	return not (name.startswith((".", "_")) or name in SKIPPED_DIRS)


def extracted() -> dict[tuple[str, str | None], list[str]]:
	"""(msgid, context) → where it occurs, for the app's package (what users see)."""
	keywords = {**DEFAULT_KEYWORDS, "_lt": None}
	messages: dict[tuple[str, str | None], list[str]] = {}
	for filename, lineno, message, _comments, context in extract_from_dir(
		str(APP), method_map(), directory_filter=directory_filter, keywords=keywords
	):
		if message:
			messages.setdefault((message, context), []).append(f"{filename}:{lineno}")
	return messages


MESSAGES = extracted()


def catalog(name: str):
	with open(LOCALE / name, "rb") as f:
		return read_po(f)


def test_the_sources_have_messages():
	# the extraction itself works: a few strings every version of the app has
	ids = {msgid for msgid, _context in MESSAGES}
	assert {"Credit Hold", "Collections Rule", "Scheduling Agreement", "O2C Settings"} <= ids
	assert len(ids) > 500


def test_pot_is_in_step_with_the_sources():
	pot = catalog("main.pot")
	missing = sorted(
		f"{msgid!r} ({', '.join(where[:2])})"
		for (msgid, context), where in MESSAGES.items()
		if pot.get(msgid, context) is None
	)
	assert not missing, "regenerate main.pot (bench generate-pot-file --app o2c_extension):\n" + "\n".join(
		missing
	)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_message_is_translated(lang):
	po = catalog(f"{lang}.po")
	untranslated = []
	for (msgid, context), where in sorted(MESSAGES.items(), key=lambda item: item[0][0]):
		message = po.get(msgid, context) or po.get(msgid)
		if message is None or not (message.string or "").strip():
			untranslated.append(f"{msgid!r} ({where[0]})")
	assert not untranslated, f"{len(untranslated)} untranslated in {lang}.po:\n" + "\n".join(untranslated)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_translations_keep_placeholders_and_markup(lang):
	wrong = []
	for message in catalog(f"{lang}.po"):
		if not message.id or not message.string:
			continue
		if sorted(PLACEHOLDER.findall(message.id)) != sorted(PLACEHOLDER.findall(message.string)):
			wrong.append(f"placeholders: {message.id!r} → {message.string!r}")
		if sorted(TAG.findall(message.id)) != sorted(TAG.findall(message.string)):
			wrong.append(f"markup: {message.id!r} → {message.string!r}")
	assert not wrong, "\n".join(wrong)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_po_header_names_its_language(lang):
	assert str(catalog(f"{lang}.po").locale) == lang


# --- messages are whole sentences -------------------------------------------------------------

# Jinja in files the app has kept only to recognise templates an earlier version installed (so an
# untouched one can be upgraded); they are never installed again.
LEGACY_TEMPLATE_MARKERS = ("_V1",)


def _is_translate_call(node) -> bool:
	return isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in ("_", "_lt")


def is_fragment(msgid: str) -> bool:
	"""A piece of a sentence rather than one: it does not end as a sentence, a heading or a label
	before a list does, or it starts in the middle of one. `_(doc.doctype)`, a translated value,
	is not checked here."""
	text = msgid.strip()
	return not text.endswith((".", ":", "!", "?", ")")) or text[:1].islower()


def python_fragments(source: str, label: str) -> list[str]:
	found = []
	tree = ast.parse(source)
	for node in ast.walk(tree):
		if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
			for side in (node.left, node.right):
				if (
					_is_translate_call(side)
					and side.args
					and isinstance(side.args[0], ast.Constant)
					and is_fragment(str(side.args[0].value))
				):
					found.append(f"{label}:{node.lineno}: {side.args[0].value!r} joined with +")
		if _is_translate_call(node) and node.args and isinstance(node.args[0], ast.BinOp | ast.JoinedStr):
			found.append(f"{label}:{node.lineno}: _() of a string built from pieces")
		if isinstance(node, ast.JoinedStr):
			for value in node.values:
				if isinstance(value, ast.FormattedValue) and _is_translate_call(value.value):
					call = value.value
					if (
						call.args
						and isinstance(call.args[0], ast.Constant)
						and is_fragment(str(call.args[0].value))
					):
						found.append(f"{label}:{node.lineno}: {call.args[0].value!r} inside an f-string")
	return found


JS_STRING = r"""(?:'(?:\\.|[^'\\])*'|"(?:\\.|[^"\\])*")"""
JS_CALL = rf"__\(\s*(?P<msg>{JS_STRING})\s*(?:,[^()]*(?:\([^()]*\)[^()]*)*)?\)"
JS_JOINED = re.compile(rf"{JS_CALL}\s*\+(?!\+)|(?<!\+)\+\s*{JS_CALL.replace('?P<msg>', '?P<msg2>')}")
JS_TEMPLATE = re.compile(r"__\(\s*`[^`]*\$\{")


def js_fragments(code: str, label: str) -> list[str]:
	found = []
	for match in JS_JOINED.finditer(code):
		msgid = (match.group("msg") or match.group("msg2"))[1:-1]
		if is_fragment(msgid):
			line = code.count("\n", 0, match.start()) + 1
			found.append(f"{label}:{line}: {msgid!r} joined with +")
	for match in JS_TEMPLATE.finditer(code):
		line = code.count("\n", 0, match.start()) + 1
		found.append(f"{label}:{line}: __() of a template literal with ${{...}}")
	return found


JINJA_EXPRESSION = re.compile(r"\{\{(.*?)\}\}", re.S)
# only whitespace, punctuation and inline markup between two expressions: read as one sentence
INLINE_GAP = re.compile(r"^(?:\s|[:,;.\-–—]|</?(?:b|i|em|strong|span|a|code|u)\b[^>]*>)*$")


def jinja_fragments(template: str) -> list[str]:
	"""`{{ _('Dear') }} {{ name }}`: a translated piece run together with another expression."""
	found = []
	expressions = list(JINJA_EXPRESSION.finditer(template))
	for left, right in itertools.pairwise(expressions):
		gap = template[left.end() : right.start()]
		if not INLINE_GAP.match(gap):
			continue
		pieces = [
			message
			for expression in (left.group(1), right.group(1))
			for message, _context in jinja_messages(expression)
			if re.match(r"\s*_\(\s*['\"]", expression) and is_fragment(message)
		]
		if pieces:
			found.append(f"{left.group(0).strip()}{gap}{right.group(0).strip()}")
	return found


def _python_template_strings(path: Path):
	"""String constants of a module that hold Jinja, except the legacy ones."""
	source = path.read_text(encoding="utf-8")
	tree = ast.parse(source)
	legacy_lines = set()
	for node in ast.walk(tree):
		if isinstance(node, ast.Assign):
			names = [target.id for target in node.targets if isinstance(target, ast.Name)]
			if any(marker in name for name in names for marker in LEGACY_TEMPLATE_MARKERS):
				legacy_lines.update(range(node.lineno, (node.end_lineno or node.lineno) + 1))
	for node in ast.walk(tree):
		if isinstance(node, ast.Constant) and isinstance(node.value, str) and "{{" in node.value:
			if node.lineno not in legacy_lines:
				yield node.lineno, node.value


def source_files(*suffixes):
	for path in sorted(APP.rglob("*")):
		if path.suffix in suffixes and directory_filter(path.parent) and "/locale/" not in str(path):
			if not any(part.startswith((".", "__pycache__")) for part in path.parts):
				yield path


def test_no_message_is_built_from_fragments():
	found = []
	for path in source_files(".py"):
		found.extend(python_fragments(path.read_text(encoding="utf-8"), str(path.relative_to(REPO))))
		for lineno, template in _python_template_strings(path):
			found.extend(f"{path.relative_to(REPO)}:{lineno}: {piece}" for piece in jinja_fragments(template))
	for path in source_files(".js"):
		found.extend(js_fragments(path.read_text(encoding="utf-8"), str(path.relative_to(REPO))))
	for path in source_files(".html"):
		found.extend(f"{path.relative_to(REPO)}: {piece}" for piece in jinja_fragments(path.read_text()))
	for path in APP.glob("*/print_format/*/*.json"):
		html = json.loads(path.read_text()).get("html") or ""
		found.extend(f"{path.relative_to(REPO)}: {piece}" for piece in jinja_fragments(html))
	assert not found, "write whole sentences with placeholders:\n" + "\n".join(found)


def test_the_fragment_check_catches_fragments():
	# the checks above flag what they are meant to flag (and so can fail)
	sample = (
		'from frappe import _\nx = _("Dear") + name\ny = _(f"Invoice {n}")\nz = _("Paid {0}").format(n)\n'
	)
	assert len(python_fragments(sample, "sample.py")) == 2
	assert jinja_fragments("<p>{{ _('Dear') }} {{ doc.customer_name }},</p>")
	assert jinja_fragments("{{ _('Invoice') }} <b>{{ doc.name }}</b>")
	assert not jinja_fragments("<p>{{ _('Dear {0},').format(doc.customer_name) }}</p>")
	assert not jinja_fragments("{{ _('Kind regards,') }}<br>{{ doc.company }}")
	assert jinja_fragments("{{ _('Payment reminder') }}: {{ doc.name }}")
	js = 'let a = __("Credit") + ": " + x;\nlet b = __("Open {0}", [x]);\nlet c = "<b>" + __("Open") + "</b>";\n'
	assert len(js_fragments(js, "x.js")) == 2
	assert not js_fragments('msg = __("Rules that failed:") + "<ul>" + rows + "</ul>";', "y.js")


def test_our_extractors_read_custom_fields_jinja_and_json():
	import io

	from o2c_extension.order_to_cash import translation_sources as sources

	module = (
		"from frappe import _\n"
		'STATUSES = ("Not Due", "Paid")\n'
		"FIELDS = [\n"
		'\t{"fieldname": "a", "label": "Plain Label", "fieldtype": "Select", "options": "\\n".join(STATUSES)},\n'
		'\t{"fieldname": "b", "label": _("Called Label"), "description": "Said once."},\n'
		'\t{"fieldname": "c", "fieldtype": "Link", "options": "Customer"},\n'
		"]\n"
		'TEMPLATE = "<p>{{ _(\'Dear {0},\').format(name) }}</p><p>{{ _(\\"It\\\\\'s due.\\") }}</p>"\n'
	)
	found = {
		message
		for _line, _func, message, _comments in sources.extract_python(
			io.BytesIO(module.encode()), {"_": None}, [], {}
		)
	}
	assert {"Plain Label", "Not Due", "Paid", "Called Label", "Said once.", "Dear {0},", "It's due."} <= found
	assert "Customer" not in found  # a Link's options name a DocType, not text to translate

	card = io.BytesIO(json.dumps({"doctype": "Number Card", "label": "Days Sales Outstanding"}).encode())
	assert [m for _l, _f, m, _c in sources.extract_number_card(card, {}, [], {})] == [
		"Days Sales Outstanding"
	]
	print_format = io.BytesIO(
		json.dumps(
			{"name": "Collection Statement", "html": "{{ _('Total listed: {0}.').format(x) }}"}
		).encode()
	)
	assert [m for _l, _f, m, _c in sources.extract_print_format(print_format, {}, [], {})] == [
		"Collection Statement",
		"Total listed: {0}.",
	]
