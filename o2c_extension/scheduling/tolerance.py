"""Tolerance: no Sales Order may take an item past agreed × (1 + tolerance %). Pure."""

from dataclasses import dataclass

from o2c_extension.scheduling.schedule_lines import DEFAULT_PRECISION
from o2c_extension.scheduling.schedule_lines import rounded as _round


@dataclass(frozen=True)
class ToleranceBreach:
	item_code: str
	agreed_qty: float
	already_released: float
	requested: float
	limit: float


def release_limit(agreed_qty: float, tolerance_percent: float, precision: int = DEFAULT_PRECISION) -> float:
	return _round(agreed_qty * (1 + (tolerance_percent or 0) / 100), precision)


def check_tolerance(
	requested: dict[str, float],
	agreed: dict[str, float],
	already_released: dict[str, float],
	tolerance_percent: float,
	precision: int = DEFAULT_PRECISION,
) -> list[ToleranceBreach]:
	"""Items whose released quantity would pass agreed × (1 + tolerance) with this order."""
	breaches = []
	for item_code in sorted(requested):
		qty = _round(requested[item_code], precision)
		if qty <= 0 or item_code not in agreed:
			continue
		limit = release_limit(agreed[item_code], tolerance_percent, precision)
		released = _round(already_released.get(item_code, 0), precision)
		if _round(released + qty, precision) > limit:
			breaches.append(ToleranceBreach(item_code, agreed[item_code], released, qty, limit))
	return breaches
