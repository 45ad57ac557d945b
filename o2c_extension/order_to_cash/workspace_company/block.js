// The Order to Cash workspace's company block (a Custom HTML Block; see __init__.py). Frappe runs
// this script with `root_element`, the block's shadow root. The cards and charts below read the
// user's default company: the block names it and sets it.
const heading = root_element.querySelector(".o2c-company-heading");
const select = root_element.querySelector(".o2c-company-select");
root_element.querySelector(".o2c-company-label").textContent = __("Company");

const show = (company) => {
	heading.textContent = company
		? __("Figures for {0}", [company])
		: __("Choose a company to see its figures.");
	select.value = company || "";
};

frappe.xcall("o2c_extension.order_to_cash.workspace_company.companies").then((companies) => {
	select.replaceChildren(...["", ...companies].map((name) => new Option(name, name)));
	show(frappe.defaults.get_user_default("Company"));
});

select.addEventListener("change", () => {
	if (!select.value) return;
	frappe
		.xcall("o2c_extension.order_to_cash.workspace_company.set_company", {
			company: select.value,
		})
		.then((company) => {
			// what the cards' and charts' filters read in the browser (frappe.defaults)
			delete frappe.boot.user.defaults.Company;
			frappe.defaults.set_user_default_local("company", company);
			show(company);
			// the workspace draws its page again: cards and charts fetch the new company's figures
			// (show_page itself: v16's show() does nothing for the page already shown)
			const workspace = frappe.workspace;
			workspace && workspace.show_page(workspace.get_page_to_show());
		});
});
