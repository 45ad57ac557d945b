// o2c_extension (collections): the Dispute form; its outcome is set by Resolve / Reject alone
frappe.ui.form.on("Dispute", {
	setup(frm) {
		frm.set_query("reason_code", () => ({ filters: { enabled: 1 } }));
	},

	refresh(frm) {
		if (frm.is_new() || frm.doc.status !== "Open") return;
		const resolve = (resolution) =>
			frappe.call({
				method: "o2c_extension.api.collections.resolve_dispute",
				args: { dispute: frm.doc.name, resolution },
				freeze: true,
				callback: (r) => !r.exc && frm.reload_doc(),
			});
		const group = __("Resolve");
		frm.add_custom_button(__("Credit Note"), () => resolve("Credit Note"), group);
		frm.add_custom_button(__("Write-off"), () => resolve("Write-off"), group);
		frm.add_custom_button(__("Customer Paid"), () => resolve("Customer Paid"), group);
		frm.add_custom_button(
			__("Reject"),
			() =>
				frappe.confirm(__("Reject dispute {0}? Its amount is chased again.", [frm.doc.name]), () =>
					resolve("Rejected")
				),
			group
		);
	},
});
