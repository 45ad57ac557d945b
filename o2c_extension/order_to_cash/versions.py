"""Every difference between Frappe / ERPNext v15 and v16 that this app touches, in one place.

The app runs unchanged on both; where the two versions differ, the code asks this module instead of
testing a version itself. Imported by hooks.py, so it imports nothing but frappe.

What differs, and where it is handled:

- Extending ERPNext's controllers: v16 offers `extend_doctype_class` (mixins that other apps'
  extensions of the same DocType combine with), v15 only `override_doctype_class` (one subclass
  per DocType wins). hooks.py wires the one `EXTENDS_DOCTYPE_CLASS` says the running Frappe has;
  the credit-control mixins and their v15 subclasses are in credit_control/overrides.py.
- The v16 desk opens a workspace from a Desktop Icon and a Workspace Sidebar: the app ships them in
  `o2c_extension/desktop_icon/` and `o2c_extension/workspace_sidebar/`, which v16's migrate syncs
  and v15 never reads (the Order to Cash Workspace itself is the same on both).
- Test mode: v15 reads `frappe.flags.in_test`, v16 `frappe.in_test`; `set_test_mode` sets both.
- Emptying a company (the demo's `remove`): v16's Transaction Deletion Record deletes only the
  DocTypes of its "To Delete" list, which `generate_to_delete_list` fills (without it the
  deletion fails: "No DocTypes in To Delete list"), and starts its tasks itself on submit; v15
  finds the DocTypes while it deletes and leaves the start to the caller
  (`TRANSACTION_DELETION_BY_LIST`).
- Saving an outgoing Email Account on v16 connects to its SMTP server; the tests point it at a
  local SMTP sink they run (tests/integration/mail_sink.py), on both versions.
"""

import frappe


def major(version: str) -> int:
	"""The major number of a version string: "16.9.0" → 16, "15.x.x-develop" → 15."""
	head = version.split(".", 1)[0]
	return int(head) if head.isdigit() else 0


FRAPPE_MAJOR = major(frappe.__version__)

# v16's BaseDocument mixes the classes of `extend_doctype_class` into the DocType's controller
EXTENDS_DOCTYPE_CLASS = FRAPPE_MAJOR >= 16

# v16's Transaction Deletion Record needs its "To Delete" list generated, and starts on submit
TRANSACTION_DELETION_BY_LIST = FRAPPE_MAJOR >= 16


def set_test_mode(on: bool) -> None:
	"""Frappe's test mode (mail not sent, jobs run at once, ...): v15 reads `frappe.flags.in_test`,
	v16 the module attribute `frappe.in_test` (each frappe.init copies it into the flags)."""
	if hasattr(frappe, "in_test"):
		frappe.in_test = on
	frappe.flags.in_test = on
