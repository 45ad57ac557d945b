// Copyright (c) 2026, o2c_extension developers
// For license information, please see license.txt

// A customer's account under collection: every field is kept by the app; the collector logs
// calls and notes (a Comment in the timeline) and records the customer's promise to pay.
frappe.ui.form.on("Collection Case", {
	refresh(frm) {
		frm.disable_save();
		if (frm.is_new() || frm.doc.status === "Closed") return;
		frm.add_custom_button(__("Log Call / Note"), () => log_contact(frm));
		frm.add_custom_button(__("Record Promise"), () => record_promise(frm));
		frm.add_custom_button(
			__("Worklist"),
			() =>
				frappe.set_route("query-report", "Collections Worklist", {
					company: frm.doc.company,
					customer: frm.doc.customer,
				}),
			__("View")
		);
		frm.add_custom_button(
			__("Overdue Invoices"),
			() =>
				frappe.set_route("List", "Sales Invoice", {
					customer: frm.doc.customer,
					company: frm.doc.company,
					docstatus: 1,
					outstanding_amount: [">", 0],
				}),
			__("View")
		);
	},
});

function log_contact(frm) {
	const dialog = new frappe.ui.Dialog({
		title: __("Log Call / Note"),
		fields: [
			{
				fieldname: "kind",
				fieldtype: "Select",
				label: __("Type"),
				options: [
					{ value: "Call", label: __("Call") },
					{ value: "Note", label: __("Note") },
				],
				default: "Call",
				reqd: 1,
			},
			{ fieldname: "note", fieldtype: "Small Text", label: __("What was said or done"), reqd: 1 },
		],
		primary_action_label: __("Log"),
		primary_action(values) {
			frappe
				.call({
					method: "o2c_extension.api.collections.log_contact",
					args: { collection_case: frm.doc.name, note: values.note, kind: values.kind },
					freeze: true,
				})
				.then(() => {
					dialog.hide();
					frappe.show_alert({ message: __("Logged on the case."), indicator: "green" });
					frm.reload_doc();
				});
		},
	});
	dialog.show();
}

function record_promise(frm) {
	const dialog = new frappe.ui.Dialog({
		title: __("Record Promise"),
		fields: [
			{ fieldname: "promise_date", fieldtype: "Date", label: __("Promised Payment Date"), reqd: 1 },
			{
				fieldname: "amount",
				fieldtype: "Currency",
				label: __("Promised Amount"),
				description: __("Leave empty when the customer promises to pay everything overdue."),
			},
			{ fieldname: "note", fieldtype: "Small Text", label: __("Note") },
		],
		primary_action_label: __("Record"),
		primary_action(values) {
			frappe
				.call({
					method: "o2c_extension.api.collections.record_promise",
					args: {
						collection_case: frm.doc.name,
						promise_date: values.promise_date,
						amount: values.amount || null,
						note: values.note || null,
					},
					freeze: true,
				})
				.then(() => {
					dialog.hide();
					frappe.show_alert({ message: __("Promise recorded."), indicator: "green" });
					frm.reload_doc();
				});
		},
	});
	dialog.show();
}
