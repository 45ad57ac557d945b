"""ERPNext's selling documents, with their credit-limit check deferring to a Credit Policy.

Each `check_credit_limit` runs ERPNext's own check unchanged unless this app decides the
document's credit (credit control on and a policy applies, or the order was held for collections);
then ERPNext's error must not fire as well.

The code is in mixins: on v16 hooks.py names them in `extend_doctype_class`, so Frappe mixes them
into ERPNext's controller together with other apps' extensions of the same DocType; on v15, which
only has `override_doctype_class`, it names the subclasses below (mixin + ERPNext's controller).
See order_to_cash/versions.py.
"""

import frappe
from erpnext.accounts.doctype.sales_invoice.sales_invoice import SalesInvoice
from erpnext.selling.doctype.sales_order.sales_order import SalesOrder
from erpnext.stock.doctype.delivery_note.delivery_note import DeliveryNote
from frappe import _

from o2c_extension.credit_control import checks, holds


class SalesOrderCreditControl:
	def check_credit_limit(self):
		# decided in before_submit, or a Credit Controller's release
		if self.flags.o2c_credit_handled or self.flags.o2c_credit_release:
			return
		if checks.policy_governs(self):
			# after submit: items updated, resumed from a manual hold
			checks.check_submitted_sales_order(self)
			return
		super().check_credit_limit()

	def update_status(self, status):
		# Resuming (or re-opening) an order whose Credit Hold is Pending or Rejected would bypass
		# the Credit Controller; only release does that.
		if status == "Draft" and self.docstatus == 1 and not self.flags.o2c_credit_release:
			hold = holds.open_hold_of(self)
			if hold:
				frappe.throw(
					_(
						"Sales Order {0} is held by Credit Hold {1}; a Credit Controller must release it."
					).format(self.name, hold),
					title=_("On Credit Hold"),
				)
			# re-opening re-checks the order whatever its amount (checks.check_submitted_sales_order)
			self.flags.o2c_resuming = True
		super().update_status(status)


class DeliveryNoteCreditControl:
	def check_credit_limit(self):
		if checks.policy_governs(self):
			return  # checked in before_submit by the policy
		super().check_credit_limit()


class SalesInvoiceCreditControl:
	def check_credit_limit(self):
		if checks.policy_governs(self):
			return  # checked in before_submit by the policy
		super().check_credit_limit()


# v15's override_doctype_class: one subclass of ERPNext's controller per DocType
class CreditControlledSalesOrder(SalesOrderCreditControl, SalesOrder):
	pass


class CreditControlledDeliveryNote(DeliveryNoteCreditControl, DeliveryNote):
	pass


class CreditControlledSalesInvoice(SalesInvoiceCreditControl, SalesInvoice):
	pass
