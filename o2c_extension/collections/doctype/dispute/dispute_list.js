// o2c_extension (collections): Dispute list, coloured by status
frappe.listview_settings["Dispute"] = {
	add_fields: ["status", "resolution"],
	get_indicator(doc) {
		const colors = { Open: "orange", Resolved: "green", Rejected: "gray" };
		const label = doc.status === "Resolved" && doc.resolution ? doc.resolution : doc.status;
		return [__(label), colors[doc.status] || "gray", `status,=,${doc.status}`];
	},
};
