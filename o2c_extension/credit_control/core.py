"""Credit decisions from numbers: no frappe, no database.

The thin layers (exposure.py, checks.py, holds.py) read the documents, call these functions and
write the outcome. Amounts are in the company currency and already rounded by the caller; rules
with a zero threshold are switched off (a Frappe Int/Currency field left blank reads as 0).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace

# rule identifiers carried by Reason.rule; the caller turns them into translated sentences
CREDIT_LIMIT = "credit_limit"
OVERDUE_DAYS = "overdue_days"
DUNNING_LEVEL = "dunning_level"
COLLECTIONS_BLOCK = "collections_block"

# specificity of a policy's scope, higher wins
SCOPE_COMPANY = 0
SCOPE_RISK_CLASS = 1  # the customer's stored credit-score class (v2)
SCOPE_CUSTOMER_GROUP = 2
SCOPE_CUSTOMER = 3


@dataclass(frozen=True)
class Exposure:
	"""What a customer owes and has been promised, in company currency.

	`concurrent` is exposure approved by other transactions that committed after the checking
	transaction took its snapshot (see locks.py); it is 0 except in a race.
	"""

	receivables: float = 0.0
	open_orders: float = 0.0
	unbilled_deliveries: float = 0.0
	document: float = 0.0
	concurrent: float = 0.0
	oldest_overdue_days: int = 0
	highest_dunning_level: int = 0

	@property
	def total(self) -> float:
		return (
			self.receivables + self.open_orders + self.unbilled_deliveries + self.document + self.concurrent
		)

	def with_document(self, amount: float) -> Exposure:
		return replace(self, document=amount)

	def with_concurrent(self, amount: float) -> Exposure:
		return replace(self, concurrent=amount)


@dataclass(frozen=True)
class CreditTerms:
	"""The rules a policy sets. 0 switches a rule off."""

	credit_limit: float = 0.0
	tolerance_percent: float = 0.0
	max_overdue_days: int = 0
	max_dunning_level: int = 0

	@property
	def effective_limit(self) -> float:
		"""The limit plus its tolerance; exposure above this fails."""
		return self.credit_limit * (1 + self.tolerance_percent / 100)


@dataclass(frozen=True)
class Reason:
	rule: str
	actual: float | int | str
	allowed: float | int | str = ""


@dataclass(frozen=True)
class Decision:
	reasons: tuple[Reason, ...] = ()

	@property
	def passed(self) -> bool:
		return not self.reasons


def exceeds(amount: float, limit: float, precision: int = 2) -> bool:
	"""True when `amount` is above `limit` by at least one unit of the last decimal."""
	return round(amount - limit, precision) > 0


def decide(
	exposure: Exposure,
	terms: CreditTerms,
	blocking_invoices: Iterable[str] = (),
	precision: int = 2,
) -> Decision:
	"""Pass or fail a credit check, with one reason per failed rule."""
	reasons: list[Reason] = []
	if terms.credit_limit > 0 and exceeds(exposure.total, terms.effective_limit, precision):
		reasons.append(
			Reason(CREDIT_LIMIT, round(exposure.total, precision), round(terms.effective_limit, precision))
		)
	if terms.max_overdue_days > 0 and exposure.oldest_overdue_days > terms.max_overdue_days:
		reasons.append(Reason(OVERDUE_DAYS, exposure.oldest_overdue_days, terms.max_overdue_days))
	if terms.max_dunning_level > 0 and exposure.highest_dunning_level > terms.max_dunning_level:
		reasons.append(Reason(DUNNING_LEVEL, exposure.highest_dunning_level, terms.max_dunning_level))
	reasons.extend(Reason(COLLECTIONS_BLOCK, invoice) for invoice in sorted(set(blocking_invoices)))
	return Decision(tuple(reasons))


def utilisation_percent(total: float, limit: float) -> float | None:
	"""Exposure as a share of the limit; None when there is no limit to compare with."""
	if limit <= 0:
		return None
	return total / limit * 100


@dataclass(frozen=True)
class PolicyCandidate:
	"""An enabled policy whose scope covers the customer; `depth` orders nested customer groups."""

	name: str
	scope: int
	depth: int = 0


def pick_most_specific(candidates: Iterable[PolicyCandidate]) -> str | None:
	"""Customer beats customer group beats company-wide; among groups the deepest (nearest) wins.
	Ties cannot happen for valid data (one enabled policy per scope); the name breaks them anyway."""
	best = max(candidates, key=lambda c: (c.scope, c.depth, c.name), default=None)
	return best.name if best else None


APPLIES_TO_CUSTOMER = "Customer"
APPLIES_TO_CUSTOMER_GROUP = "Customer Group"
APPLIES_TO_RISK_CLASS = "Risk Class"
RISK_CLASSES = ("A", "B", "C", "D")


@dataclass(frozen=True)
class PolicyScope:
	applies_to: str  # "" (every customer of the company), "Customer" or "Customer Group"
	customer: str | None = None
	customer_group: str | None = None
	risk_class: str | None = None


def resolve_scope(
	applies_to: str | None,
	customer: str | None,
	customer_group: str | None,
	prefilled_group: str | None = None,
	risk_class: str | None = None,
) -> PolicyScope | str:
	"""The scope a Credit Policy means, or why it is invalid (an identifier; the caller translates).

	An explicit `applies_to` wins and the other scope field is dropped, as ERPNext's Pricing Rule
	does with `applicable_for` (the desk hides it, so it may still hold a stale value). Without it
	(REST callers following the contract send only `customer` or `customer_group`) the scope is
	read from the fields; `prefilled_group` is the default Customer Group Frappe fills into every
	new document, which nobody chose, so it does not count as a scope."""
	if applies_to == APPLIES_TO_CUSTOMER:
		return PolicyScope(applies_to, customer=customer) if customer else "customer_missing"
	if applies_to == APPLIES_TO_CUSTOMER_GROUP:
		if not customer_group:
			return "customer_group_missing"
		return PolicyScope(applies_to, customer_group=customer_group)
	if applies_to == APPLIES_TO_RISK_CLASS:
		if risk_class not in RISK_CLASSES:
			return "risk_class_missing"
		return PolicyScope(applies_to, risk_class=risk_class)
	if applies_to:
		return "unknown_scope"
	chosen_group = customer_group if customer_group and customer_group != prefilled_group else None
	if customer and chosen_group:
		return "both_scopes"
	if customer:
		return PolicyScope(APPLIES_TO_CUSTOMER, customer=customer)
	if chosen_group:
		return PolicyScope(APPLIES_TO_CUSTOMER_GROUP, customer_group=chosen_group)
	return PolicyScope("")


def new_exposure_share(
	lines: Sequence[tuple[float, bool]], total: float, base_grand_total: float, paid: float = 0.0
) -> float:
	"""Exposure a Delivery Note or Sales Invoice adds: its lines not made from an earlier document
	(order or delivery, already counted there), as their share of the document's grand total in
	company currency (so after its discount and with its taxes), less what is paid on the spot
	(`paid`, company currency: POS payments, write-off), never below 0. `lines` holds (amount in
	document currency before the document's discount, made_from_earlier_document); `total` is the
	sum of every line's amount."""
	if not total:
		return 0.0
	new_amount = sum(amount for amount, from_earlier in lines if not from_earlier)
	return max(0.0, new_amount / total * base_grand_total - paid)


def unbilled_share(value: float, per_billed: float) -> float:
	"""The part of `value` not yet invoiced, `per_billed` percent of it being billed: the one
	definition, for orders (ERPNext's `base_grand_total * (100 - per_billed) / 100`, as its credit
	limit check counts them) and deliveries alike."""
	return value * max(0.0, 100 - (per_billed or 0)) / 100


def order_exposure(unbilled: float, unallocated_advance: float) -> tuple[float, float]:
	"""(shown, advance used) for an open order: its unbilled amount less the advance paid against it
	and not yet allocated to an invoice, never below 0. The advance used is what the receivables
	leave out of the ledger's (negative) advance rows, so the advance counts once in the total."""
	used = min(max(unallocated_advance, 0.0), max(unbilled, 0.0))
	return unbilled - used, used


# --- re-checking pending holds -------------------------------------------------------------


@dataclass(frozen=True)
class PendingHold:
	"""A Pending Credit Hold seen by a re-check.

	kind "order": `amount` is the order's unbilled part now; `active` False when the order is
	cancelled. kind "invoice" (a collections block): `amount` is the invoice's outstanding now;
	`active` False when the invoice is cancelled.
	"""

	name: str
	kind: str
	amount: float
	active: bool = True
	reference: str = ""


@dataclass(frozen=True)
class RecheckPlan:
	released: tuple[str, ...] = ()
	still_pending: dict[str, Decision] = field(default_factory=dict)


def plan_recheck(
	base: Exposure,
	terms: CreditTerms | None,
	holds: Sequence[PendingHold],
	precision: int = 2,
) -> RecheckPlan:
	"""Which pending holds of one customer pass now.

	Collections blocks lift when their invoice is settled or cancelled. Held orders are taken in the
	given order (oldest first); each one that passes joins the exposure the next one is checked
	against, so releases together never exceed what one check would allow. `terms` None means no
	policy checks orders any more: only remaining collections blocks hold them. `base` excludes
	every held order.
	"""
	released: list[str] = []
	still_pending: dict[str, Decision] = {}

	blocking = []
	for hold in holds:
		if hold.kind != "invoice":
			continue
		if not hold.active or not exceeds(hold.amount, 0, precision):
			released.append(hold.name)
		else:
			blocking.append(hold.reference)

	approved = 0.0
	for hold in holds:
		if hold.kind != "order":
			continue
		if not hold.active:
			continue
		exposure = base.with_document(base.document + approved + hold.amount)
		decision = decide(exposure, terms or CreditTerms(), blocking, precision)
		if decision.passed:
			released.append(hold.name)
			approved += hold.amount
		else:
			still_pending[hold.name] = decision
	return RecheckPlan(tuple(released), still_pending)
