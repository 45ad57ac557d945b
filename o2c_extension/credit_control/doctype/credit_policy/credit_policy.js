// Copyright (c) 2026, o2c_extension developers
// For license information, please see license.txt

frappe.ui.form.on("Credit Policy", {
	onload(frm) {
		// The desk pre-fills the default Customer Group; an empty scope means "not scoped by it".
		if (frm.is_new() && frm.doc.customer_group && !frappe.route_options?.customer_group) {
			frm.set_value("customer_group", null);
		}
	},
	refresh(frm) {
		if (!frm.is_new() && frm.doc.customer) {
			frm.add_custom_button(__("Credit Exposure"), () =>
				frappe.set_route("query-report", "Credit Exposure", {
					company: frm.doc.company,
					customer: frm.doc.customer,
				})
			);
		}
	},
});
