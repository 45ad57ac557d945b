// o2c_extension (scheduling): Quotation › Create › Scheduling Agreement
frappe.ui.form.on("Quotation", {
	refresh(frm) {
		if (
			frm.doc.docstatus === 1 &&
			frm.doc.quotation_to === "Customer" &&
			frm.doc.status !== "Lost" &&
			frappe.model.can_create("Scheduling Agreement")
		) {
			frm.add_custom_button(
				__("Scheduling Agreement"),
				() =>
					frappe.model.open_mapped_doc({
						method: "o2c_extension.scheduling.doctype.scheduling_agreement.scheduling_agreement.make_scheduling_agreement",
						frm,
					}),
				__("Create")
			);
		}
	},
});
