frappe.query_reports["Schedule vs Actual"] = {
	filters: [
		{
			fieldname: "company",
			label: __("Company"),
			fieldtype: "Link",
			options: "Company",
			default: frappe.defaults.get_user_default("Company"),
		},
		{
			fieldname: "customer",
			label: __("Customer"),
			fieldtype: "Link",
			options: "Customer",
		},
		{
			fieldname: "scheduling_agreement",
			label: __("Scheduling Agreement"),
			fieldtype: "Link",
			options: "Scheduling Agreement",
			get_query: () => ({ filters: { docstatus: 1 } }),
		},
		{
			fieldname: "item_code",
			label: __("Item"),
			fieldtype: "Link",
			options: "Item",
		},
		{
			fieldname: "status",
			label: __("Agreement Status"),
			fieldtype: "Select",
			options: ["", "Active", "Completed", "Expired"],
		},
		{
			fieldname: "as_of",
			label: __("As Of"),
			fieldtype: "Date",
			default: frappe.datetime.get_today(),
			reqd: 1,
		},
	],
	formatter(value, row, column, data, default_formatter) {
		value = default_formatter(value, row, column, data);
		if (data && ["backlog_qty", "overdue_lines"].includes(column.fieldname) && data[column.fieldname] > 0) {
			value = `<span style="color: var(--red-600)">${value}</span>`;
		}
		return value;
	},
};
