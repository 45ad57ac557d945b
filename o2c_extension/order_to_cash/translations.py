"""The app's translations at run time: Frappe v15 reads compiled catalogues
(`sites/assets/locale/<lang>/LC_MESSAGES/o2c_extension.mo`), which only `bench build` compiles from
the committed `o2c_extension/locale/<lang>.po`. Install and migrate compile them too, so a fresh
checkout speaks Russian, Bulgarian, Lithuanian and German after `bench migrate` alone; a catalogue
already newer than its .po is left alone. Frappe's translation cache is cleared by migrate itself
after the `after_migrate` hooks (and here, when something was compiled).

The catalogues are shared by every site of the bench, and sites may migrate at the same time: each
.mo is written to a temporary file and moved into place, so a reader never sees half a catalogue.
"""

import os
import tempfile

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from frappe.gettext.translate import get_locales, get_mo_path, get_po_path
from frappe.translate import clear_cache

APP = "o2c_extension"


def compile_catalogues(force: bool = False) -> list[str]:
	"""Compile each `<lang>.po` of the app whose .mo is missing or older; returns the languages."""
	compiled = []
	for locale in sorted(get_locales(APP)):
		po_path, mo_path = get_po_path(APP, locale), get_mo_path(APP, locale)
		if not force and mo_path.exists() and mo_path.stat().st_mtime >= po_path.stat().st_mtime:
			continue
		with open(po_path, "rb") as po_file:
			catalog = read_po(po_file)
		mo_path.parent.mkdir(parents=True, exist_ok=True)
		handle, temporary = tempfile.mkstemp(dir=mo_path.parent, prefix=f".{APP}.", suffix=".mo")
		try:
			with os.fdopen(handle, "wb") as mo_file:
				write_mo(mo_file, catalog)
			os.chmod(temporary, 0o644)
			os.replace(temporary, mo_path)
		finally:
			if os.path.exists(temporary):
				os.unlink(temporary)
		compiled.append(locale)
	if compiled:
		clear_cache()
	return compiled
