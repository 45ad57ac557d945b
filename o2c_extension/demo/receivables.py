"""The demo's receivables: invoices of each customer in every ageing bucket (not due, 1-30,
31-60, 61-90, 91-120 and over 120 days), in EUR and USD, with VAT, a discount, one-term and
two-term payment terms, part and full payments through ERPNext's Payment Entry."""

from __future__ import annotations

import frappe
from frappe.utils import add_days, flt, nowdate

from o2c_extension.demo import selling
from o2c_extension.demo.masters import COMPANY

# customer language -> [(key, days ago, [(item index, qty)], share paid, paid days ago)]
INVOICES = {
	"de": [
		("1", 75, [(0, 40), (1, 60)], 0.5, 40),
		("2", 45, [(2, 25)], None, None),
		("3", 5, [(1, 80)], None, None),
	],
	"ru": [
		("1", 100, [(2, 60)], 1.0, 60),
		("2", 80, [(0, 90), (3, 120)], 0.3, 40),
		("3", 10, [(1, 150)], None, None),
	],
	"bg": [("1", 170, [(0, 70), (2, 30)], None, None), ("2", 130, [(1, 120)], 0.5, 95)],
	"lt": [
		("1", 110, [(3, 200)], 1.0, 75),
		("2", 95, [(2, 45)], None, None),
		("3", 25, [(0, 60), (1, 60)], None, None),
	],
}
DISCOUNT = {"lt": 3.0}  # additional discount % on the net total
WITH_VAT = ("de",)


def build(world) -> list[str]:
	names = []
	for language, invoices in INVOICES.items():
		customer = world.customers[language]
		for key, days_ago, lines, paid_share, paid_days_ago in invoices:
			po_no = f"O2CD-INV-{language.upper()}-{key}"
			name = frappe.db.get_value(
				"Sales Invoice", {"company": COMPANY, "po_no": po_no, "docstatus": 1}, "name"
			)
			if not name:
				name = _invoice(customer, world, po_no, days_ago, lines, language)
				if paid_share:
					_payment(name, paid_share, paid_days_ago, f"O2CD-PAY-{language.upper()}-{key}")
			names.append(name)
	return names


def _invoice(customer, world, po_no, days_ago, lines, language) -> str:
	posting_date = add_days(nowdate(), -days_ago)
	rates = selling.rates(customer.currency, world.item_codes)
	doc = frappe.get_doc(
		{
			"doctype": "Sales Invoice",
			**selling.header(customer),
			"posting_date": posting_date,
			"set_posting_time": 1,
			"po_no": po_no,
			"po_date": add_days(posting_date, -3),
			"language": language,
			"items": [
				{"item_code": world.item_codes[index], "qty": qty, "rate": rates[world.item_codes[index]]}
				for index, qty in lines
			],
		}
	)
	if language in WITH_VAT:
		doc.taxes_and_charges = world.vat
		doc.set_taxes()
	if language in DISCOUNT:
		doc.apply_discount_on = "Net Total"
		doc.additional_discount_percentage = DISCOUNT[language]
	doc.insert(ignore_permissions=True)
	doc.submit()
	return doc.name


def _payment(invoice: str, share: float, days_ago: int, reference_no: str) -> None:
	from erpnext.accounts.doctype.payment_entry.payment_entry import get_payment_entry

	outstanding = flt(frappe.db.get_value("Sales Invoice", invoice, "outstanding_amount"))
	entry = get_payment_entry("Sales Invoice", invoice, party_amount=flt(outstanding * share, 2))
	entry.posting_date = add_days(nowdate(), -days_ago)
	entry.reference_no = reference_no
	entry.reference_date = entry.posting_date
	entry.insert(ignore_permissions=True)
	entry.submit()
