"""The credit score: a customer's payment behaviour and exposure as one number from 0 to 100
(higher = safer) and a risk class A–D.

Pure: no frappe, no database. Each factor counts against the score in proportion to how far it has
gone towards its "full" mark (never past it), times its weight; the weights are scaled to share 100
points, so the score is 100 less the weighted penalties. It is therefore monotone: more days paid
late, a larger overdue share, more broken promises, a higher dunning level or a higher utilisation
never raise the score. The weights, full marks and class thresholds are set in O2C Settings.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import date

RISK_CLASSES = ("A", "B", "C", "D")


@dataclass(frozen=True)
class Factors:
	days_late: float = 0.0  # average days paid late over the last 12 months, weighted by amount
	overdue_share: float = 0.0  # percent of the open balance that is overdue (0–100)
	broken_promises: int = 0  # promises to pay broken over the last 12 months
	dunning_level: int = 0  # highest dunning level of an open invoice
	utilisation: float = 0.0  # exposure as percent of the credit limit (0 without a limit)

	def as_dict(self) -> dict:
		return asdict(self)


@dataclass(frozen=True)
class ScoreSettings:
	weight_days_late: float = 35.0
	weight_overdue_share: float = 25.0
	weight_broken_promises: float = 10.0
	weight_dunning_level: float = 15.0
	weight_utilisation: float = 15.0
	days_late_full: float = 90.0
	overdue_share_full: float = 100.0
	broken_promises_full: float = 3.0
	dunning_level_full: float = 3.0
	utilisation_full: float = 150.0
	class_a_min: float = 80.0
	class_b_min: float = 60.0
	class_c_min: float = 40.0


@dataclass(frozen=True)
class Score:
	credit_score: float
	risk_class: str
	factors: Factors


def _share(value: float, full: float) -> float:
	"""How far `value` has gone towards `full`, between 0 and 1; a factor whose full mark is 0
	is not used."""
	if full <= 0:
		return 0.0
	return min(1.0, max(0.0, value) / full)


def credit_score(factors: Factors, settings: ScoreSettings = ScoreSettings()) -> float:
	weighted = (
		(settings.weight_days_late, _share(factors.days_late, settings.days_late_full)),
		(settings.weight_overdue_share, _share(factors.overdue_share, settings.overdue_share_full)),
		(settings.weight_broken_promises, _share(factors.broken_promises, settings.broken_promises_full)),
		(settings.weight_dunning_level, _share(factors.dunning_level, settings.dunning_level_full)),
		(settings.weight_utilisation, _share(factors.utilisation, settings.utilisation_full)),
	)
	total_weight = sum(max(0.0, weight) for weight, _share_ in weighted)
	if total_weight <= 0:
		return 100.0
	penalty = sum(max(0.0, weight) * share for weight, share in weighted) / total_weight
	return round(max(0.0, min(100.0, 100.0 * (1.0 - penalty))), 2)


def risk_class(score: float, settings: ScoreSettings = ScoreSettings()) -> str:
	if score >= settings.class_a_min:
		return "A"
	if score >= settings.class_b_min:
		return "B"
	if score >= settings.class_c_min:
		return "C"
	return "D"


def score(factors: Factors, settings: ScoreSettings = ScoreSettings()) -> Score:
	value = credit_score(factors, settings)
	return Score(value, risk_class(value, settings), factors)


# O2C Settings field -> ScoreSettings attribute
SETTINGS_FIELDS = {
	"score_weight_days_late": "weight_days_late",
	"score_weight_overdue_share": "weight_overdue_share",
	"score_weight_broken_promises": "weight_broken_promises",
	"score_weight_dunning_level": "weight_dunning_level",
	"score_weight_utilisation": "weight_utilisation",
	"score_days_late_full": "days_late_full",
	"score_broken_promises_full": "broken_promises_full",
	"score_dunning_level_full": "dunning_level_full",
	"score_utilisation_full": "utilisation_full",
	"risk_class_a_min": "class_a_min",
	"risk_class_b_min": "class_b_min",
	"risk_class_c_min": "class_c_min",
}


def settings_from(values) -> ScoreSettings:
	"""ScoreSettings from O2C Settings' fields (anything with `.get`); a field left empty takes
	the documented default."""
	default = ScoreSettings()
	kwargs = {}
	for fieldname, attribute in SETTINGS_FIELDS.items():
		raw = values.get(fieldname)
		kwargs[attribute] = getattr(default, attribute) if raw is None or raw == "" else float(raw)
	return ScoreSettings(**kwargs)


def settings_errors(settings: ScoreSettings) -> list[str]:
	"""Why score settings are unusable: identifiers the caller translates."""
	errors = []
	if not 0 <= settings.class_c_min <= settings.class_b_min <= settings.class_a_min <= 100:
		errors.append("class_order")
	weights = (
		settings.weight_days_late,
		settings.weight_overdue_share,
		settings.weight_broken_promises,
		settings.weight_dunning_level,
		settings.weight_utilisation,
	)
	if any(weight < 0 for weight in weights):
		errors.append("negative_weight")
	elif sum(weights) <= 0:
		errors.append("no_weight")
	return errors


# --- days paid late -------------------------------------------------------------------------


@dataclass(frozen=True)
class DueTerm:
	due_date: date
	amount: float  # company currency


@dataclass(frozen=True)
class Payment:
	posting_date: date
	amount: float  # company currency, positive


def paid_late(terms: Sequence[DueTerm], payments: Sequence[Payment]) -> tuple[float, float]:
	"""(amount paid, amount × days late) for one invoice: its payments, oldest first, clear its terms
	earliest due first (as ERPNext's receivable report allocates them); each part paid after its
	term's due date counts the days it was late. Payments beyond the terms are left out."""
	ordered_terms = [
		[term.due_date, max(0.0, term.amount)] for term in sorted(terms, key=lambda t: t.due_date)
	]
	paid = 0.0
	weighted = 0.0
	index = 0
	for payment in sorted(payments, key=lambda p: p.posting_date):
		left = max(0.0, payment.amount)
		while left > 0 and index < len(ordered_terms):
			due, open_amount = ordered_terms[index]
			part = min(left, open_amount)
			paid += part
			weighted += part * max(0, (payment.posting_date - due).days)
			left -= part
			ordered_terms[index][1] -= part
			if ordered_terms[index][1] <= 1e-9:
				index += 1
	return paid, weighted


def average_days_late(invoices: Sequence[tuple[Sequence[DueTerm], Sequence[Payment]]]) -> float:
	"""Days paid late weighted by amount, over every invoice's payments."""
	paid = weighted = 0.0
	for terms, payments in invoices:
		invoice_paid, invoice_weighted = paid_late(terms, payments)
		paid += invoice_paid
		weighted += invoice_weighted
	return round(weighted / paid, 2) if paid > 0 else 0.0
