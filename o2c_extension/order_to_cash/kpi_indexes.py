"""Indexes the Order to Cash workspace reads from (its number cards and charts).

- `o2c_receivables_kpi_index`: the receivables KPIs (`kpi.receivables_positions`) group a company's
  customer ledger by open item; with the group's columns first after the equalities, MariaDB reads
  the groups in index order from the index alone (no temporary table, no table rows).
- `o2c_collection_status_chart_index`: the "Invoices by Collection Status" chart counts a company's
  open invoices per collection status, from the index alone.

Ensured on install and on every migrate (`setup/install.py`); `add_index` skips indexes that exist,
and the chart's index waits until `collection_status`, a custom field, exists.
"""

from o2c_extension.order_to_cash.indexes import add_indexes

INDEXES = (
	(
		"Payment Ledger Entry",
		[
			"company",
			"party_type",
			"delinked",
			"against_voucher_type",
			"against_voucher_no",
			"posting_date",
			"voucher_no",
			"due_date",
			"amount",
		],
		"o2c_receivables_kpi_index",
	),
	(
		"Sales Invoice",
		["company", "docstatus", "collection_status", "outstanding_amount"],
		"o2c_collection_status_chart_index",
	),
)


def ensure_indexes():
	add_indexes(INDEXES, only_with_columns=True)
