frappe.listview_settings["Scheduling Agreement"] = {
	add_fields: ["status", "per_delivered", "valid_to"],
	get_indicator(doc) {
		const colors = {
			Draft: "red",
			Active: "blue",
			Completed: "green",
			Expired: "orange",
			Cancelled: "gray",
		};
		return [__(doc.status), colors[doc.status] || "gray", "status,=," + doc.status];
	},
};
