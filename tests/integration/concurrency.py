"""Documents submitted at the same moment through separate database connections, one thread each.

A second connection sees only committed rows: commit the documents before starting."""

import threading

import frappe


def submit_in_own_connection(
	site, sites_path, order_name, ready: threading.Barrier, results: dict, doctype: str = "Sales Order"
):
	"""Load the document (which takes this transaction's read snapshot), wait for the others, submit."""
	frappe.init(site=site, sites_path=sites_path)
	try:
		frappe.connect()
		frappe.flags.in_test = True
		frappe.set_user("Administrator")
		order = frappe.get_doc(doctype, order_name)
		ready.wait(timeout=30)
		order.submit()
		frappe.db.commit()
		results[order_name] = "submitted"
	except Exception as error:  # reported to the test thread
		frappe.db.rollback()
		results[order_name] = repr(error)
	finally:
		frappe.destroy()


def submit_at_once(documents: list[str], doctype: str = "Sales Order") -> dict:
	"""Submit the documents (Sales Orders unless `doctype` says otherwise) at the same moment, a
	thread each, once every thread has loaded its own; wait for all of them. Returns document name
	-> "submitted" or the error's repr."""
	ready = threading.Barrier(len(documents))
	results = {}
	threads = [
		threading.Thread(
			target=submit_in_own_connection,
			args=(frappe.local.site, frappe.local.sites_path, name, ready, results, doctype),
		)
		for name in documents
	]
	for thread in threads:
		thread.start()
	for thread in threads:
		thread.join(timeout=120)
	return results
