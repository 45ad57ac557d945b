"""The Dispute Reasons the app ships, made on install and migrate when missing (one the user has
edited or disabled is left as it is)."""

import frappe
from frappe import _

# the reason codes: each is the record's name
SHIPPED = (
	"Wrong Price",
	"Wrong Quantity",
	"Goods Damaged",
	"Not Delivered",
	"Quality Issue",
	"Duplicate Invoice",
)


def descriptions() -> dict[str, str]:
	"""The shipped reasons with their descriptions in the site's language (marked for translation)."""
	return {
		"Wrong Price": _("The price invoiced differs from the price agreed."),
		"Wrong Quantity": _("The quantity invoiced differs from the quantity delivered or ordered."),
		"Goods Damaged": _("The goods arrived damaged."),
		"Not Delivered": _("The goods or services invoiced were not delivered."),
		"Quality Issue": _("The goods do not meet the agreed quality."),
		"Duplicate Invoice": _("The same delivery was invoiced twice."),
	}


def labels() -> list[str]:
	"""The reason codes as labels, so they are translated where they are shown."""
	return [
		_("Wrong Price"),
		_("Wrong Quantity"),
		_("Goods Damaged"),
		_("Not Delivered"),
		_("Quality Issue"),
		_("Duplicate Invoice"),
	]


def install_dispute_reasons() -> None:
	existing = set(frappe.get_all("Dispute Reason", filters={"name": ("in", list(SHIPPED))}, pluck="name"))
	for code, description in descriptions().items():
		if code in existing:
			continue
		frappe.get_doc(
			{"doctype": "Dispute Reason", "reason_code": code, "description": description, "enabled": 1}
		).insert(ignore_permissions=True)
