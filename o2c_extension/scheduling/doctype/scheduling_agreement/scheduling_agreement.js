// Scheduling Agreement: release import, call-off and the schedule report from the form.

frappe.ui.form.on("Scheduling Agreement", {
	setup(frm) {
		frm.set_query("customer", () => ({ filters: { disabled: 0 } }));
		frm.set_query("selling_price_list", () => ({ filters: { selling: 1 } }));
		frm.set_query("warehouse", "items", () => ({
			filters: { company: frm.doc.company, is_group: 0 },
		}));
		// schedule lines only for the agreement's own items
		frm.set_query("item_code", "schedule", () => ({
			filters: { name: ["in", (frm.doc.items || []).map((row) => row.item_code)] },
		}));
	},

	onload(frm) {
		if (frm.is_new() && frm.doc.release_horizon_days == null) {
			frappe.db
				.get_single_value("O2C Settings", "default_release_horizon_days")
				.then((days) => frm.set_value("release_horizon_days", days || 0));
		}
	},

	refresh(frm) {
		if (frm.doc.docstatus !== 1) return;

		frm.add_custom_button(__("Schedule vs Actual"), () => {
			frappe.set_route("query-report", "Schedule vs Actual", {
				scheduling_agreement: frm.doc.name,
			});
		});

		if (frm.doc.status !== "Active" || !frm.has_perm("write")) return;

		frm.add_custom_button(__("Release Now"), () => release_now(frm)).addClass("btn-primary");
		frm.add_custom_button(__("Import Release"), () => import_release(frm), __("Create"));
		frm.add_custom_button(
			__("Import EDIFACT (DELFOR / DELJIT)"),
			() => o2c_import_edifact(() => frm.reload_doc()),
			__("Create")
		);
		if (frappe.model.can_create("Sales Order")) {
			frm.add_custom_button(
				__("Sales Order"),
				() =>
					frappe.model.open_mapped_doc({
						method: "o2c_extension.scheduling.doctype.scheduling_agreement.scheduling_agreement.make_sales_order",
						frm,
					}),
				__("Create")
			);
		}
	},
});

function release_now(frm) {
	frappe.confirm(
		__("Make the Sales Orders for the Firm lines due within {0} days now?", [
			frm.doc.release_horizon_days || 0,
		]),
		() =>
			frappe
				.call({
					method: "o2c_extension.api.scheduling.release_now",
					args: { scheduling_agreement: frm.doc.name },
					freeze: true,
					freeze_message: __("Calling off..."),
				})
				.then(({ message }) => {
					const orders = message || [];
					frappe.msgprint(
						orders.length
							? __("Sales Orders made: {0}", [
									orders
										.map((name) => frappe.utils.get_form_link("Sales Order", name, true))
										.join(", "),
							  ])
							: __("Nothing is due for call-off."),
						__("Release Now")
					);
					frm.reload_doc();
				})
	);
}

function import_release(frm) {
	const dialog = new frappe.ui.Dialog({
		title: __("Import Customer Release"),
		fields: [
			{ fieldname: "release_no", fieldtype: "Data", label: __("Release No"), reqd: 1 },
			{
				fieldname: "release_date",
				fieldtype: "Date",
				label: __("Release Date"),
				reqd: 1,
				default: frappe.datetime.get_today(),
			},
			{
				fieldname: "csv_file",
				fieldtype: "Attach",
				label: __("CSV File"),
			},
			{
				fieldname: "csv_text",
				fieldtype: "Code",
				options: "CSV",
				label: __("Or paste CSV"),
				description: __(
					"One line per schedule line: item code, date (YYYY-MM-DD), qty, type (Firm / Forecast). A header row is optional. The release replaces the Open lines."
				),
			},
		],
		primary_action_label: __("Import"),
		primary_action(values) {
			if (!values.csv_file && !values.csv_text) {
				frappe.msgprint(__("Paste the release or attach a CSV file."));
				return;
			}
			frappe
				.call({
					method: "o2c_extension.api.scheduling.import_release_csv",
					args: { scheduling_agreement: frm.doc.name, ...values },
					freeze: true,
				})
				.then(({ message }) => {
					dialog.hide();
					frappe.show_alert({
						message: __("Release {0}: {1} added, {2} changed, {3} removed", [
							message.release_no,
							message.lines_added,
							message.lines_changed,
							message.lines_removed,
						]),
						indicator: "green",
					});
					frm.reload_doc();
				});
		},
	});
	dialog.show();
}

{% include "o2c_extension/public/js/scheduling/edifact_upload.js" %}
