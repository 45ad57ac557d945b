"""Mail to a customer is written in the customer's language (issue 15): a collections run queues the
reminder of a Russian customer in Russian and of a German one in German, subject and body, with the
statement attached in that language, and the Dunning it makes carries the customer's language; a
customer without a language gets the system language.

The words asserted are read from the app's .po files (and checked to be Russian / German), so the
test follows the translations and fails when the mail is rendered in the wrong language. The books
are real: EUR customers on an EUR receivable, 10 % VAT, 5 % additional discount, 40/30/30 terms.
"""

import json
from pathlib import Path

import frappe
from babel.messages.pofile import read_po
from frappe.tests.utils import change_settings
from frappe.utils import add_days, fmt_money

from o2c_extension.collections import core, setup
from o2c_extension.order_to_cash.language import customer_language, customer_languages, in_language
from tests.integration import books, factories, mail_sink
from tests.integration import collections_helpers as helpers
from tests.integration.test_collections_run import CollectionsTestCase

LOCALE = Path(__file__).resolve().parents[2] / "o2c_extension" / "locale"
BASE = helpers.BASE_DATE
DUNNING_TYPE = "_O2C Language Dunning"
# ERPNext's Dunning Letter Text per language; the letters are Jinja, rendered in the language too
GREETING = "<p>{{ _('Dear {0},').format(customer_name) }}</p>"
LETTERS = {
	"en": (GREETING + "<p>Your account is overdue.</p>", "<p>Regards</p>"),
	"ru": (GREETING + "<p>Ваш счет просрочен.</p>", "<p>С уважением</p>"),
	"de": (GREETING + "<p>Ihr Konto ist überfällig.</p>", "<p>Mit freundlichen Grüßen</p>"),
}


def translations(lang: str) -> dict[str, str]:
	with open(LOCALE / f"{lang}.po", "rb") as f:
		return {message.id: message.string for message in read_po(f) if message.id and message.string}


def dunning_type() -> str:
	name = f"{DUNNING_TYPE} - {factories.ABBR}"
	if not frappe.db.exists("Dunning Type", name):
		frappe.get_doc(
			{
				"doctype": "Dunning Type",
				"dunning_type": DUNNING_TYPE,
				"company": factories.company(),
				"dunning_fee": 0,
				"rate_of_interest": 0,
				"dunning_letter_text": [
					{
						"language": lang,
						"is_default_language": int(lang == "en"),
						"body_text": body,
						"closing_text": closing,
					}
					for lang, (body, closing) in LETTERS.items()
				],
			}
		).insert()
	return name


class TestCustomerLanguage(CollectionsTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		books.world()
		for lang in LETTERS:
			if not frappe.db.exists("Language", lang):
				frappe.get_doc({"doctype": "Language", "language_code": lang, "language_name": lang}).insert()
		dunning_type()
		frappe.db.commit()

	def customer(self, language: str | None, mailbox: str) -> str:
		name = books.eur_customer(language=language)
		helpers.contact(name, f"_{mailbox}@example.com", billing=True)
		helpers.rule(
			name,
			steps=[
				{"day_offset": 7, "action": core.EMAIL_REMINDER, "email_template": setup.OVERDUE},
				{"day_offset": 10, "action": core.CREATE_DUNNING, "dunning_type": dunning_type()},
			],
		)
		return name

	def invoice(self, customer: str):
		with self.on(BASE):
			return books.sales_invoice(customer, [(helpers.item(), 10, 100)], posting_date=BASE)

	def test_reminder_and_dunning_are_in_the_customers_language(self):
		system = customer_language(None)
		customers = {
			"ru": self.customer("ru", "lang-ru"),
			"de": self.customer("de", "lang-de"),
			system: self.customer(None, "lang-system"),
		}
		invoices = {lang: self.invoice(customer) for lang, customer in customers.items()}
		first_term = {lang: invoice.payment_schedule[0] for lang, invoice in invoices.items()}
		self.assertEqual(len(invoices["ru"].payment_schedule), 3)  # 40 / 30 / 30
		self.assertEqual(invoices["ru"].currency, "EUR")
		self.assertTrue(invoices["ru"].taxes and invoices["ru"].discount_amount)

		frappe.db.commit()
		self.run_collections(add_days(BASE, 10))  # the first term is 10 days overdue

		# what the customers received: the queue's mails, sent through the outgoing account to the
		# test's mail server
		queued = {lang: helpers.emails_for(invoice.name) for lang, invoice in invoices.items()}
		self.assertEqual([len(mails) for mails in queued.values()], [1, 1, 1])
		received = dict(
			zip(invoices, mail_sink.deliver(*(mails[0].name for mails in queued.values())), strict=True)
		)
		english = {}
		for lang, invoice in invoices.items():
			message = received[lang]
			subject, body = message.subject, message.html
			mailbox = "lang-system" if lang == system else f"lang-{lang}"
			self.assertEqual(message.recipients, [f"_{mailbox}@example.com"])
			catalogue = translations(lang) if lang != "en" else {}

			def say(msgid, catalogue=catalogue, lang=lang):
				translated = catalogue.get(msgid, msgid)
				if lang != "en":
					self.assertNotEqual(translated, msgid, f"{msgid!r} has no {lang} translation")
				return translated

			customer_name = frappe.db.get_value("Customer", customers[lang], "customer_name")
			self.assertEqual(subject, say("Overdue payment: invoice {0}").format(invoice.name))
			self.assertIn(say("Dear {0},").format(customer_name), body)
			self.assertIn(
				say(
					"We have not yet received this payment, which is now overdue. Please pay it promptly or "
					"let us know if anything is holding it up."
				),
				body,
			)
			self.assertIn(say("These payments have fallen due:"), body)
			self.assertIn(say("Kind regards,"), body)
			# the term that fell due, with what is unpaid of it, in the invoice's currency
			self.assertIn(fmt_money(first_term[lang].payment_amount, currency="EUR"), body)
			# the statement attached is printed in the same language when the queue sends the mail
			(attachment,) = json.loads(queued[lang][0].attachments)
			self.assertEqual(attachment["lang"], lang)
			(statement,) = message.attachments.values()
			statement = statement.decode()
			self.assertIn(invoice.name, statement)
			self.assertIn(f"<h2>{say('Statement of Account')}</h2>", statement)
			self.assertIn(say("If you have paid already, please ignore the payments listed here."), statement)
			if lang != "en":
				self.assertNotIn("If you have paid already", statement)
			if lang == "en":
				english = {"subject": subject, "body": body}

			dunning = frappe.get_doc(
				"Dunning",
				frappe.db.get_value(
					"Overdue Payment", {"sales_invoice": invoice.name, "parenttype": "Dunning"}, "parent"
				),
			)
			self.assertEqual(dunning.docstatus, 1)
			self.assertEqual(dunning.language, lang)
			self.assertEqual(
				dunning.body_text,
				f"<p>{say('Dear {0},').format(customer_name)}</p>" + LETTERS[lang][0].removeprefix(GREETING),
			)

		# not the English mail with a few words changed: the English sentences are gone
		self.assertIn("We have not yet received this payment", english["body"])
		ru_subject, ru_body = received["ru"].subject, received["ru"].html
		de_subject, de_body = received["de"].subject, received["de"].html
		self.assertIn("Просроченный платеж", ru_subject)
		self.assertIn("Überfällige Zahlung", de_subject)
		for body in (ru_body, de_body):
			self.assertNotIn("We have not yet received", body)
			self.assertNotIn("Kind regards", body)
			self.assertNotIn("These payments have fallen due", body)
		self.assertIn("С уважением", ru_body)
		self.assertIn("Mit freundlichen Grüßen", de_body)


class TestLanguageOfACustomer(CollectionsTestCase):
	def test_customer_language_falls_back_to_the_system_language(self):
		russian = books.eur_customer(language="ru")
		plain = books.eur_customer()
		# a new customer takes the language default of the session; one without any falls back
		frappe.db.set_value("Customer", plain, "language", None)
		system = frappe.db.get_single_value("System Settings", "language") or "en"
		self.assertEqual(customer_language(russian), "ru")
		self.assertEqual(customer_language(plain), system)
		self.assertEqual(customer_language(None), system)
		self.assertEqual(customer_languages([russian, plain, russian]), {russian: "ru", plain: system})
		with change_settings("System Settings", language="de"):
			frappe.db.value_cache.pop("System Settings", None)  # read once per request, as Frappe does
			self.assertEqual(customer_language(plain), "de")
			self.assertEqual(customer_language(russian), "ru")
		frappe.db.value_cache.pop("System Settings", None)

	def test_in_language_renders_inside_and_restores_afterwards(self):
		de = translations("de")
		before = frappe.local.lang
		template = "{{ _('Credit Hold') }} / {{ _('Dear {0},').format(name) }}"
		with in_language("de"):
			self.assertEqual(frappe.local.lang, "de")
			self.assertEqual(frappe._("Credit Hold"), de["Credit Hold"])
			self.assertEqual(
				frappe.render_template(template, {"name": "Muster GmbH"}),
				f"{de['Credit Hold']} / {de['Dear {0},'].format('Muster GmbH')}",
			)
			with in_language("ru"):
				self.assertEqual(frappe._("Credit Hold"), translations("ru")["Credit Hold"])
			self.assertEqual(frappe.local.lang, "de")
		self.assertEqual(frappe.local.lang, before)
		self.assertEqual(frappe.render_template(template, {"name": "X"}), "Credit Hold / Dear X,")

		with self.assertRaises(ZeroDivisionError), in_language("bg"):
			1 / 0  # noqa: B018
		self.assertEqual(frappe.local.lang, before)
		translate = frappe._  # (not `_`: the gettext extractor would read `lang` as a context)
		self.assertNotEqual(translate("Credit Hold", lang="lt"), "Credit Hold")


class TestCompiledCatalogues(CollectionsTestCase):
	def test_migrate_compiles_every_language_frappe_then_reads(self):
		from frappe.gettext.translate import get_mo_path
		from frappe.translate import get_translations_from_apps

		from o2c_extension.order_to_cash.translations import compile_catalogues

		self.assertEqual(compile_catalogues(force=True), ["bg", "de", "lt", "ru"])
		self.assertEqual(compile_catalogues(), [])  # up to date: nothing to do
		for lang in ("ru", "bg", "lt", "de"):
			self.assertTrue(get_mo_path("o2c_extension", lang).exists())
			expected = translations(lang)["Collections Rule"]
			self.assertEqual(
				get_translations_from_apps(lang, ["o2c_extension"])["Collections Rule"], expected
			)
			translate = frappe._  # (not `_`: the gettext extractor would read `lang` as a context)
			self.assertEqual(translate("Collections Rule", lang=lang), expected)
