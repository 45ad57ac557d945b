"""The pure cores of credit management v2: approval authority and the credit score."""

from datetime import date, timedelta

from hypothesis import given
from hypothesis import strategies as st

from o2c_extension.credit_control import authority, scoring
from o2c_extension.credit_control.authority import ApprovalLimit

LIMITS = [ApprovalLimit("Credit Controller", 1000), ApprovalLimit("Credit Manager", 5000)]


def test_authority_is_the_highest_of_the_users_roles():
	assert authority.decide(LIMITS, ["Credit Controller"], 1000).allowed
	refused = authority.decide(LIMITS, ["Credit Controller"], 1500)
	assert (refused.allowed, refused.authority, refused.needed_role) == (False, 1000, "Credit Manager")
	assert authority.decide(LIMITS, ["Credit Controller", "Credit Manager"], 1500).allowed
	assert authority.decide(LIMITS, ["Credit Manager"], 6000).needed_role is None
	assert not authority.decide(LIMITS, ["Sales User"], 1).allowed


def test_an_empty_table_lets_controllers_and_managers_decide_everything_and_0_is_no_bound():
	assert authority.decide([], ["Credit Controller"], 10**9).allowed
	assert authority.decide([], ["Credit Manager"], 10**9).allowed
	assert not authority.decide([], ["Sales User"], 1).allowed
	assert authority.decide([ApprovalLimit("CFO", 0)], ["CFO"], 10**9).allowed
	assert (
		authority.decide(
			[ApprovalLimit("Credit Controller", 100), ApprovalLimit("CFO", 0)], ["Credit Controller"], 500
		).needed_role
		== "CFO"
	)


def test_table_errors():
	roles = ["Credit Controller", "Credit Manager"]
	assert authority.table_errors(LIMITS, roles) == []
	assert authority.table_errors([ApprovalLimit("Nope", 1)], roles) == [(authority.MISSING_ROLE, "Nope")]
	assert authority.table_errors([ApprovalLimit("Credit Manager", -1)], roles) == [
		(authority.NEGATIVE, "Credit Manager")
	]
	duplicate = [ApprovalLimit("Credit Manager", 1), ApprovalLimit("Credit Manager", 2)]
	assert authority.table_errors(duplicate, roles) == [(authority.DUPLICATE, "Credit Manager")]


@given(
	st.lists(
		st.tuples(st.sampled_from(["A", "B", "C", "D"]), st.floats(0, 1e6)),
		max_size=4,
		unique_by=lambda r: r[0],
	),
	st.sets(st.sampled_from(["A", "B", "C", "D", "Credit Controller"])),
	st.floats(0, 2e6),
	st.floats(0, 2e6),
)
def test_authority_is_monotone_in_the_amount(rows, roles, smaller, larger):
	limits = [ApprovalLimit(role, amount) for role, amount in rows]
	smaller, larger = sorted((smaller, larger))
	if authority.decide(limits, roles, larger).allowed:
		assert authority.decide(limits, roles, smaller).allowed
	refused = authority.decide(limits, roles, larger)
	if not refused.allowed and refused.needed_role:
		assert authority.decide(limits, {refused.needed_role}, larger).allowed


FACTOR_VALUES = {
	"days_late": st.floats(0, 400),
	"overdue_share": st.floats(0, 100),
	"broken_promises": st.integers(0, 10),
	"dunning_level": st.integers(0, 6),
	"utilisation": st.floats(0, 400),
}


@given(st.fixed_dictionaries(FACTOR_VALUES), st.sampled_from(sorted(FACTOR_VALUES)), st.floats(0, 200))
def test_the_score_is_monotone_in_each_factor_and_stays_within_0_and_100(values, factor, increase):
	base = scoring.Factors(**values)
	worse_value = values[factor] + (int(increase) if isinstance(values[factor], int) else increase)
	worse = scoring.Factors(**{**values, factor: worse_value})
	assert 0 <= scoring.credit_score(worse) <= scoring.credit_score(base) <= 100
	order = "ABCD"
	assert order.index(scoring.score(worse).risk_class) >= order.index(scoring.score(base).risk_class)


def test_the_score_of_a_clean_customer_and_of_a_very_late_one():
	assert scoring.score(scoring.Factors()) == scoring.Score(100.0, "A", scoring.Factors())
	late = scoring.score(scoring.Factors(days_late=120))
	assert (late.credit_score, late.risk_class) == (65.0, "B")  # the whole 35-point weight
	everything = scoring.Factors(
		days_late=500, overdue_share=100, broken_promises=9, dunning_level=5, utilisation=300
	)
	assert scoring.score(everything) == scoring.Score(0.0, "D", everything)


def test_settings_errors():
	assert scoring.settings_errors(scoring.ScoreSettings()) == []
	assert scoring.settings_errors(scoring.ScoreSettings(class_a_min=50, class_b_min=60)) == ["class_order"]
	assert scoring.settings_errors(scoring.ScoreSettings(weight_utilisation=-1)) == ["negative_weight"]
	none = dict.fromkeys(
		[
			"weight_days_late",
			"weight_overdue_share",
			"weight_broken_promises",
			"weight_dunning_level",
			"weight_utilisation",
		],
		0,
	)
	assert scoring.settings_errors(scoring.ScoreSettings(**none)) == ["no_weight"]


def test_days_late_clear_the_earliest_terms_first_and_weigh_by_amount():
	start = date(2026, 1, 1)
	terms = [
		scoring.DueTerm(start, 40),
		scoring.DueTerm(start + timedelta(30), 30),
		scoring.DueTerm(start + timedelta(60), 30),
	]
	paid = [scoring.Payment(start + timedelta(180), 100)]
	assert scoring.paid_late(terms, paid) == (100, 40 * 180 + 30 * 150 + 30 * 120)
	on_time = [
		scoring.Payment(start, 40),
		scoring.Payment(start + timedelta(30), 30),
		scoring.Payment(start + timedelta(50), 30),
	]
	assert scoring.average_days_late([(terms, on_time)]) == 0
	assert scoring.average_days_late([]) == 0


@given(st.integers(0, 300), st.integers(0, 300))
def test_paying_later_never_lowers_the_days_late(early, extra):
	start = date(2026, 1, 1)
	terms = [scoring.DueTerm(start, 60), scoring.DueTerm(start + timedelta(30), 40)]
	sooner = scoring.average_days_late([(terms, [scoring.Payment(start + timedelta(early), 100)])])
	later = scoring.average_days_late([(terms, [scoring.Payment(start + timedelta(early + extra), 100)])])
	assert later >= sooner


def test_a_risk_class_scope_and_its_rank():
	from o2c_extension.credit_control import core

	assert core.resolve_scope("Risk Class", None, None, risk_class="C") == core.PolicyScope(
		"Risk Class", risk_class="C"
	)
	assert core.resolve_scope("Risk Class", None, None) == "risk_class_missing"
	assert core.resolve_scope("Risk Class", None, None, risk_class="E") == "risk_class_missing"
	candidates = [
		core.PolicyCandidate("all", core.SCOPE_COMPANY),
		core.PolicyCandidate("class", core.SCOPE_RISK_CLASS),
	]
	assert core.pick_most_specific(candidates) == "class"
	assert (
		core.pick_most_specific([*candidates, core.PolicyCandidate("group", core.SCOPE_CUSTOMER_GROUP)])
		== "group"
	)
	assert (
		core.pick_most_specific([*candidates, core.PolicyCandidate("customer", core.SCOPE_CUSTOMER)])
		== "customer"
	)
