// Copyright (c) 2026, o2c_extension developers
// For license information, please see license.txt

frappe.query_reports["Collections Worklist"] = {
	filters: [
		{
			fieldname: "company",
			label: __("Company"),
			fieldtype: "Link",
			options: "Company",
			reqd: 1,
			default: frappe.defaults.get_user_default("Company"),
		},
		{
			fieldname: "agent",
			label: __("Agent"),
			fieldtype: "Link",
			options: "User",
			// agents open their own list; managers see everyone's
			default:
				frappe.user.has_role("Collections Agent") && !frappe.user.has_role("Collections Manager")
					? frappe.session.user
					: "",
		},
		{
			fieldname: "customer",
			label: __("Customer"),
			fieldtype: "Link",
			options: "Customer",
		},
	],
	formatter(value, row, column, data, default_formatter) {
		value = default_formatter(value, row, column, data);
		if (column.fieldname === "flags" && data && data.flags) {
			value = `<span class="indicator-pill orange">${value}</span>`;
		}
		if (column.fieldname === "days_overdue" && data && data.days_overdue > 30) {
			value = `<span style="color: var(--red-600)">${value}</span>`;
		}
		return value;
	},
};
