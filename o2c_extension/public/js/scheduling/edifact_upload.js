// The desk's EDIFACT upload, one function for the Scheduling Agreement form and the Schedule
// Release list: Frappe renders this file into both scripts (their include directive).

// Upload an EDIFACT interchange (DELFOR / DELJIT, D96A / D97A): the file is stored as a private
// File, the server makes one Schedule Release per message and attaches the message to it. A large
// interchange is imported in the background: the user is told so, and sees the same summary when
// the job is done (its realtime event; the bell keeps it too).
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
					if (!message.queued) {
						o2c_show_edifact_result(message, after);
						return;
					}
					frappe.show_alert({ message: message.message, indicator: "blue" }, 10);
					const done = (result) => {
						frappe.realtime.off("o2c_edifact_import", done);
						o2c_show_edifact_result(result, after);
					};
					frappe.realtime.on("o2c_edifact_import", done);
				});
		},
	});
}

function o2c_show_edifact_result(message, after) {
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
	if (message.refusal) refused.push(message.refusal);
	frappe.msgprint({
		title: __("EDIFACT Import"),
		indicator: refused.length ? "orange" : "green",
		message: [...made, ...refused].join("<br>"),
	});
	if (after) after();
}
