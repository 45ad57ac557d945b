"""Amounts of customer documents into company currency: the one conversion, used by credit control
(exposure, holds, scores) and collections. Pure: no frappe, no database."""

from __future__ import annotations


def to_company_currency(
	amount: float, account_currency: str | None, company_currency: str, conversion_rate: float | None
) -> float:
	"""An amount in a document's receivable-account currency, in company currency: the one
	conversion. A receivable account in the company currency holds company-currency amounts already
	(whatever the invoice's currency); otherwise the document's own rate applies."""
	if not account_currency or account_currency == company_currency:
		return amount
	return amount * (conversion_rate or 1.0)
