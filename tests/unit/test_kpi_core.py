import pytest
from hypothesis import given
from hypothesis import strategies as st

from o2c_extension.order_to_cash import kpi_core

money = st.floats(min_value=0, max_value=1e9, allow_nan=False, allow_infinity=False)


def test_dso_textbook_example():
	# 300k receivable on 900k sales over 90 days -> 30 days
	assert kpi_core.days_sales_outstanding(300_000, 900_000, 90) == pytest.approx(30)


def test_dso_undefined_without_sales():
	assert kpi_core.days_sales_outstanding(1000, 0, 90) is None


def test_overdue_percent():
	assert kpi_core.overdue_receivables_percent(25, 100) == pytest.approx(25)
	assert kpi_core.overdue_receivables_percent(5, 0) is None


def test_cei_all_collected_is_100():
	# opening 100 + sales 200, closing 50 of which all current -> everything due was collected
	assert kpi_core.collection_effectiveness_index(100, 200, 50, 50) == pytest.approx(100)


def test_cei_textbook_example():
	# (500 + 1000 - 600) / (500 + 1000 - 300) = 900 / 1200 = 75 %
	assert kpi_core.collection_effectiveness_index(500, 1000, 600, 300) == pytest.approx(75)


@given(money, money, money, money)
def test_cei_is_a_percentage_or_undefined(opening, sales, closing, current):
	value = kpi_core.collection_effectiveness_index(opening, sales, closing, min(current, closing))
	assert value is None or 0 <= value <= 100


def test_mean_hours():
	assert kpi_core.mean_hours([]) is None
	assert kpi_core.mean_hours([1, 2, 6]) == pytest.approx(3)


def test_schedule_adherence_counts_lines_delivered_in_full_by_their_date():
	assert kpi_core.schedule_adherence_percent([(10, 10), (10, 9.5), (5, 7), (3, 0)]) == pytest.approx(50)
	assert kpi_core.schedule_adherence_percent([]) is None


@given(st.lists(st.tuples(st.floats(0.001, 1e6), st.floats(0, 1e6)), min_size=1))
def test_schedule_adherence_bounds(lines):
	assert 0 <= kpi_core.schedule_adherence_percent(lines) <= 100
