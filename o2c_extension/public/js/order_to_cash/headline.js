// o2c_extension: one form headline shared by the app's capabilities.
// Frappe's form headline holds a single message, so the scheduling and the credit scripts of a
// Sales Order would overwrite each other's line: each sets (or clears) its own line here on every
// refresh, and the headline shows them all, in the colour of the most pressing one.

frappe.provide("o2c_extension");

o2c_extension.set_headline = function (frm, key, html, color = "blue") {
	if (frm.o2c_headline_doc !== frm.docname) {
		// the form object is reused for the next document: drop the last one's lines
		frm.o2c_headline_doc = frm.docname;
		frm.o2c_headlines = {};
	}
	if (html) {
		frm.o2c_headlines[key] = { html, color };
	} else {
		delete frm.o2c_headlines[key];
	}
	const lines = Object.values(frm.o2c_headlines);
	if (!lines.length) return;
	const urgency = ["red", "orange", "yellow", "blue", "green"];
	const colors = lines.map((line) => line.color);
	const shown = urgency.find((candidate) => colors.includes(candidate)) || colors[0];
	frm.layout.show_message(lines.map((line) => `<div>${line.html}</div>`).join(""), shown);
};
