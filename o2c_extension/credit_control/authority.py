"""Approval authority by amount: who may release a Credit Hold or approve a Credit Limit Request.

Pure: no frappe, no database. O2C Settings › Credit Approval Limits holds one row per role with the
highest amount (company currency) that role may decide; 0 means no upper bound. A user's authority
is the highest among their roles. With no rows at all, a Credit Controller (or a Credit Manager)
decides every amount.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

CREDIT_CONTROLLER = "Credit Controller"
CREDIT_MANAGER = "Credit Manager"
# who decides every amount when O2C Settings has no Credit Approval Limits
DEFAULT_DECIDERS = (CREDIT_CONTROLLER, CREDIT_MANAGER)
UNLIMITED = float("inf")


@dataclass(frozen=True)
class ApprovalLimit:
	role: str
	max_amount: float  # company currency; 0 = no upper bound


@dataclass(frozen=True)
class AuthorityDecision:
	allowed: bool
	authority: float  # the user's highest amount (UNLIMITED, or 0 for none)
	# the role with the lowest authority that covers the amount, when the user's does not
	needed_role: str | None = None


def _amount_of(limit: ApprovalLimit) -> float:
	return UNLIMITED if limit.max_amount == 0 else limit.max_amount


def user_authority(limits: Sequence[ApprovalLimit], roles: Iterable[str]) -> float:
	"""The highest amount a user with `roles` may decide."""
	roles = set(roles)
	if not limits:
		return UNLIMITED if roles & set(DEFAULT_DECIDERS) else 0.0
	return max((_amount_of(limit) for limit in limits if limit.role in roles), default=0.0)


def decide(limits: Sequence[ApprovalLimit], roles: Iterable[str], amount: float) -> AuthorityDecision:
	"""Whether a user with `roles` may decide `amount`; if not, the role that may (the one with the
	lowest authority at or above `amount`), or None when no role may."""
	authority = user_authority(limits, roles)
	if amount <= authority:
		return AuthorityDecision(True, authority)
	covering = sorted(
		(limit for limit in limits if _amount_of(limit) >= amount),
		key=lambda limit: (_amount_of(limit), limit.role),
	)
	return AuthorityDecision(False, authority, covering[0].role if covering else None)


# why a Credit Approval Limits table is invalid: (error, role)
NEGATIVE = "negative"
DUPLICATE = "duplicate"
MISSING_ROLE = "missing_role"


def table_errors(limits: Sequence[ApprovalLimit], existing_roles: Iterable[str]) -> list[tuple[str, str]]:
	"""What is wrong with the rows: a role left empty or that does not exist, a negative amount, a
	role with more than one row (its authority would be ambiguous). Empty list: valid."""
	existing = set(existing_roles)
	errors = []
	seen = set()
	for limit in limits:
		if not limit.role or limit.role not in existing:
			errors.append((MISSING_ROLE, limit.role or ""))
		if limit.max_amount < 0:
			errors.append((NEGATIVE, limit.role or ""))
		if limit.role in seen:
			errors.append((DUPLICATE, limit.role))
		seen.add(limit.role)
	return errors
