"""The fault plan on its own: scopes, probabilities reproducible by seed, counts, latency adding up."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from medical_insurance_sdk.sandbox.faults import FaultPlan, FaultRule


def _kinds(plan: FaultPlan, infno: str, n: int) -> list[str | None]:
    return [plan.decide(infno).kind for _ in range(n)]


def test_no_rules_no_faults() -> None:
    assert FaultPlan().decide("2207").fault is None


def test_scope_is_one_infno_or_everything() -> None:
    plan = FaultPlan([FaultRule(scope="2207", kind="http_5xx")])
    assert plan.decide("2207").kind == "http_5xx"
    assert plan.decide("1101").kind is None
    assert FaultPlan([FaultRule(kind="reset_before")]).decide("1101").kind == "reset_before"


def test_probability_is_reproducible_with_a_seed() -> None:
    rules = [FaultRule(scope="2207", kind="timeout_after", probability=0.1)]
    first = _kinds(FaultPlan(rules, seed=42), "2207", 500)
    again = _kinds(FaultPlan(rules, seed=42), "2207", 500)
    other = _kinds(FaultPlan(rules, seed=43), "2207", 500)
    assert first == again and first != other
    assert 25 <= first.count("timeout_after") <= 75  # about 10 %


def test_an_always_rule_does_not_shift_a_random_one() -> None:
    random_rule = FaultRule(scope="2207", kind="infcode_error", probability=0.5)
    alone = _kinds(FaultPlan([random_rule], seed=1), "2207", 50)
    with_latency = FaultPlan([FaultRule(kind="latency", latency_ms=5), random_rule], seed=1)
    assert _kinds(with_latency, "2207", 50) == alone


def test_count_stops_a_rule() -> None:
    plan = FaultPlan([FaultRule(kind="http_5xx", count=2)])
    assert _kinds(plan, "1101", 4) == ["http_5xx", "http_5xx", None, None]
    assert plan.snapshot()[0]["left"] == 0


def test_latency_adds_up_and_one_other_fault_wins() -> None:
    plan = FaultPlan(
        [
            FaultRule(kind="latency", latency_ms=100),
            FaultRule(kind="reset_after"),
            FaultRule(kind="latency", latency_ms=50),
            FaultRule(kind="http_5xx"),
        ]
    )
    decision = plan.decide("2207")
    assert decision.latency_ms == 150 and decision.kind == "reset_after"


def test_replace_and_clear() -> None:
    plan = FaultPlan([FaultRule(kind="http_5xx")], seed=3)
    plan.replace([FaultRule(kind="infcode_error")], seed=9)
    assert plan.seed == 9 and plan.decide("1101").kind == "infcode_error"
    plan.clear()
    assert plan.decide("1101").kind is None


@pytest.mark.parametrize(
    "bad",
    [
        {"kind": "latency"},  # no duration
        {"kind": "explode"},
        {"kind": "http_5xx", "status": 404},
        {"kind": "http_5xx", "probability": 1.5},
        {"kind": "http_5xx", "scope": "22"},
        {"kind": "http_5xx", "count": 0},
    ],
)
def test_bad_rules_are_refused(bad: dict) -> None:
    with pytest.raises(ValidationError):
        FaultRule(**bad)
