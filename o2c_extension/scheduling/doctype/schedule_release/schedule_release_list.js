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

// Upload an EDIFACT interchange (DELFOR / DELJIT, D96A / D97A): the file is stored as a private
// File, the server makes one Schedule Release per message and attaches the message to it.
function o2c_import_edifact(after) {
	new frappe.ui.FileUploader({
		allow_multiple: false,
		make_attachments_public: false,
		on_success(file) {
			frappe
				.call({
					method: "o2c_extension.api.scheduling.import_edifact",
					args: { file_url: file.file_url },
					freeze: true,
					freeze_message: __("Reading the interchange..."),
				})
				.then(({ message }) => {
					const made = (message.releases || []).map((release) =>
						__("Message {0}: Schedule Release {1} ({2}): {3} added, {4} changed, {5} removed.", [
							frappe.utils.escape_html(release.message_ref),
							frappe.utils.get_form_link("Schedule Release", release.schedule_release, true),
							__(release.release_type),
							release.lines_added,
							release.lines_changed,
							release.lines_removed,
						])
					);
					const refused = (message.errors || []).map((error) => error.error);
					frappe.msgprint({
						title: __("EDIFACT Import"),
						indicator: refused.length ? "orange" : "green",
						message: [...made, ...refused].join("<br>"),
					});
					if (after) after();
				});
		},
	});
}
