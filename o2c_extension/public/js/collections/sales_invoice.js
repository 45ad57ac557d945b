// o2c_extension (collections): collection status, promise to pay and dispute on the Sales Invoice form

const O2C_COLLECTIONS_API = "o2c_extension.api.collections";
const O2C_COLLECTION_ROLES = ["Collections Agent", "Collections Manager", "Accounts Manager"];
const O2C_COLLECTION_COLORS = {
	"Not Due": "blue",
	Reminded: "cyan",
	Overdue: "orange",
	"In Dunning": "red",
	Escalated: "red",
	"Promise to Pay": "purple",
	Disputed: "yellow",
	Paid: "green",
};

frappe.ui.form.on("Sales Invoice", {
	refresh(frm) {
		o2c_collections.show_status(frm);
		o2c_collections.add_buttons(frm);
	},
});

const o2c_collections = {
	show_status(frm) {
		// a headline, not a dashboard indicator: the dashboard sits in a tab of its own
		const status = frm.doc.collection_status;
		if (frm.doc.docstatus !== 1 || frm.doc.is_return || !status) return;
		let label = __("Collections: {0}", [__(status)]);
		if (status === "Promise to Pay" && frm.doc.promise_to_pay_date) {
			label = __("Collections: promised by {0}", [
				frappe.datetime.str_to_user(frm.doc.promise_to_pay_date),
			]);
		} else if (status === "Disputed" && frm.doc.dispute_reason) {
			label = __("Collections: disputed ({0})", [frm.doc.dispute_reason]);
		}
		const color = O2C_COLLECTION_COLORS[status] || "gray";
		frm.dashboard.set_headline_alert(
			`<span class="indicator ${color}">${frappe.utils.escape_html(label)}</span>`
		);
	},

	add_buttons(frm) {
		if (frm.doc.docstatus !== 1 || frm.doc.is_return) return;
		if (!O2C_COLLECTION_ROLES.some((role) => frappe.user.has_role(role))) return;
		const group = __("Collections");
		const unpaid = flt(frm.doc.outstanding_amount) > 0;

		if (unpaid && !frm.doc.disputed) {
			frm.add_custom_button(__("Record Promise to Pay"), () => this.promise_dialog(frm), group);
			frm.add_custom_button(__("Record Dispute"), () => this.dispute_dialog(frm), group);
		}
		// open disputes: a partial one leaves the invoice chased, so the flag alone does not tell
		frappe.db
			.get_list("Dispute", {
				filters: { sales_invoice: frm.doc.name, status: "Open" },
				fields: ["name", "disputed_amount", "currency", "reason_code"],
				order_by: "creation asc",
			})
			.then((open_disputes) => {
				if (!open_disputes.length || frm.doc.name !== frm.docname) return;
				this.show_open_disputes(frm, open_disputes);
				frm.add_custom_button(
					__("Resolve Dispute"),
					() => this.resolve_dialog(frm, open_disputes),
					group
				);
			});
		frm.add_custom_button(
			__("Collection Actions"),
			() => frappe.set_route("List", "Collection Action", { sales_invoice: frm.doc.name }),
			group
		);
	},

	show_open_disputes(frm, open_disputes) {
		if (frm.doc.disputed) return; // the headline says it already
		const total = open_disputes.reduce((sum, row) => sum + flt(row.disputed_amount), 0);
		const label = __("Collections: {0} disputed, the rest is still chased", [
			format_currency(total, open_disputes[0].currency),
		]);
		frm.dashboard.set_headline_alert(
			`<span class="indicator yellow">${frappe.utils.escape_html(label)}</span>`
		);
	},

	promise_dialog(frm) {
		const dialog = new frappe.ui.Dialog({
			title: __("Record Promise to Pay"),
			fields: [
				{
					fieldname: "promise_date",
					label: __("Customer Promised to Pay By"),
					fieldtype: "Date",
					reqd: 1,
					default: frm.doc.promise_to_pay_date,
				},
				{
					fieldname: "amount",
					label: __("Promised Amount"),
					fieldtype: "Currency",
					description: __("Leave empty for all that is still owed and not disputed."),
				},
				{ fieldname: "note", label: __("Note"), fieldtype: "Small Text" },
			],
			primary_action_label: __("Record"),
			primary_action: (values) => {
				dialog.hide();
				this.call(frm, "record_promise", values);
			},
		});
		dialog.show();
	},

	dispute_dialog(frm) {
		const dialog = new frappe.ui.Dialog({
			title: __("Record Dispute"),
			fields: [
				{
					fieldname: "reason_code",
					label: __("Reason Code"),
					fieldtype: "Link",
					options: "Dispute Reason",
					get_query: () => ({ filters: { enabled: 1 } }),
				},
				{
					fieldname: "disputed_amount",
					label: __("Disputed Amount"),
					fieldtype: "Currency",
					description: __(
						"Leave empty to dispute all that is not disputed yet. Only this amount pauses collections."
					),
				},
				{ fieldname: "reason", label: __("Reason"), fieldtype: "Small Text", reqd: 1 },
			],
			primary_action_label: __("Record"),
			primary_action: (values) => {
				dialog.hide();
				this.call(frm, "record_dispute", values);
			},
		});
		dialog.show();
	},

	resolve_dialog(frm, open_disputes) {
		const dialog = new frappe.ui.Dialog({
			title: __("Resolve Dispute"),
			fields: [
				{
					fieldname: "dispute",
					label: __("Dispute"),
					fieldtype: "Select",
					reqd: 1,
					options: open_disputes.map((row) => ({
						value: row.name,
						label: `${row.name}: ${format_currency(row.disputed_amount, row.currency)}${
							row.reason_code ? " (" + __(row.reason_code) + ")" : ""
						}`,
					})),
					default: open_disputes[0].name,
				},
				{
					fieldname: "resolution",
					label: __("Resolution"),
					fieldtype: "Select",
					reqd: 1,
					options: [
						{ value: "Customer Paid", label: __("Customer Paid") },
						{ value: "Credit Note", label: __("Credit Note") },
						{ value: "Write-off", label: __("Write-off") },
						{ value: "Rejected", label: __("Rejected") },
					],
					default: "Customer Paid",
				},
				{
					fieldname: "credit_note",
					label: __("Credit Note"),
					fieldtype: "Link",
					options: "Sales Invoice",
					depends_on: "eval:doc.resolution === 'Credit Note'",
					description: __("Leave empty to link the latest credit note against this invoice."),
					get_query: () => ({
						filters: { is_return: 1, docstatus: 1, return_against: frm.doc.name },
					}),
				},
			],
			primary_action_label: __("Resolve"),
			primary_action: (values) => {
				dialog.hide();
				this.call(frm, "resolve_dispute", values);
			},
		});
		dialog.show();
	},

	call(frm, method, args) {
		frappe.call({
			method: `${O2C_COLLECTIONS_API}.${method}`,
			args: { sales_invoice: frm.doc.name, ...args },
			freeze: true,
			callback: (r) => {
				if (r.exc) return;
				frappe.show_alert({
					message: __("Collection status: {0}", [__(r.message.collection_status)]),
					indicator: "green",
				});
				frm.reload_doc();
			},
		});
	},
};
