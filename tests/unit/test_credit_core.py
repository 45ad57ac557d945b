"""The pure credit decisions of o2c_extension.credit_control.core."""

from hypothesis import assume, given
from hypothesis import strategies as st

from o2c_extension.credit_control.core import (
	COLLECTIONS_BLOCK,
	CREDIT_LIMIT,
	DUNNING_LEVEL,
	OVERDUE_DAYS,
	SCOPE_COMPANY,
	SCOPE_CUSTOMER,
	SCOPE_CUSTOMER_GROUP,
	CreditTerms,
	Exposure,
	PendingHold,
	PolicyCandidate,
	PolicyScope,
	decide,
	exceeds,
	new_exposure_share,
	pick_most_specific,
	plan_recheck,
	resolve_scope,
	unbilled_share,
	utilisation_percent,
)

money = st.floats(min_value=0, max_value=1e9, allow_nan=False, allow_infinity=False).map(
	lambda x: round(x, 2)
)
days = st.integers(min_value=0, max_value=3650)
levels = st.integers(min_value=0, max_value=10)


def rules(decision):
	return [reason.rule for reason in decision.reasons]


# --- examples ---------------------------------------------------------------------------------


def test_total_adds_every_part():
	exposure = Exposure(receivables=100, open_orders=50, unbilled_deliveries=25, document=10, concurrent=5)
	assert exposure.total == 190


def test_limit_with_tolerance():
	terms = CreditTerms(credit_limit=1000, tolerance_percent=10)
	assert decide(Exposure(receivables=1100), terms).passed
	decision = decide(Exposure(receivables=1100.01), terms)
	assert rules(decision) == [CREDIT_LIMIT]
	assert decision.reasons[0].actual == 1100.01
	assert decision.reasons[0].allowed == 1100


def test_zero_limit_means_no_limit_rule():
	assert decide(Exposure(receivables=10**9), CreditTerms()).passed


def test_rounding_noise_does_not_fail():
	assert decide(Exposure(receivables=0.1 + 0.2, document=999.7), CreditTerms(credit_limit=1000)).passed


def test_overdue_rule_fails_even_under_the_limit():
	decision = decide(
		Exposure(receivables=10, oldest_overdue_days=31), CreditTerms(1000, max_overdue_days=30)
	)
	assert rules(decision) == [OVERDUE_DAYS]
	assert decide(
		Exposure(receivables=10, oldest_overdue_days=30), CreditTerms(1000, max_overdue_days=30)
	).passed


def test_dunning_rule():
	terms = CreditTerms(max_dunning_level=2)
	assert decide(Exposure(highest_dunning_level=2), terms).passed
	assert rules(decide(Exposure(highest_dunning_level=3), terms)) == [DUNNING_LEVEL]


def test_every_failed_rule_is_reported_and_collection_blocks_name_the_invoice():
	decision = decide(
		Exposure(receivables=2000, oldest_overdue_days=90, highest_dunning_level=3),
		CreditTerms(1000, 0, 30, 1),
		["SINV-2", "SINV-1", "SINV-2"],
	)
	assert rules(decision) == [
		CREDIT_LIMIT,
		OVERDUE_DAYS,
		DUNNING_LEVEL,
		COLLECTIONS_BLOCK,
		COLLECTIONS_BLOCK,
	]
	assert [r.actual for r in decision.reasons if r.rule == COLLECTIONS_BLOCK] == ["SINV-1", "SINV-2"]


def test_collections_block_fails_without_any_rule():
	assert rules(decide(Exposure(), CreditTerms(), ["SINV-1"])) == [COLLECTIONS_BLOCK]


def test_most_specific_policy_wins():
	candidates = [
		PolicyCandidate("company", SCOPE_COMPANY),
		PolicyCandidate("parent-group", SCOPE_CUSTOMER_GROUP, depth=1),
		PolicyCandidate("child-group", SCOPE_CUSTOMER_GROUP, depth=5),
	]
	assert pick_most_specific(candidates) == "child-group"
	assert pick_most_specific([*candidates, PolicyCandidate("customer", SCOPE_CUSTOMER)]) == "customer"
	assert pick_most_specific(candidates[:1]) == "company"
	assert pick_most_specific([]) is None


def test_scope_read_from_the_fields_when_applies_to_is_not_given():
	assert resolve_scope(None, "C", "G") == "both_scopes"
	assert resolve_scope("", "C", None) == PolicyScope("Customer", customer="C")
	assert resolve_scope(None, None, "G") == PolicyScope("Customer Group", customer_group="G")
	assert resolve_scope(None, None, None) == PolicyScope("")


def test_the_prefilled_default_group_is_not_a_scope():
	# REST inserts go through frappe.new_doc, which fills the site's default Customer Group
	assert resolve_scope(None, "C", "All", prefilled_group="All") == PolicyScope("Customer", customer="C")
	assert resolve_scope(None, None, "All", prefilled_group="All") == PolicyScope("")
	assert resolve_scope(None, "C", "G", prefilled_group="All") == "both_scopes"


def test_explicit_applies_to_wins_and_drops_the_hidden_field():
	assert resolve_scope("Customer", "C", "G") == PolicyScope("Customer", customer="C")
	assert resolve_scope("Customer Group", "C", "G") == PolicyScope("Customer Group", customer_group="G")
	assert resolve_scope("Customer", None, "G") == "customer_missing"
	assert resolve_scope("Customer Group", "C", None) == "customer_group_missing"
	assert resolve_scope("Territory", "C", None) == "unknown_scope"


names = st.one_of(st.none(), st.sampled_from(["", "C", "G", "All"]))


@given(st.sampled_from([None, "", "Customer", "Customer Group"]), names, names, names)
def test_a_resolved_scope_names_exactly_one_kind(applies_to, customer, group, prefilled):
	scope = resolve_scope(applies_to, customer, group, prefilled)
	if isinstance(scope, str):
		return
	assert not (scope.customer and scope.customer_group)
	assert bool(scope.customer) == (scope.applies_to == "Customer")
	assert bool(scope.customer_group) == (scope.applies_to == "Customer Group")


def test_new_exposure_share_counts_only_lines_not_from_an_order_grossed_up_to_company_currency():
	# net 300 in document currency, grand total 330 in company currency (10% tax, rate 1)
	assert new_exposure_share([(100, True), (200, False)], 300, 330) == 220
	assert new_exposure_share([(200, False)], 200, 209, paid=9) == 200
	assert new_exposure_share([(200, False)], 200, 209, paid=500) == 0
	assert new_exposure_share([(100, True)], 100, 110) == 0
	assert new_exposure_share([], 0, 0) == 0


def test_unbilled_share():
	assert unbilled_share(1000, 0) == 1000
	assert unbilled_share(1000, 40) == 600
	assert unbilled_share(1000, 100) == 0
	assert unbilled_share(1000, 120) == 0


def test_utilisation():
	assert utilisation_percent(50, 200) == 25
	assert utilisation_percent(50, 0) is None


def test_recheck_releases_paid_collection_block_and_then_the_order_it_held():
	holds = [
		PendingHold("CH-1", "invoice", 0, reference="SINV-1"),
		PendingHold("CH-2", "order", 500, reference="SO-1"),
	]
	plan = plan_recheck(Exposure(), None, holds)
	assert plan.released == ("CH-1", "CH-2")


def test_recheck_keeps_order_while_its_invoice_is_unpaid():
	holds = [PendingHold("CH-1", "invoice", 10, reference="SINV-1"), PendingHold("CH-2", "order", 5)]
	plan = plan_recheck(Exposure(), None, holds)
	assert plan.released == ()
	assert rules(plan.still_pending["CH-2"]) == [COLLECTIONS_BLOCK]


def test_recheck_releases_orders_oldest_first_while_they_fit_together():
	holds = [
		PendingHold("CH-1", "order", 600),
		PendingHold("CH-2", "order", 600),
		PendingHold("CH-3", "order", 300),
	]
	plan = plan_recheck(Exposure(receivables=100), CreditTerms(1000), holds)
	assert plan.released == ("CH-1", "CH-3")
	assert set(plan.still_pending) == {"CH-2"}


def test_recheck_ignores_cancelled_orders_and_lifts_blocks_of_cancelled_invoices():
	holds = [PendingHold("CH-1", "order", 10, active=False), PendingHold("CH-2", "invoice", 99, active=False)]
	assert plan_recheck(Exposure(), CreditTerms(1), holds).released == ("CH-2",)


# --- properties -------------------------------------------------------------------------------


@given(receivables=money, orders=money, document=money, limit=money, tolerance=st.integers(0, 100))
def test_limit_rule_fails_exactly_when_total_is_above_limit_plus_tolerance(
	receivables, orders, document, limit, tolerance
):
	assume(limit > 0)
	exposure = Exposure(receivables=receivables, open_orders=orders, document=document)
	terms = CreditTerms(credit_limit=limit, tolerance_percent=tolerance)
	decision = decide(exposure, terms)
	assert (CREDIT_LIMIT in rules(decision)) == exceeds(exposure.total, terms.effective_limit)
	if exposure.total <= limit:
		assert decision.passed


@given(
	base=money,
	document=money,
	extra=money,
	limit=money,
	overdue=days,
	max_overdue=days,
	level=levels,
	max_level=levels,
)
def test_more_exposure_never_turns_a_failure_into_a_pass(
	base, document, extra, limit, overdue, max_overdue, level, max_level
):
	terms = CreditTerms(limit, 0, max_overdue, max_level)
	smaller = Exposure(
		receivables=base, document=document, oldest_overdue_days=overdue, highest_dunning_level=level
	)
	larger = Exposure(
		receivables=base + extra, document=document, oldest_overdue_days=overdue, highest_dunning_level=level
	)
	if not decide(smaller, terms).passed:
		assert not decide(larger, terms).passed


@given(overdue=days, max_overdue=days, level=levels, max_level=levels)
def test_overdue_and_dunning_rules_only_when_set(overdue, max_overdue, level, max_level):
	decision = decide(
		Exposure(oldest_overdue_days=overdue, highest_dunning_level=level),
		CreditTerms(0, 0, max_overdue, max_level),
	)
	assert (OVERDUE_DAYS in rules(decision)) == (max_overdue > 0 and overdue > max_overdue)
	assert (DUNNING_LEVEL in rules(decision)) == (max_level > 0 and level > max_level)


@given(
	base=money,
	limit=money,
	amounts=st.lists(money, max_size=8),
)
def test_orders_released_together_stay_within_the_limit(base, limit, amounts):
	assume(limit > 0)
	holds = [PendingHold(f"CH-{i}", "order", amount) for i, amount in enumerate(amounts)]
	plan = plan_recheck(Exposure(receivables=base), CreditTerms(limit), holds)
	released_total = sum(h.amount for h in holds if h.name in plan.released)
	if plan.released:
		assert not exceeds(base + released_total, limit)
	assert set(plan.released) | set(plan.still_pending) == {h.name for h in holds}
	# a hold left pending would not have fitted on top of what was released before it
	for hold in holds:
		if hold.name in plan.still_pending:
			before = sum(h.amount for h in holds[: holds.index(hold)] if h.name in plan.released)
			assert exceeds(base + before + hold.amount, limit)


def test_order_exposure_nets_the_unallocated_advance_never_below_zero():
	from o2c_extension.credit_control.core import order_exposure

	assert order_exposure(500.0, 0.0) == (500.0, 0.0)
	assert order_exposure(500.0, 110.0) == (390.0, 110.0)
	# an advance above the unbilled amount leaves the rest in the receivables
	assert order_exposure(100.0, 150.0) == (0.0, 100.0)


def test_to_company_currency_converts_only_foreign_currency_accounts():
	from o2c_extension.order_to_cash.currency import to_company_currency

	# a EUR invoice on the USD receivable: its outstanding is in USD already
	assert to_company_currency(110.0, "USD", "USD", 1.1) == 110.0
	# on a EUR receivable: converted at the invoice's rate
	assert abs(to_company_currency(100.0, "EUR", "USD", 1.1) - 110.0) < 1e-9
	assert to_company_currency(100.0, None, "USD", 1.1) == 100.0
