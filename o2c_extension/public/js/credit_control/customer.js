// o2c_extension (credit_control): exposure against limit on the Customer dashboard

frappe.ui.form.on("Customer", {
	refresh(frm) {
		const company = frappe.defaults.get_user_default("Company");
		if (frm.is_new() || !company) return;

		frappe.call({
			method: "o2c_extension.api.credit.get_exposure",
			args: { customer: frm.doc.name, company: company },
			callback(r) {
				const exposure = r.message;
				if (!exposure || frm.doc.name !== exposure.customer) return;
				const money = (value) => format_currency(value, exposure.currency);
				const colors = { "Within Limit": "green", "Over Limit": "red", "On Credit Hold": "orange" };
				const limit = exposure.credit_limit ? money(exposure.credit_limit) : __("no limit");
				frm.dashboard.add_indicator(
					__("Credit exposure {0} of {1} ({2})", [money(exposure.total), limit, __(exposure.status)]),
					colors[exposure.status] || "gray"
				);
				if (exposure.risk_class) {
					const classColors = { A: "green", B: "blue", C: "orange", D: "red" };
					frm.dashboard.add_indicator(
						__("Credit score {0}, risk class {1}", [exposure.credit_score, exposure.risk_class]),
						classColors[exposure.risk_class] || "gray"
					);
				}
				frm.add_custom_button(
					__("Request Credit Limit"),
					() =>
						o2c_extension.credit.request_credit_limit({
							customer: frm.doc.name,
							company: exposure.company,
							current_limit: exposure.credit_limit,
							currency: exposure.currency,
						}),
					__("Credit")
				);
				if (exposure.oldest_overdue_days) {
					frm.dashboard.add_indicator(
						__("Oldest overdue: {0} days", [exposure.oldest_overdue_days]),
						"orange"
					);
				}
				if (exposure.pending_holds.length) {
					frm.dashboard.set_headline_alert(
						__("{0} pending Credit Hold(s): {1}", [
							exposure.pending_holds.length,
							exposure.pending_holds
								.map((name) => frappe.utils.get_form_link("Credit Hold", name, true))
								.join(", "),
						]),
						"orange"
					);
				}
			},
		});
	},
});
