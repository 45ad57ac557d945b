"""Where the app's translatable strings are, beyond what Frappe's own extractors find.

`bench generate-pot-file --app o2c_extension` reads `babel_extractors.csv` (next to the app's
package) before Frappe's default map, so these run on the files they name:

- Python: Frappe's `_()` extractor, plus the labels, descriptions and Select options of custom
  field definitions (dicts with a `fieldname`; the desk translates them with `__()`), plus the
  translatable calls of Jinja templates kept in Python strings (the shipped Email Templates);
- Number Cards and Dashboard Charts: their labels (the workspace shows them with `__()`);
  Frappe's map has no extractor for either;
- Print Formats: the `_()` calls of their Jinja `html`.

Pure functions over file objects (babel's extractor protocol), no site needed: the coverage test
in tests/unit/test_translations.py runs the same map.
"""

import ast
import json
import re

from frappe.gettext.extractors.python import extract as extract_frappe_python

# `_('…')` / `_("…")` in a Jinja template, optionally with a context: `_('…', context='…')`
JINJA_CALL = re.compile(
	r"""\b_\(\s*(?P<q>['"])(?P<msg>(?:\\.|(?!(?P=q)).)*?)(?P=q)"""
	r"""(?:\s*,\s*context\s*=\s*(?P<cq>['"])(?P<ctx>(?:\\.|(?!(?P=cq)).)*?)(?P=cq))?\s*\)""",
	re.S,
)
ESCAPE = re.compile(r"\\(.)")
FIELD_TEXT_KEYS = ("label", "description")


def jinja_messages(template: str):
	"""(message, context) of every `_()` call in a Jinja template."""
	for match in JINJA_CALL.finditer(template or ""):
		yield ESCAPE.sub(r"\1", match.group("msg")), match.group("ctx")


def extract_python(fileobj, keywords, comment_tags, options):
	source = fileobj.read()
	fileobj.seek(0)
	yield from extract_frappe_python(fileobj, keywords, comment_tags, options)

	try:
		tree = ast.parse(source)
	except SyntaxError:
		return
	constants = _module_constants(tree)
	for node in ast.walk(tree):
		if isinstance(node, ast.Dict):
			yield from _custom_field_messages(node, constants)
		elif isinstance(node, ast.Constant) and isinstance(node.value, str) and "_(" in node.value:
			for message, context in jinja_messages(node.value):
				if context:
					yield node.lineno, "pgettext", (context, message), ["Jinja template in Python"]
				else:
					yield node.lineno, "_", message, ["Jinja template in Python"]


def _module_constants(tree: ast.Module) -> dict[str, str]:
	"""Module-level names bound to a string or a tuple / list of strings (as newline-joined
	options), so that `"options": STATUSES` and `"\\n".join(STATUSES)` can be read."""
	constants: dict[str, str] = {}
	for node in tree.body:
		if not (isinstance(node, ast.Assign) and len(node.targets) == 1):
			continue
		target, value = node.targets[0], node.value
		if not isinstance(target, ast.Name):
			continue
		if isinstance(value, ast.Constant) and isinstance(value.value, str):
			constants[target.id] = value.value
		elif isinstance(value, ast.Tuple | ast.List) and all(
			isinstance(element, ast.Constant) and isinstance(element.value, str) for element in value.elts
		):
			constants[target.id] = "\n".join(element.value for element in value.elts)
	return constants


def _options_text(node, constants: dict[str, str]) -> str | None:
	if isinstance(node, ast.Constant) and isinstance(node.value, str):
		return node.value
	if isinstance(node, ast.Name):
		return constants.get(node.id)
	if (  # "\n".join(NAME)
		isinstance(node, ast.Call)
		and isinstance(node.func, ast.Attribute)
		and node.func.attr == "join"
		and len(node.args) == 1
		and isinstance(node.args[0], ast.Name)
	):
		return constants.get(node.args[0].id)
	return None


def _custom_field_messages(node: ast.Dict, constants: dict[str, str]):
	fields = {
		key.value: value
		for key, value in zip(node.keys, node.values, strict=False)
		if isinstance(key, ast.Constant) and isinstance(key.value, str)
	}
	if "fieldname" not in fields:
		return
	for key in FIELD_TEXT_KEYS:
		value = fields.get(key)
		if isinstance(value, ast.Constant) and isinstance(value.value, str) and value.value:
			yield value.lineno, "_", value.value, [f"{key.title()} of a custom field"]
	fieldtype = fields.get("fieldtype")
	options = fields.get("options")
	text = _options_text(options, constants) if options is not None else None
	if isinstance(fieldtype, ast.Constant) and fieldtype.value == "Select" and text:
		for option in text.split("\n"):
			if option.strip():
				yield options.lineno, "_", option.strip(), ["Option of a custom Select field"]


def extract_number_card(fileobj, keywords, comment_tags, options):
	data = json.load(fileobj)
	if isinstance(data, dict) and data.get("label"):
		yield None, "_", data["label"], ["Label of a Number Card"]


def extract_dashboard_chart(fileobj, keywords, comment_tags, options):
	data = json.load(fileobj)
	if isinstance(data, dict):
		for key in ("chart_name", "y_axis_title", "x_axis_title"):
			if data.get(key):
				yield None, "_", data[key], [f"{key.replace('_', ' ').capitalize()} of a Dashboard Chart"]


def extract_print_format(fileobj, keywords, comment_tags, options):
	data = json.load(fileobj)
	if not isinstance(data, dict):
		return
	if data.get("name"):
		yield None, "_", data["name"], ["Name of a Print Format"]
	for message, context in jinja_messages(data.get("html") or ""):
		if context:
			yield None, "pgettext", (context, message), ["Print Format template"]
		else:
			yield None, "_", message, ["Print Format template"]
