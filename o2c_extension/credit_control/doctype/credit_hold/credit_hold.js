// Copyright (c) 2026, o2c_extension developers
// For license information, please see license.txt

frappe.ui.form.on("Credit Hold", {
	refresh(frm) {
		frm.disable_save();
		const colors = { Pending: "orange", Released: "green", "Auto-Released": "blue", Rejected: "red" };
		frm.page.set_indicator(__(frm.doc.status), colors[frm.doc.status] || "gray");

		if (frm.doc.reference_doctype && frm.doc.reference_name) {
			frm.add_custom_button(__("Open {0}", [__(frm.doc.reference_doctype)]), () =>
				frappe.set_route("Form", frm.doc.reference_doctype, frm.doc.reference_name)
			);
		}
		if (frm.doc.status !== "Pending" || !frappe.user.has_role("Credit Controller")) return;

		frm.add_custom_button(__("Release"), () => decide(frm, "release_hold", __("Release Credit Hold")), __("Decide"));
		frm.add_custom_button(__("Reject"), () => decide(frm, "reject_hold", __("Reject Credit Hold")), __("Decide"));
		frm.dashboard.set_headline_alert(
			`<div>${frappe.utils.escape_html(frm.doc.reasons || "")}</div>`.replace(/\n/g, "<br>"),
			"orange"
		);
	},
});

function decide(frm, method, title) {
	const dialog = new frappe.ui.Dialog({
		title: title,
		fields: [
			{
				fieldname: "comment",
				fieldtype: "Small Text",
				label: __("Comment"),
				reqd: 1,
				description: __("Kept in the hold's audit trail."),
			},
		],
		primary_action_label: title,
		primary_action(values) {
			frappe.call({
				method: `o2c_extension.api.credit.${method}`,
				args: { name: frm.doc.name, comment: values.comment },
				freeze: true,
				callback() {
					dialog.hide();
					frm.reload_doc();
				},
			});
		},
	});
	dialog.show();
}
