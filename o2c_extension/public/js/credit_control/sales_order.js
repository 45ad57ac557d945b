// o2c_extension (credit_control): credit status of a submitted Sales Order

frappe.ui.form.on("Sales Order", {
	refresh(frm) {
		const status = frm.doc.credit_status;
		if (frm.doc.docstatus !== 1 || !status) return;

		const colors = {
			"Within Limit": "green",
			"On Credit Hold": "orange",
			Released: "blue",
			Rejected: "red",
		};
		frm.dashboard.add_indicator(__("Credit: {0}", [__(status)]), colors[status] || "gray");

		if (!frm.doc.credit_hold) return;
		frm.add_custom_button(
			__("Credit Hold"),
			() => frappe.set_route("Form", "Credit Hold", frm.doc.credit_hold),
			__("View")
		);
		if (status === "On Credit Hold" || status === "Rejected") {
			// only a Credit Controller's release resumes the order (the server refuses too)
			frm.remove_custom_button(__("Resume"), __("Status"));
			frm.dashboard.set_headline_alert(
				status === "On Credit Hold"
					? __("This order is On Hold until Credit Hold {0} is released.", [frm.doc.credit_hold])
					: __("Credit Hold {0} was rejected; this order stays On Hold.", [frm.doc.credit_hold]),
				status === "On Credit Hold" ? "orange" : "red"
			);
		}
	},
});
