"""The source of the Order to Cash workspace's charts: their figures for the user's company, kept
with the cards' in the company's cache (`kpi_cache`) until an event changes them.

Each chart keeps its definition in its Dashboard Chart (the DocType it counts, grouped by which
field, or over which date field by which interval and timespan); the figures are Frappe's own
(`dashboard_chart.get_group_by_chart_config` / `get_chart_config`, as for a Group By or Count chart),
for the company of the chart's filter (else the user's default company). Frappe's Group By and Count
charts count again on every visit (the desk asks them with refresh=1); here a visit reads the cache.

A user who may read every record of the chart's DocType in the company, with no User Permission
limiting which, gets the company's cached figures; anyone else Frappe's count of the records they
may read, computed for them and not kept.
"""

import frappe
from frappe.desk.doctype.dashboard_chart.dashboard_chart import get_chart_config, get_group_by_chart_config
from frappe.utils import get_datetime, getdate, nowdate

from o2c_extension import access
from o2c_extension.order_to_cash import kpi, kpi_cache


@frappe.whitelist()
def get(
	chart_name=None,
	chart=None,
	no_cache=None,
	filters=None,
	from_date=None,
	to_date=None,
	timespan=None,
	time_interval=None,
	heatmap_year=None,
	refresh=None,
):
	definition = frappe.get_cached_doc("Dashboard Chart", chart_name)
	doctype = definition.document_type
	# as Frappe's chart, which counts with `get_list`: read on the DocType it counts
	frappe.has_permission(doctype, "read", throw=True)
	company = kpi._company_from(filters)
	access.check_company_access(company, (doctype,))
	timespan = timespan or definition.timespan
	time_interval = time_interval or definition.time_interval
	if definition.timeseries and timespan == "Select Date Range":
		from_date = get_datetime(from_date) if from_date else get_datetime(definition.from_date)
		to_date = get_datetime(to_date) if to_date else get_datetime(definition.to_date)
	else:
		from_date = to_date = None

	def figures():
		return chart_figures(definition, company, timespan, time_interval, from_date, to_date)

	if not access.reads_every_record(doctype) or access.restricting_doctypes(doctype):
		return figures()  # the records this user may read: not the company's figures, not kept
	variant = (
		f"{getdate(nowdate())}|{timespan}|{time_interval}|{from_date}|{to_date}"
		if definition.timeseries
		else ""
	)
	cached = kpi_cache.get_figures(company, definition.name, variant)
	if cached is None:
		cached = {"figures": figures()}
		kpi_cache.put_figures(company, definition.name, variant, cached)
	return cached["figures"]


def chart_figures(definition, company: str, timespan, time_interval, from_date, to_date) -> dict | None:
	"""The chart's figures for `company` as Frappe computes them for its Group By / Count chart
	(`dashboard_chart.get`), over the records the user may read."""
	doctype = definition.document_type
	fixed = frappe.parse_json(definition.filters_json or "{}") or {}
	filters = [
		[doctype, field, *(value if isinstance(value, list) else ["=", value]), False]
		for field, value in fixed.items()
		if field != "company"
	]
	filters.append([doctype, "company", "=", company, False])
	filters.append([doctype, "docstatus", "<", 2, False])  # as Frappe's chart: no cancelled documents
	if definition.timeseries:
		# a timeseries chart of the workspace counts its records per period, as Frappe's Count chart
		count_chart = frappe._dict(definition.as_dict(), chart_type="Count")
		return get_chart_config(count_chart, filters, timespan, time_interval, from_date, to_date)
	return get_group_by_chart_config(definition, filters)
