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
		if (frm.doc.disputed) {
			frm.add_custom_button(
				__("Resolve Dispute"),
				() =>
					frappe.confirm(__("Mark the dispute on {0} as resolved? Collections resume.", [frm.doc.name]), () =>
						this.call(frm, "resolve_dispute", {})
					),
				group
			);
		}
		frm.add_custom_button(
			__("Collection Actions"),
			() => frappe.set_route("List", "Collection Action", { sales_invoice: frm.doc.name }),
			group
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
			fields: [{ fieldname: "reason", label: __("Reason"), fieldtype: "Small Text", reqd: 1 }],
			primary_action_label: __("Record"),
			primary_action: (values) => {
				dialog.hide();
				this.call(frm, "record_dispute", values);
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
