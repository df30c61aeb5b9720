"""Token-bucket arithmetic (``cluster.rates.take``) and rule validation."""

from __future__ import annotations

import math

import pytest

from cluster.rates import BucketState, RateDecision, RateRule, check_hit, take, to_ms

RULE = RateRule("chat.send", capacity=3, refill_per_s=2.0)


@pytest.mark.parametrize(
    ("state", "cost", "now_ms", "expected_state", "expected"),
    [
        # new bucket starts full
        (None, 1, 0, BucketState(2.0, 0), RateDecision(True, 2, 0.0)),
        (None, 3, 0, BucketState(0.0, 0), RateDecision(True, 0, 0.0)),
        # empty bucket: denied, nothing taken, retry when enough has refilled
        (BucketState(0.0, 0), 1, 0, BucketState(0.0, 0), RateDecision(False, 0, 0.5)),
        (BucketState(0.0, 0), 2, 0, BucketState(0.0, 0), RateDecision(False, 0, 1.0)),
        # refill over 250 ms at 2/s is half a token
        (
            BucketState(0.0, 0),
            1,
            250,
            BucketState(0.5, 250),
            RateDecision(False, 0, 0.25),
        ),
        (
            BucketState(0.0, 0),
            1,
            500,
            BucketState(0.0, 500),
            RateDecision(True, 0, 0.0),
        ),
        # refill is capped at capacity
        (
            BucketState(1.0, 0),
            1,
            60_000,
            BucketState(2.0, 60_000),
            RateDecision(True, 2, 0.0),
        ),
        # a clock behind the stored reading adds nothing and keeps the reading
        (
            BucketState(1.0, 1000),
            1,
            0,
            BucketState(0.0, 1000),
            RateDecision(True, 0, 0.0),
        ),
        (
            BucketState(0.5, 1000),
            1,
            0,
            BucketState(0.5, 1000),
            RateDecision(False, 0, 0.25),
        ),
    ],
)
def test_take(
    state: BucketState | None,
    cost: int,
    now_ms: int,
    expected_state: BucketState,
    expected: RateDecision,
) -> None:
    new_state, decision = take(state, RULE, cost, now_ms)
    assert new_state == expected_state
    assert decision.allowed == expected.allowed
    assert decision.remaining == expected.remaining
    assert decision.retry_after_s == pytest.approx(expected.retry_after_s)


def test_many_small_refills_add_up_to_whole_tokens() -> None:
    rule = RateRule("r", capacity=1, refill_per_s=0.1)
    state, _ = take(None, rule, 1, 0)
    for step in range(1, 100):
        state, decision = take(state, rule, 1, step * 100)
        assert not decision.allowed
    _, decision = take(state, rule, 1, 10_000)
    assert decision.allowed


def test_to_ms_rounds_epoch_seconds_exactly() -> None:
    assert to_ms(1_800_000_000.1) == 1_800_000_000_100
    assert to_ms(0.0004) == 0


@pytest.mark.parametrize(
    ("name", "capacity", "refill"),
    [
        ("", 1, 1.0),
        ("Has-Capitals", 1, 1.0),
        ("has:colon", 1, 1.0),
        ("x" * 65, 1, 1.0),
        ("ok", 0, 1.0),
        ("ok", 1, 0.0),
        ("ok", 1, -1.0),
        ("ok", 1, math.inf),
        ("ok", 1, math.nan),
    ],
)
def test_invalid_rules_are_refused(name: str, capacity: int, refill: float) -> None:
    with pytest.raises(ValueError):
        RateRule(name, capacity, refill)


def test_full_refill_time() -> None:
    assert RateRule("r", capacity=10, refill_per_s=0.5).full_refill_s == 20.0


@pytest.mark.parametrize(("key", "cost"), [("", 1), ("k", 0), ("k", -1), ("k", 4)])
def test_invalid_hits_are_refused(key: str, cost: int) -> None:
    with pytest.raises(ValueError):
        check_hit(RULE, key, cost)
