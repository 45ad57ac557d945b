// o2c_extension (credit_control): credit warning on a Quotation

frappe.ui.form.on("Quotation", {
	refresh(frm) {
		if (frm.doc.credit_status === "Over Limit") {
			frm.dashboard.set_headline_alert(
				__("The customer would fail its credit check if this quotation were ordered."),
				"orange"
			);
		}
	},
});
