// Copyright (c) 2026, o2c_extension developers
// For license information, please see license.txt

frappe.ui.form.on("Credit Limit Request", {
	refresh(frm) {
		const colors = { Draft: "gray", Pending: "orange", Approved: "green", Rejected: "red" };
		frm.page.set_indicator(__(frm.doc.status), colors[frm.doc.status] || "gray");
		const decider = frappe.user.has_role("Credit Controller") || frappe.user.has_role("Credit Manager");
		if (frm.is_new() || frm.doc.status !== "Pending" || !decider || frm.doc.owner === frappe.session.user) return;

		frm.add_custom_button(__("Approve"), () => decide(frm, "approve_limit_request", __("Approve Credit Limit Request")), __("Decide"));
		frm.add_custom_button(__("Reject"), () => decide(frm, "reject_limit_request", __("Reject Credit Limit Request")), __("Decide"));
	},
});

function decide(frm, method, title) {
	const dialog = new frappe.ui.Dialog({
		title: title,
		fields: [{ fieldname: "comment", fieldtype: "Small Text", label: __("Comment"), reqd: 1 }],
		primary_action_label: title,
		primary_action(values) {
			frappe.call({
				method: `o2c_extension.api.credit.${method}`,
				args: { name: frm.doc.name, comment: values.comment },
				freeze: true,
				callback(r) {
					if (!r.exc) {
						dialog.hide();
						frm.reload_doc();
					}
				},
			});
		},
	});
	dialog.show();
}
