// o2c_extension (credit_control): "Request Credit Limit" on the Customer and on a held Sales Order

frappe.provide("o2c_extension.credit");

o2c_extension.credit.request_credit_limit = function ({ customer, company, sales_order, current_limit, currency }) {
	const dialog = new frappe.ui.Dialog({
		title: __("Request Credit Limit"),
		fields: [
			{ fieldname: "customer", fieldtype: "Link", options: "Customer", label: __("Customer"), default: customer, read_only: 1 },
			{ fieldname: "company", fieldtype: "Link", options: "Company", label: __("Company"), default: company, reqd: 1 },
			{
				fieldname: "current_limit",
				fieldtype: "Currency",
				options: "currency",
				label: __("Current Limit"),
				default: current_limit || 0,
				read_only: 1,
			},
			{ fieldname: "currency", fieldtype: "Link", options: "Currency", default: currency, hidden: 1 },
			{
				fieldname: "requested_limit",
				fieldtype: "Currency",
				options: "currency",
				label: __("Requested Limit"),
				reqd: 1,
			},
			{ fieldname: "reason", fieldtype: "Small Text", label: __("Reason"), reqd: 1 },
		],
		primary_action_label: __("Send Request"),
		primary_action(values) {
			frappe.call({
				method: "frappe.client.insert",
				args: {
					doc: {
						doctype: "Credit Limit Request",
						customer: values.customer,
						company: values.company,
						requested_limit: values.requested_limit,
						reason: values.reason,
						sales_order: sales_order || null,
						status: "Pending",
					},
				},
				freeze: true,
				callback(r) {
					if (!r.exc && r.message) {
						dialog.hide();
						frappe.show_alert({
							message: __("Credit Limit Request {0} sent for approval.", [r.message.name]),
							indicator: "green",
						});
					}
				},
			});
		},
	});
	dialog.show();
};
