from o2c_extension.order_to_cash import versions

app_name = "o2c_extension"
app_title = "O2C Extension"
app_publisher = "o2c_extension developers"
app_description = "Scheduling agreements, credit holds and automated collections for ERPNext v15 and v16"
app_email = "o2c@example.com"
app_license = "MIT"
required_apps = ["frappe/erpnext"]  # "org/repo" form: resolved without a network lookup

# Install / uninstall
# ------------------
after_install = "o2c_extension.setup.install.after_install"
after_migrate = "o2c_extension.setup.install.after_migrate"
before_uninstall = "o2c_extension.setup.install.before_uninstall"

# Roles ship as fixtures so `bench migrate` keeps them in step with the app.
fixtures = [
	{
		"dt": "Role",
		"filters": [
			[
				"name",
				"in",
				["Credit Controller", "Credit Manager", "Collections Agent", "Collections Manager"],
			]
		],
	},
]

# Desk form scripts on ERPNext doctypes
# -------------------------------------
# One file per capability and form, so each module's desk code stays with the module.
doctype_js = {
	"Quotation": ["public/js/scheduling/quotation.js", "public/js/credit_control/quotation.js"],
	"Sales Order": [
		"public/js/order_to_cash/headline.js",
		"public/js/scheduling/sales_order.js",
		"public/js/credit_control/limit_request.js",
		"public/js/credit_control/sales_order.js",
	],
	"Delivery Note": ["public/js/scheduling/delivery_note.js"],
	"Sales Invoice": ["public/js/collections/sales_invoice.js"],
	"Customer": [
		"public/js/credit_control/limit_request.js",
		"public/js/credit_control/customer.js",
		"public/js/collections/customer.js",
	],
}

# The app's empty lists point at the Order to Cash onboarding (one script for every list)
doctype_list_js = {
	doctype: "public/js/order_to_cash/empty_state.js"
	for doctype in (
		"Scheduling Agreement",
		"Schedule Release",
		"Credit Policy",
		"Credit Hold",
		"Credit Limit Request",
		"Customer Credit Score",
		"Collections Rule",
		"Collection Case",
		"Collection Action",
		"Dispute",
		"Promise to Pay",
	)
}

# Document events
# ---------------
# Each capability keeps its handlers in its own `events.py`; this table only wires them.
doc_events = {
	"Quotation": {
		# the app's state fields are put back before anything reads them (sealed_fields.py)
		"before_validate": "o2c_extension.order_to_cash.sealed_fields.seal",
		"before_update_after_submit": "o2c_extension.order_to_cash.sealed_fields.seal",
		"before_cancel": "o2c_extension.order_to_cash.sealed_fields.seal",
		"validate": "o2c_extension.credit_control.events.quotation_validate",
	},
	"Sales Order": {
		# the app's state fields are put back before anything reads them (sealed_fields.py)
		"before_validate": [
			"o2c_extension.order_to_cash.sealed_fields.seal",
			"o2c_extension.scheduling.events.sales_order_before_validate",
		],
		"before_update_after_submit": "o2c_extension.order_to_cash.sealed_fields.seal",
		"before_cancel": "o2c_extension.order_to_cash.sealed_fields.seal",
		"validate": "o2c_extension.scheduling.events.sales_order_validate",
		"before_submit": "o2c_extension.credit_control.events.sales_order_before_submit",
		"on_submit": [
			"o2c_extension.scheduling.events.sales_order_on_submit",
			"o2c_extension.credit_control.events.sales_order_on_submit",
		],
		"on_cancel": [
			"o2c_extension.scheduling.events.sales_order_on_cancel",
			"o2c_extension.credit_control.events.sales_order_on_cancel",
		],
		"on_update_after_submit": "o2c_extension.scheduling.events.sales_order_on_update_after_submit",
		# ERPNext's close / re-open (`update_status`) is no save; its db_set runs on_change
		"on_change": "o2c_extension.scheduling.events.sales_order_on_change",
	},
	"Delivery Note": {
		# the app's state fields are put back before anything reads them (sealed_fields.py)
		"before_validate": "o2c_extension.order_to_cash.sealed_fields.seal",
		"before_update_after_submit": "o2c_extension.order_to_cash.sealed_fields.seal",
		"before_cancel": "o2c_extension.order_to_cash.sealed_fields.seal",
		"before_submit": "o2c_extension.credit_control.events.delivery_note_before_submit",
		"on_submit": "o2c_extension.scheduling.events.delivery_note_on_submit",
		"on_cancel": "o2c_extension.scheduling.events.delivery_note_on_cancel",
	},
	"Customer": {
		# its group, territory or exclusion may have changed: the collections run looks again
		"on_update": "o2c_extension.collections.events.customer_on_update",
	},
	"Sales Invoice": {
		# the app's state fields are put back before anything reads them (sealed_fields.py)
		"before_validate": "o2c_extension.order_to_cash.sealed_fields.seal",
		"before_update_after_submit": "o2c_extension.order_to_cash.sealed_fields.seal",
		"before_cancel": "o2c_extension.order_to_cash.sealed_fields.seal",
		"before_submit": "o2c_extension.credit_control.events.sales_invoice_before_submit",
		"on_submit": [
			"o2c_extension.scheduling.events.sales_invoice_on_submit",
			"o2c_extension.collections.events.sales_invoice_on_submit",
			"o2c_extension.credit_control.events.payment_on_submit",
			"o2c_extension.order_to_cash.kpi_cache.voucher_changed",
		],
		"on_cancel": [
			"o2c_extension.scheduling.events.sales_invoice_on_cancel",
			"o2c_extension.collections.events.sales_invoice_on_cancel",
			"o2c_extension.credit_control.events.payment_on_cancel",
			"o2c_extension.order_to_cash.kpi_cache.voucher_changed",
		],
	},
	"Payment Entry": {
		"on_submit": [
			"o2c_extension.collections.events.payment_on_submit",
			"o2c_extension.credit_control.events.payment_on_submit",
		],
		"on_cancel": [
			"o2c_extension.collections.events.payment_on_cancel",
			"o2c_extension.credit_control.events.payment_on_cancel",
			"o2c_extension.order_to_cash.kpi_cache.voucher_changed",
		],
	},
	"Journal Entry": {
		"on_submit": [
			"o2c_extension.collections.events.payment_on_submit",
			"o2c_extension.credit_control.events.payment_on_submit",
		],
		"on_cancel": [
			"o2c_extension.collections.events.payment_on_cancel",
			"o2c_extension.credit_control.events.payment_on_cancel",
			"o2c_extension.order_to_cash.kpi_cache.voucher_changed",
		],
	},
	# the workspace's receivables KPIs are cached for the day; these change them (kpi_cache.py)
	"Payment Ledger Entry": {
		"on_submit": "o2c_extension.order_to_cash.kpi_cache.ledger_entry_changed",
		"on_cancel": "o2c_extension.order_to_cash.kpi_cache.ledger_entry_changed",
	},
	"Unreconcile Payment": {"on_submit": "o2c_extension.order_to_cash.kpi_cache.voucher_changed"},
	# the workspace's charts of the app's own DocTypes are cached too; a change drops its chart
	"Credit Hold": {
		"on_change": "o2c_extension.order_to_cash.kpi_cache.document_changed",
		"on_trash": "o2c_extension.order_to_cash.kpi_cache.document_changed",
	},
	"Collection Action": {
		"on_change": "o2c_extension.order_to_cash.kpi_cache.document_changed",
		"on_trash": "o2c_extension.order_to_cash.kpi_cache.document_changed",
	},
	"Scheduling Agreement": {
		"on_change": "o2c_extension.order_to_cash.kpi_cache.document_changed",
		"on_trash": "o2c_extension.order_to_cash.kpi_cache.document_changed",
	},
	# a promise sets its invoices' collection status (the Invoices by Collection Status chart)
	"Promise to Pay": {"on_change": "o2c_extension.order_to_cash.kpi_cache.statuses_changed"},
	# Data Import is open to the app's manager roles: it checks the import right (access.py)
	"Data Import": {"validate": "o2c_extension.access.check_data_import"},
}

# Credit Control: ERPNext's credit-limit check defers to a Credit Policy where one applies
# (see credit_control/overrides.py); without a policy ERPNext's own check runs unchanged.
# v16: the mixins in extend_doctype_class; v15: their subclasses in override_doctype_class.
_credit_control_classes = {
	"Sales Order": ("SalesOrderCreditControl", "CreditControlledSalesOrder"),
	"Delivery Note": ("DeliveryNoteCreditControl", "CreditControlledDeliveryNote"),
	"Sales Invoice": ("SalesInvoiceCreditControl", "CreditControlledSalesInvoice"),
}
if versions.EXTENDS_DOCTYPE_CLASS:
	extend_doctype_class = {
		doctype: [f"o2c_extension.credit_control.overrides.{mixin}"]
		for doctype, (mixin, _subclass) in _credit_control_classes.items()
	}
else:
	override_doctype_class = {
		doctype: f"o2c_extension.credit_control.overrides.{subclass}"
		for doctype, (_mixin, subclass) in _credit_control_classes.items()
	}

# The history of credit limits outlives the policy it was kept for: deleting a Credit Policy is
# not blocked by its Credit Limit Changes (they keep its name).
ignore_links_on_delete = ["Credit Limit Change"]

# Connections on ERPNext forms: each module adds its own documents to ERPNext's dashboards
override_doctype_dashboards = {
	"Customer": [
		"o2c_extension.credit_control.dashboards.customer_dashboard",
		"o2c_extension.scheduling.dashboards.customer_dashboard",
		"o2c_extension.collections.dashboards.customer_dashboard",
	],
	"Sales Order": [
		"o2c_extension.scheduling.dashboards.sales_order_dashboard",
		"o2c_extension.credit_control.dashboards.sales_order_dashboard",
	],
	"Sales Invoice": ["o2c_extension.collections.dashboards.sales_invoice_dashboard"],
}

# Scheduled tasks
# ---------------
# One hourly tick; it starts each capability's daily job at the hour set in O2C Settings,
# once per day (see order_to_cash/scheduler.py).
scheduler_events = {
	"hourly": [
		"o2c_extension.order_to_cash.scheduler.run_daily_jobs",
		# a Credit Hold Pending longer than O2C Settings' Hold Reminder Hours reminds once
		"o2c_extension.credit_control.notifications.remind_pending_holds",
	],
}
