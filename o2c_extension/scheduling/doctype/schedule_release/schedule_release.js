// Schedule Release: paste or attach the customer's CSV, save to see what it would change,
// submit to apply it to the agreement.

frappe.ui.form.on("Schedule Release", {
	setup(frm) {
		frm.set_query("scheduling_agreement", () => ({
			filters: { docstatus: 1, status: "Active" },
		}));
		frm.set_query("item_code", "lines", () =>
			frm.agreement_items ? { filters: { name: ["in", frm.agreement_items] } } : {}
		);
	},

	refresh(frm) {
		load_agreement_items(frm);
		if (frm.doc.docstatus === 0 && (frm.doc.csv_text || frm.doc.csv_file)) {
			frm.add_custom_button(__("Load Lines from CSV"), () => {
				frm.clear_table("lines");
				frm.save();
			});
		}
	},

	scheduling_agreement(frm) {
		load_agreement_items(frm);
	},
});

frappe.ui.form.on("Schedule Release Item", {
	// a stored Float cannot tell an empty cell from 0: the row says the quantity was given
	cumulative_received_qty(frm, cdt, cdn) {
		frappe.model.set_value(cdt, cdn, "cumulative_received_given", 1);
	},
});

function load_agreement_items(frm) {
	if (!frm.doc.scheduling_agreement) return;
	frappe.db
		.get_doc("Scheduling Agreement", frm.doc.scheduling_agreement)
		.then((doc) => (frm.agreement_items = (doc.items || []).map((row) => row.item_code)));
}
