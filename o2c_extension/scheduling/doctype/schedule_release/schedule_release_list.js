frappe.listview_settings["Schedule Release"] = {
	add_fields: ["status", "release_type", "cumulative_mismatch"],
	onload(listview) {
		if (!frappe.model.can_create("Schedule Release")) return;
		listview.page.add_inner_button(__("Import EDIFACT"), () => o2c_import_edifact(() => listview.refresh()));
	},
	get_indicator(doc) {
		const colors = { Draft: "red", Applied: "green", Cancelled: "gray" };
		return [__(doc.status), colors[doc.status] || "gray", "status,=," + doc.status];
	},
};

{% include "o2c_extension/public/js/scheduling/edifact_upload.js" %}
