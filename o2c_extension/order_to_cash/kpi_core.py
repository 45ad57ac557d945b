"""Order-to-cash KPI formulas: the one place they are defined (docs/KPIS.md explains them).

Pure arithmetic on numbers the data layer (`kpi.py`) reads; no database, no frappe import.
Every function returns None where the KPI is undefined (nothing to divide by) rather than a
misleading zero.
"""

from __future__ import annotations

from collections.abc import Iterable


def days_sales_outstanding(receivables: float, credit_sales: float, period_days: int) -> float | None:
	"""DSO = closing receivables / credit sales of the period × days in the period."""
	if credit_sales <= 0 or period_days <= 0:
		return None
	return receivables / credit_sales * period_days


def overdue_receivables_percent(overdue: float, receivables: float) -> float | None:
	"""Share of receivables past their due date, in percent."""
	if receivables <= 0:
		return None
	return max(0.0, min(100.0, overdue / receivables * 100))


def collection_effectiveness_index(
	opening_receivables: float,
	credit_sales: float,
	closing_receivables: float,
	closing_current_receivables: float,
) -> float | None:
	"""CEI = (opening + sales − closing) / (opening + sales − closing current) × 100.

	What was collected over what could have been collected: 100 means every amount that fell
	due in the period was collected.
	"""
	collectible = opening_receivables + credit_sales - closing_current_receivables
	if collectible <= 0:
		return None
	collected = opening_receivables + credit_sales - closing_receivables
	return max(0.0, min(100.0, collected / collectible * 100))


def mean_hours(durations_in_hours: Iterable[float]) -> float | None:
	"""Mean time to decision of credit holds (hours)."""
	values = list(durations_in_hours)
	if not values:
		return None
	return sum(values) / len(values)


def schedule_adherence_percent(lines: Iterable[tuple[float, float]], tolerance: float = 1e-9) -> float | None:
	"""Share of schedule lines whose qty was delivered by their schedule date, in percent.

	`lines` holds (scheduled qty, qty delivered on or before the schedule date) per line due.
	"""
	due = on_time = 0
	for scheduled, delivered_on_time in lines:
		due += 1
		if delivered_on_time + tolerance >= scheduled:
			on_time += 1
	if not due:
		return None
	return on_time / due * 100
