frappe.listview_settings["Schedule Release"] = {
	add_fields: ["status"],
	get_indicator(doc) {
		const colors = { Draft: "red", Applied: "green", Cancelled: "gray" };
		return [__(doc.status), colors[doc.status] || "gray", "status,=," + doc.status];
	},
};
