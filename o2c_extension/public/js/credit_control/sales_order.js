// o2c_extension (credit_control): credit status of a submitted Sales Order

frappe.ui.form.on("Sales Order", {
	refresh(frm) {
		const status = frm.doc.docstatus === 1 && frm.doc.credit_status;
		if (!status) {
			o2c_extension.set_headline(frm, "credit", null);
			return;
		}

		const colors = {
			"Within Limit": "green",
			"On Credit Hold": "orange",
			Released: "blue",
			Rejected: "red",
		};
		// The form dashboard sits under the Connections tab in v15; the headline above the tabs is
		// what the user sees first, so the status goes there as well (shared with scheduling).
		frm.dashboard.add_indicator(__("Credit: {0}", [__(status)]), colors[status] || "gray");
		const hold = frm.doc.credit_hold;
		const headlines = {
			"Within Limit": __(
				"Credit: Within Limit. The credit check passed when this order was submitted."
			),
			"On Credit Hold": __(
				"Credit: On Credit Hold. This order is On Hold until Credit Hold {0} is released.",
				[hold]
			),
			Released: __(
				"Credit: Released. Credit Hold {0} was released and the order resumed.",
				[hold]
			),
			Rejected: __(
				"Credit: Rejected. Credit Hold {0} was rejected; this order stays On Hold.",
				[hold]
			),
		};
		o2c_extension.set_headline(frm, "credit", headlines[status], colors[status]);

		if (!hold) return;
		frm.add_custom_button(
			__("Credit Hold"),
			() => frappe.set_route("Form", "Credit Hold", hold),
			__("View")
		);
		if (status === "On Credit Hold" || status === "Rejected") {
			frm.add_custom_button(
				__("Request Credit Limit"),
				() =>
					o2c_extension.credit.request_credit_limit({
						customer: frm.doc.customer,
						company: frm.doc.company,
						sales_order: frm.doc.name,
					}),
				__("Credit")
			);
			// only a Credit Controller's release resumes the order (the server refuses too)
			frm.remove_custom_button(__("Resume"), __("Status"));
		}
	},
});
