// o2c_extension (collections): Promise to Pay list, coloured by outcome
frappe.listview_settings["Promise to Pay"] = {
	add_fields: ["status"],
	get_indicator(doc) {
		const colors = {
			Open: "blue",
			Kept: "green",
			"Partially Kept": "orange",
			Broken: "red",
			Cancelled: "gray",
		};
		return [__(doc.status), colors[doc.status] || "gray", `status,=,${doc.status}`];
	},
};
