// Copyright (c) 2026, o2c_extension developers
// For license information, please see license.txt

frappe.ui.form.on("O2C Settings", {
	refresh(frm) {
		frm.set_intro(
			__("Daily jobs run once a day at the hour set below; each of them can be re-run safely."),
			"blue"
		);
	},
});
