// Copyright (c) 2026, o2c_extension developers
// For license information, please see license.txt

frappe.listview_settings["Credit Hold"] = {
	add_fields: ["status", "reference_doctype", "reference_name"],
	get_indicator(doc) {
		const colors = { Pending: "orange", Released: "green", "Auto-Released": "blue", Rejected: "red" };
		return [__(doc.status), colors[doc.status] || "gray", `status,=,${doc.status}`];
	},
};
