frappe.provide("frappe.dashboards.chart_sources");

frappe.dashboards.chart_sources["Order to Cash Chart"] = {
	method: "o2c_extension.order_to_cash.dashboard_chart_source.order_to_cash_chart.order_to_cash_chart.get",
	filters: [
		{
			fieldname: "company",
			label: __("Company"),
			fieldtype: "Link",
			options: "Company",
			default: frappe.defaults.get_user_default("Company"),
			reqd: 1,
		},
	],
};
