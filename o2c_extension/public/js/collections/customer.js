// o2c_extension (collections): desk additions on this ERPNext form

frappe.ui.form.on("Customer", {
	refresh(frm) {
		if (frm.is_new()) return;
		if (frm.doc.exclude_from_collections) {
			frm.dashboard.add_indicator(__("Excluded from collections"), "gray");
		}
		if (frappe.model.can_read("Collection Action")) {
			frm.add_custom_button(
				__("Collection Actions"),
				() => frappe.set_route("List", "Collection Action", { customer: frm.doc.name }),
				__("View")
			);
		}
	},
});
