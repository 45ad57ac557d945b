// Copyright (c) 2026, o2c_extension developers
// For license information, please see license.txt

frappe.listview_settings["Collection Action"] = {
	get_indicator(doc) {
		const colors = {
			Pending: "gray",
			Open: "orange",
			Completed: "green",
			Closed: "green",
			Failed: "red",
			Cancelled: "gray",
		};
		return [__(doc.status), colors[doc.status] || "gray", `status,=,${doc.status}`];
	},
};
