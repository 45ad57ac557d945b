// Copyright (c) 2026, o2c_extension developers
// For license information, please see license.txt

frappe.listview_settings["Collection Case"] = {
	add_fields: ["status", "priority", "overdue_amount", "currency"],
	get_indicator(doc) {
		const colours = { Open: "red", "Promise to Pay": "blue", Disputed: "orange", Closed: "green" };
		return [__(doc.status), colours[doc.status] || "gray", `status,=,${doc.status}`];
	},
	filters: [["status", "!=", "Closed"]],
};
