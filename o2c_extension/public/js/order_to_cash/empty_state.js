// The empty list of an Order to Cash document (hooks.py `doctype_list_js` appends this file to
// each list's script): Frappe's own empty state says what the document is for (the DocType's
// description) and, where the user may create one, offers "Create your first ..."; this adds the
// step of the Order to Cash onboarding (on the workspace) the document starts from. A list
// emptied by the user's own filters keeps Frappe's "No ... found with matching filters" alone;
// the list's default filters (open cases, say) are no filters of the user's.
frappe.provide("o2c.empty_state");

// DocType -> the Module Onboarding step it starts from
o2c.empty_state.STEPS = {
	"Scheduling Agreement": "Create Your First Scheduling Agreement",
	"Schedule Release": "Create Your First Scheduling Agreement",
	"Credit Policy": "Create Your First Credit Policy",
	"Credit Hold": "Create Your First Credit Policy",
	"Credit Limit Request": "Create Your First Credit Policy",
	"Customer Credit Score": "Configure O2C Settings",
	"Collections Rule": "Create Your First Collections Rule",
	"Collection Case": "Create Your First Collections Rule",
	"Collection Action": "Create Your First Collections Rule",
	Dispute: "Create Your First Collections Rule",
	"Promise to Pay": "Create Your First Collections Rule",
};
// the desk's own URL of the workspace: /app/... on v15, /desk/... on v16
o2c.empty_state.workspace_url = () => frappe.router.make_url(["order-to-cash"]);

o2c.empty_state.filtered_by_user = function (listview) {
	// [fieldname, operator, value]: the list settings' filters, the filter area's [doctype, ...]
	const key = (filter) => JSON.stringify(filter.map(String));
	const filters = (listview.filter_area && listview.filter_area.get()) || [];
	const defaults = new Set(
		(listview.settings.filters || []).map((filter) => key(filter.slice(-3)))
	);
	return filters.some((filter) => !defaults.has(key(filter.slice(1, 4))));
};

o2c.empty_state.message = function (listview, frappe_message) {
	const step = o2c.empty_state.STEPS[listview.doctype];
	if (!step || o2c.empty_state.filtered_by_user(listview)) return frappe_message;
	const link = `<a class="o2c-onboarding-link" href="${o2c.empty_state.workspace_url()}">${__(
		step
	)}</a>`;
	const $message = $("<div>").html(frappe_message);
	$message
		.find(".msg-box > p")
		.first()
		.after(
			`<p class="o2c-empty-state-onboarding">${__(
				"Not set up yet? Start with {0} in the Order to Cash onboarding.",
				[link]
			)}</p>`
		);
	return $message.html();
};

// each list's own settings are replaced when its script loads again: wrap the ones not wrapped yet
for (const doctype of Object.keys(o2c.empty_state.STEPS)) {
	const settings = (frappe.listview_settings[doctype] = frappe.listview_settings[doctype] || {});
	if (settings.__o2c_empty_state) continue;
	const onload = settings.onload;
	settings.onload = function (listview) {
		const frappe_message = listview.get_no_result_message;
		listview.get_no_result_message = function () {
			return o2c.empty_state.message(this, frappe_message.call(this));
		};
		return onload && onload.apply(this, arguments);
	};
	settings.__o2c_empty_state = true;
}
