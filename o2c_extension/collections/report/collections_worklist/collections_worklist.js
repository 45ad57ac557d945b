// Copyright (c) 2026, o2c_extension developers
// For license information, please see license.txt

// one row per customer account (its Collection Case), its overdue invoices beneath it
frappe.query_reports["Collections Worklist"] = {
	tree: true,
	name_field: "row_name",
	parent_field: "parent_row",
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
		if (data && data.indent === 0 && ["customer", "outstanding"].includes(column.fieldname)) {
			value = `<b>${value}</b>`;
		}
		if (column.fieldname === "days_overdue" && data && data.days_overdue > 30) {
			value = `<span style="color: var(--red-600)">${value}</span>`;
		}
		return value;
	},
	onload(report) {
		report.page.add_inner_button(__("Preview Next Run"), () => o2c_preview_next_run(report));
	},
};

function o2c_preview_next_run(report) {
	const company = report.get_filter_value("company");
	frappe.call({
		method: "o2c_extension.api.collections.preview_run",
		args: { company },
		freeze: true,
	}).then(({ message }) => {
		const rows = (message.customers || [])
			.map((row) => {
				const mail = row.email
					? __("E-mail to {0} about {1} payment terms", [
							frappe.utils.escape_html(row.email.recipients.join(", ")),
							row.email.due.length,
					  ])
					: "";
				const task = row.task
					? __("{0} for {1}", [__(row.task.action), frappe.utils.escape_html(row.task.assign_to || "")])
					: "";
				const dunnings = row.dunnings.map((d) => __("Dunning in {0}", [d.currency])).join(", ");
				return `<tr><td>${frappe.utils.escape_html(row.customer_name || row.customer)}</td>
					<td>${mail}</td><td>${task}</td><td>${dunnings}</td></tr>`;
			})
			.join("");
		const body = rows
			? `<table class="table table-bordered o2c-preview"><thead><tr><th>${__("Customer")}</th>
				<th>${__("E-mail")}</th><th>${__("Task")}</th><th>${__("Dunning")}</th></tr></thead>
				<tbody>${rows}</tbody></table>`
			: `<p>${__("The next run has nothing to send or assign.")}</p>`;
		frappe.msgprint({ title: __("Next Collections Run of {0}", [company]), message: body, wide: true });
	});
}
