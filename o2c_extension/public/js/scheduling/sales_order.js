// o2c_extension (scheduling): show which scheduling agreement an order was called off from
frappe.ui.form.on("Sales Order", {
	refresh(frm) {
		o2c_extension.set_headline(
			frm,
			"scheduling",
			frm.doc.scheduling_agreement &&
				__("Against Scheduling Agreement {0}", [
					frappe.utils.get_form_link("Scheduling Agreement", frm.doc.scheduling_agreement, true),
				])
		);
	},
});
