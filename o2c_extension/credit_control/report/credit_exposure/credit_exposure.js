// Copyright (c) 2026, o2c_extension developers
// For license information, please see license.txt

frappe.query_reports["Credit Exposure"] = {
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
			fieldname: "customer",
			label: __("Customer"),
			fieldtype: "Link",
			options: "Customer",
		},
		{
			fieldname: "customer_group",
			label: __("Customer Group"),
			fieldtype: "Link",
			options: "Customer Group",
		},
		{
			fieldname: "failing_only",
			label: __("Failing Only"),
			fieldtype: "Check",
		},
	],
	formatter(value, row, column, data, default_formatter) {
		if (column.fieldname === "status" && data && data.status) {
			const color = { "Within Limit": "green", "Over Limit": "red", "On Credit Hold": "orange" }[
				data.status
			];
			return `<span class="indicator-pill ${color || "gray"}">${__(data.status)}</span>`;
		}
		value = default_formatter(value, row, column, data);
		if (column.fieldname === "utilisation_percent" && data && data.utilisation_percent > 100) {
			value = `<span style="color: var(--red-600)">${value}</span>`;
		}
		return value;
	},
};
