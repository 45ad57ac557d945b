// Copyright (c) 2026, o2c_extension developers
// For license information, please see license.txt

frappe.ui.form.on("Credit Policy", {
	onload(frm) {
		// Made from a Customer or Customer Group: scope the policy to it. The site's default
		// Customer Group, pre-filled into every new document, is not a choice.
		if (frm.is_new() && !frm.doc.applies_to) {
			const prefilled_group = frappe.defaults.get_user_default("customer_group");
			if (frm.doc.customer) {
				frm.set_value("applies_to", "Customer");
			} else if (frm.doc.customer_group && frm.doc.customer_group !== prefilled_group) {
				frm.set_value("applies_to", "Customer Group");
			}
		}
	},
	applies_to(frm) {
		// The field the scope no longer uses is hidden: empty it so it cannot linger.
		if (frm.doc.applies_to !== "Customer" && frm.doc.customer) {
			frm.set_value("customer", null);
		}
		if (frm.doc.applies_to !== "Customer Group" && frm.doc.customer_group) {
			frm.set_value("customer_group", null);
		}
		if (frm.doc.applies_to !== "Risk Class" && frm.doc.risk_class) {
			frm.set_value("risk_class", null);
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
