"""Issue 11: the state fields the app keeps on ERPNext documents are written by the app alone.

A desk form save, a Data Import (a new document carrying the fields), a REST `set_value` or
`/api/resource` PUT / POST: none of them changes a sealed field; the app's own decisions still land
(the credit check, the collections status, the call-off's schedule lines) and the agreement links
ERPNext's mappers carry from order to delivery to invoice survive. Documents of the real-books world:
EUR customers, VAT, an additional discount, three instalments.

The HTTP class commits (its server sees committed data only); the conftest restores the database.
"""

import contextlib
import json

import frappe
import requests
from frappe.desk.form.save import savedocs
from frappe.tests.utils import FrappeTestCase

from o2c_extension.collections import settlement
from o2c_extension.order_to_cash import sealed_fields
from o2c_extension.scheduling.call_off import call_off
from o2c_extension.setup.install import get_all_custom_fields
from tests.integration import books, factories
from tests.integration import credit_control_helpers as credit
from tests.integration import scheduling_helpers as scheduling
from tests.integration.web import running_server, token_session

SALES_USER = "_o2c.sealed.sales@example.com"
ACCOUNTS_USER = "_o2c.sealed.accounts@example.com"
NO_DATA = ("Section Break", "Column Break", "Tab Break", "HTML", "Button", "Heading")

SMUGGLED_INVOICE_STATE = {
	"collection_status": "Paid",
	"promise_to_pay_date": "2030-01-01",
	"disputed": 1,
	"dispute_reason": "<img src=x onerror=alert(1)>",
	"collections_evaluation_key": "forged",
}
EMPTY_INVOICE_STATE = {
	"promise_to_pay_date": None,
	"disputed": 0,
	"dispute_reason": None,
	"collections_evaluation_key": None,
}


def held_order(customer: str, item: str, qty: float = 10):
	"""A submitted EUR order (VAT, 5 % discount, three instalments) On Hold by its credit check."""
	order = books.sales_order(customer, [(item, qty, 100)])
	order.reload()
	assert order.credit_hold and order.credit_status == "On Credit Hold", order.credit_status
	return order


def order_state(name: str) -> tuple:
	return frappe.db.get_value("Sales Order", name, ["credit_status", "credit_hold", "status"])


def invoice_state(name: str) -> dict:
	return frappe.db.get_value("Sales Invoice", name, list(SMUGGLED_INVOICE_STATE), as_dict=True)


class TestSealedFields(FrappeTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		frappe.set_user("Administrator")
		books.world()
		cls.item = factories.item(stock_qty=1000, rate=100)
		cls.customer = books.eur_customer()
		credit.credit_policy(customer=cls.customer, credit_limit=500)
		factories.user(SALES_USER, ["Sales User"])
		factories.user(ACCOUNTS_USER, ["Accounts User"])

	def tearDown(self):
		frappe.set_user("Administrator")
		frappe.clear_messages()

	def test_registry_covers_every_field_the_app_adds(self):
		unaccounted = []
		for doctype, fields in get_all_custom_fields().items():
			for field in fields:
				if field["fieldtype"] in NO_DATA:
					continue
				name = field["fieldname"]
				sealed = (
					name in sealed_fields.SEALED.get(doctype, ())
					or name in sealed_fields.SEALED_ROWS.get(doctype, ())
					or (doctype in sealed_fields.MADE_FROM and name in sealed_fields.AGREEMENT_LINKS)
					or (doctype in sealed_fields.DERIVED_HEADERS and name == sealed_fields.AGREEMENT)
				)
				if not sealed and (doctype, name) not in sealed_fields.NOT_SEALED:
					unaccounted.append(f"{doctype}.{name}")
		self.assertEqual(unaccounted, [], "seal these fields or say in NOT_SEALED why users set them")
		# and the registry names fields that exist
		for doctype, names in (*sealed_fields.SEALED.items(), *sealed_fields.SEALED_ROWS.items()):
			for name in names:
				self.assertTrue(frappe.get_meta(doctype).has_field(name), f"{doctype}.{name}")

	def test_desk_save_of_a_held_order_keeps_its_hold(self):
		order = held_order(self.customer, self.item)
		before = order_state(order.name)
		frappe.set_user(SALES_USER)
		form = frappe.get_doc("Sales Order", order.name).as_dict()
		form.update({"credit_hold": None, "credit_status": "Released"})
		savedocs(json.dumps(form, default=str), "Update")
		frappe.set_user("Administrator")
		self.assertEqual(order_state(order.name), before)
		self.assertEqual(before[2], "On Hold")

	def test_desk_save_of_an_invoice_keeps_its_collection_state(self):
		invoice = books.sales_invoice(self.customer, [(self.item, 1, 100)])
		before = invoice_state(invoice.name)
		frappe.set_user(ACCOUNTS_USER)
		form = frappe.get_doc("Sales Invoice", invoice.name).as_dict()
		form.update(SMUGGLED_INVOICE_STATE)
		savedocs(json.dumps(form, default=str), "Update")
		frappe.set_user("Administrator")
		self.assertEqual(invoice_state(invoice.name), before)
		self.assertEqual(before.disputed, 0)

	def test_imported_order_and_quotation_carry_no_credit_state(self):
		# an earlier order's hold, and a status the credit check did not give
		earlier = held_order(self.customer, self.item)
		order = books.sales_order(
			self.customer,
			[(self.item, 10, 100)],
			submit=False,
			credit_hold=earlier.credit_hold,
			credit_status="Released",
		)
		self.assertEqual(order_state(order.name)[:2], (None, None))
		order.submit()  # the check itself holds it, with a hold of its own
		state = order_state(order.name)
		self.assertEqual(state[0], "On Credit Hold")
		self.assertTrue(state[1])
		self.assertNotEqual(state[1], earlier.credit_hold)
		self.assertEqual(frappe.db.get_value("Credit Hold", state[1], "reference_name"), order.name)

		quotation = frappe.get_doc(
			{
				"doctype": "Quotation",
				"quotation_to": "Customer",
				"party_name": self.customer,
				"company": factories.company(),
				"currency": books.FOREIGN_CURRENCY,
				"conversion_rate": books.EUR_RATE,
				"selling_price_list": factories.price_list(),
				"plc_conversion_rate": 1.0,
				"credit_status": "Within Limit",
				"items": [{"item_code": self.item, "qty": 50, "rate": 100}],
			}
		).insert()
		self.assertEqual(frappe.db.get_value("Quotation", quotation.name, "credit_status"), "Over Limit")
		frappe.clear_messages()

	def test_imported_invoice_carries_no_collection_state(self):
		invoice = books.sales_invoice(
			self.customer, [(self.item, 1, 100)], submit=False, **SMUGGLED_INVOICE_STATE
		)
		self.assertEqual(invoice_state(invoice.name), {**EMPTY_INVOICE_STATE, "collection_status": None})
		invoice.submit()
		state = invoice_state(invoice.name)
		self.assertEqual(
			state, {**EMPTY_INVOICE_STATE, "collection_status": settlement.initial_status(invoice)}
		)
		self.assertNotEqual(state.collection_status, "Paid")

	def test_agreement_links_follow_the_rows_they_were_made_from(self):
		customer, (item_a, item_b) = scheduling.setup_masters()
		sa = scheduling.agreement(
			customer,
			[(item_a, 1000, 10), (item_b, 1000, 10)],
			lines=[(item_a, 1, 10, "Firm"), (item_b, 1, 5, "Firm"), (item_a, 30, 10, "Firm")],
			release_horizon_days=5,
		)
		other = scheduling.agreement(customer, [(item_a, 1000, 10)], lines=[(item_a, 60, 1, "Firm")])
		(called_off,) = call_off([sa.name]).sales_orders
		order = frappe.get_doc("Sales Order", called_off)
		self.assertTrue(all(row.schedule_line for row in order.items))  # the call-off's own write
		far_line = next(row.name for row in scheduling.schedule(sa.name) if row.status == "Open")

		# a Delivery Note from the order whose rows were edited before saving
		from erpnext.selling.doctype.sales_order.sales_order import make_delivery_note

		delivery = make_delivery_note(order.name)
		delivery.items[0].schedule_line = far_line
		delivery.items[1].scheduling_agreement = other.name
		delivery.scheduling_agreement = other.name
		delivery.insert()
		by_detail = {row.name: row for row in order.items}
		for row in delivery.items:
			source = by_detail[row.so_detail]
			self.assertEqual(
				(row.scheduling_agreement, row.schedule_line), (sa.name, source.schedule_line), row.idx
			)
		self.assertEqual(delivery.scheduling_agreement, sa.name)
		delivery.submit()

		# the invoice from the delivery: the same links, whatever it was sent with
		from erpnext.stock.doctype.delivery_note.delivery_note import make_sales_invoice

		invoice = make_sales_invoice(delivery.name)
		invoice.items[0].schedule_line = far_line
		invoice.insert()
		self.assertEqual(
			sorted((row.scheduling_agreement, row.schedule_line) for row in invoice.items),
			sorted((sa.name, row.schedule_line) for row in order.items),
		)

		# rows made from nothing carry no links; a hand-made order keeps its agreement, not a line
		loose = books.standalone_delivery(
			customer,
			[(item_a, 1, 10)],
			submit=False,
			scheduling_agreement=sa.name,
		)
		loose.items[0].scheduling_agreement = sa.name
		loose.items[0].schedule_line = far_line
		loose.save()
		self.assertEqual((loose.scheduling_agreement, loose.items[0].scheduling_agreement), (None, None))
		self.assertIsNone(loose.items[0].schedule_line)
		manual = factories.sales_order(
			customer, [(item_a, 1, 10)], submit=False, scheduling_agreement=sa.name
		)
		manual.items[0].schedule_line = far_line
		manual.save()
		self.assertEqual(
			frappe.db.get_value(
				"Sales Order Item", manual.items[0].name, ["scheduling_agreement", "schedule_line"]
			),
			(sa.name, None),
		)


class TestSealedFieldsOverRest(FrappeTestCase):
	"""As an ordinary Sales User and Accounts User, over HTTP: `frappe.client.set_value`,
	`/api/resource` PUT and POST. Each write is refused or ignored: the stored value stays."""

	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		frappe.set_user("Administrator")
		books.world()
		cls.item = factories.item(stock_qty=1000, rate=100)
		cls.customer = books.eur_customer()
		credit.credit_policy(customer=cls.customer, credit_limit=500)
		factories.user(SALES_USER, ["Sales User"])
		factories.user(ACCOUNTS_USER, ["Accounts User"])
		cls.order = held_order(cls.customer, cls.item).name
		cls.quotation = factories.quotation(factories.customer(), [(cls.item, 1, 100)]).name
		cls.invoice = books.sales_invoice(cls.customer, [(cls.item, 1, 100)]).name
		customer, (item_a, _item_b) = scheduling.setup_masters()
		cls.agreement = scheduling.agreement(
			customer, [(item_a, 1000, 10)], lines=[(item_a, 30, 10, "Firm")]
		).name
		cls.line = scheduling.schedule(cls.agreement)[0].name
		cls.manual_order = factories.sales_order(
			customer, [(item_a, 1, 10)], submit=False, scheduling_agreement=cls.agreement
		)
		frappe.db.commit()
		cls.sessions = {SALES_USER: token_session(SALES_USER), ACCOUNTS_USER: token_session(ACCOUNTS_USER)}
		cls._server = contextlib.ExitStack()
		cls.base_url = cls._server.enter_context(running_server())

	@classmethod
	def tearDownClass(cls):
		cls._server.close()
		for user in (SALES_USER, ACCOUNTS_USER):
			frappe.db.set_value("User", user, "enabled", 0)
		frappe.db.commit()
		super().tearDownClass()

	def send(self, user: str, verb: str, path: str, payload: dict) -> requests.Response:
		response = self.sessions[user].request(verb, f"{self.base_url}{path}", json=payload, timeout=60)
		self.assertLess(response.status_code, 500, response.text[:500])
		frappe.db.rollback()  # read what the server committed
		return response

	def set_value(self, user: str, doctype: str, name: str, values: dict) -> requests.Response:
		payload = {"doctype": doctype, "name": name, "fieldname": values}
		return self.send(user, "POST", "/api/method/frappe.client.set_value", payload)

	def test_sales_user_cannot_lift_a_credit_hold(self):
		before = order_state(self.order)
		self.assertEqual(before[2], "On Hold")
		for values in (
			{"credit_hold": ""},
			{"credit_status": "Released"},
			{"credit_hold": None, "credit_status": None},
		):
			self.set_value(SALES_USER, "Sales Order", self.order, values)
			self.assertEqual(order_state(self.order), before, values)
		self.send(
			SALES_USER,
			"PUT",
			f"/api/resource/Sales Order/{self.order}",
			{"credit_hold": None, "credit_status": "Within Limit"},
		)
		self.assertEqual(order_state(self.order), before)

	def test_sales_user_cannot_set_a_quotations_credit_status(self):
		before = frappe.db.get_value("Quotation", self.quotation, "credit_status")
		self.set_value(SALES_USER, "Quotation", self.quotation, {"credit_status": "Over Limit"})
		self.assertEqual(frappe.db.get_value("Quotation", self.quotation, "credit_status"), before)

	def test_accounts_user_cannot_write_collection_state(self):
		before = invoice_state(self.invoice)
		self.assertEqual(before.disputed, 0)
		for fieldname, value in SMUGGLED_INVOICE_STATE.items():
			self.set_value(ACCOUNTS_USER, "Sales Invoice", self.invoice, {fieldname: value})
			self.assertEqual(invoice_state(self.invoice), before, fieldname)
		self.send(ACCOUNTS_USER, "PUT", f"/api/resource/Sales Invoice/{self.invoice}", SMUGGLED_INVOICE_STATE)
		self.assertEqual(invoice_state(self.invoice), before)

	def test_a_new_invoice_posted_with_collection_state_has_none(self):
		payload = {
			"customer": self.customer,
			**books._commercial_fields(self.customer, None, None, True, 5.0, True),
			"items": [{"item_code": self.item, "qty": 1, "rate": 100, "warehouse": factories.warehouse()}],
		}
		response = self.send(
			ACCOUNTS_USER, "POST", "/api/resource/Sales Invoice", {**payload, **SMUGGLED_INVOICE_STATE}
		)
		self.assertEqual(response.status_code, 200, response.text[:500])
		name = response.json()["data"]["name"]
		self.assertEqual(invoice_state(name), {**EMPTY_INVOICE_STATE, "collection_status": None})

	def test_sales_user_cannot_name_a_schedule_line(self):
		row = self.manual_order.items[0].name
		self.set_value(SALES_USER, "Sales Order Item", row, {"schedule_line": self.line})
		self.assertEqual(
			frappe.db.get_value("Sales Order Item", row, ["scheduling_agreement", "schedule_line"]),
			(self.agreement, None),
		)
		self.assertEqual(
			frappe.db.get_value("Scheduling Agreement Schedule Line", self.line, "status"), "Open"
		)
