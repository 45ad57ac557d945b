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


def start_submits(orders: list[str], parties: int | None = None, doctype: str = "Sales Order"):
	"""Start a thread per document (Sales Orders unless `doctype` says otherwise); they submit
	together once `parties` of them (all by default) have loaded theirs. Returns the threads, their
	barrier and the results: document name -> "submitted" or the error's repr."""
	ready = threading.Barrier(parties or len(orders))
	results = {}
	threads = [
		threading.Thread(
			target=submit_in_own_connection,
			args=(frappe.local.site, frappe.local.sites_path, name, ready, results, doctype),
		)
		for name in orders
	]
	for thread in threads:
		thread.start()
	return threads, ready, results


def submit_at_once(orders: list[str], doctype: str = "Sales Order") -> dict:
	"""Submit the documents at the same moment and wait for all of them; returns the results."""
	threads, _ready, results = start_submits(orders, doctype=doctype)
	for thread in threads:
		thread.join(timeout=120)
	return results
