// o2c_extension (scheduling): show which scheduling agreement a delivery belongs to
frappe.ui.form.on("Delivery Note", {
	refresh(frm) {
		if (frm.doc.scheduling_agreement) {
			frm.set_intro(
				__("Against Scheduling Agreement {0}", [
					frappe.utils.get_form_link("Scheduling Agreement", frm.doc.scheduling_agreement, true),
				]),
				"blue"
			);
		}
	},
});
