"""The in-process limiter charges in one pass, and decides and stores what it did.

``InMemoryRateLimiter._take`` used to refill every bucket, then charge them all
in a second pass; it now charges as it goes and gives the tokens back when a
later bucket lacks some. The old ``_take`` is kept here, as it was (at
f607c1e), as the oracle: over random calls (one to three buckets, costs up to
the capacity, new buckets, a clock that moves forward, stands still, jumps past
the refill time or goes back), both give the same decisions and leave the same
buckets, in the same order.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

import pytest
from hypothesis import given, settings, strategies as st

from cluster.memory import InMemoryRateLimiter
from cluster.rates import (
    ALLOWED_DECISIONS,
    TOKEN_EPSILON,
    RateDecision,
    RateRule,
    allowed_decision,
    check_hits,
)


class SettableClock:
    """A clock a test sets, backwards too."""

    def __init__(self) -> None:
        self.mono = 1000.0

    def now(self) -> float:
        return 1_800_000_000.0 + self.mono

    def monotonic(self) -> float:
        return self.mono


class OldInMemoryRateLimiter(InMemoryRateLimiter):
    """``_take`` in two passes, as it was: the oracle."""

    def _take(self, checks: Sequence[tuple[RateRule, str, int]]) -> list[RateDecision]:
        now_ms = round(self._clock.monotonic() * 1000)
        buckets = self._buckets
        if buckets and next(iter(buckets.values()))[2] <= now_ms:
            self._forget_idle(now_ms)
        entries: list[list[float]] = []
        allowed = True
        for rule, key, cost in checks:
            bucket_key = (rule.name, key)
            entry = buckets.get(bucket_key)
            if entry is None:
                entry = buckets[bucket_key] = [float(rule.capacity), now_ms, 0.0]
            else:
                buckets.move_to_end(bucket_key)
                if now_ms > entry[1]:
                    refill = (now_ms - entry[1]) * rule.refill_per_s / 1000
                    entry[0] = min(float(rule.capacity), entry[0] + refill)
                    entry[1] = now_ms
            entry[2] = entry[1] + rule.capacity / rule.refill_per_s * 1000
            if entry[0] + TOKEN_EPSILON < cost:
                allowed = False
            entries.append(entry)
        if allowed:
            decisions: list[RateDecision] = []
            for entry, (_, _, cost) in zip(entries, checks, strict=True):
                tokens = entry[0] = max(0.0, entry[0] - cost)
                remaining = int(tokens + TOKEN_EPSILON)
                decisions.append(ALLOWED_DECISIONS.get(remaining) or allowed_decision(remaining))
            return decisions
        return [
            RateDecision(
                False,
                int(entry[0] + TOKEN_EPSILON),
                (cost - entry[0]) / rule.refill_per_s if entry[0] + TOKEN_EPSILON < cost else 0.0,
            )
            for entry, (rule, _, cost) in zip(entries, checks, strict=True)
        ]


RULES = [
    RateRule("chat.participant", capacity=3, refill_per_s=2.0),
    RateRule("chat.room", capacity=5, refill_per_s=10.0),
    RateRule("chat.slow", capacity=1, refill_per_s=0.5),
    RateRule("chat.slow", capacity=1, refill_per_s=0.1),  # same name, another rate
]
KEYS = ["r1:p1", "r1:p2", "r1", "r2"]
STEPS_S = [-0.3, 0.0, 0.0, 0.001, 0.1, 0.25, 0.5, 2.0, 30.0]

_bucket = st.tuples(st.integers(0, len(RULES) - 1), st.sampled_from(KEYS))
_call = st.tuples(
    st.sampled_from(STEPS_S),
    st.lists(_bucket, min_size=1, max_size=3, unique_by=lambda b: (RULES[b[0]].name, b[1])),
    st.data(),
)


@settings(max_examples=400, deadline=None)
@given(st.lists(_call, max_size=40))
def test_decisions_and_buckets_are_those_of_the_two_pass_take(
    calls: list[tuple[float, list[tuple[int, str]], st.DataObject]],
) -> None:
    new_clock, old_clock = SettableClock(), SettableClock()
    new, old = InMemoryRateLimiter(new_clock), OldInMemoryRateLimiter(old_clock)
    for step, buckets, data in calls:
        new_clock.mono += step
        old_clock.mono += step
        checks = [
            (RULES[rule], key, data.draw(st.integers(1, RULES[rule].capacity)))
            for rule, key in buckets
        ]
        decided = asyncio.run(new.hit_many(checks))
        assert decided == asyncio.run(old.hit_many(checks))
        assert list(new._buckets.items()) == list(old._buckets.items())


def test_a_refused_call_gives_back_the_tokens_it_charged() -> None:
    clock = SettableClock()
    limiter = InMemoryRateLimiter(clock)
    participant, room = RULES[0], RULES[2]
    assert asyncio.run(limiter.hit_many([(room, "r1", 1)]))[0].allowed
    decided = asyncio.run(limiter.hit_many([(participant, "r1:p1", 1), (room, "r1", 1)]))
    assert [decision.allowed for decision in decided] == [False, False]
    assert decided[0] == RateDecision(False, 3, 0.0)  # its bucket kept every token
    assert decided[1].retry_after_s == pytest.approx(2.0)
    assert limiter._buckets[("chat.participant", "r1:p1")][0] == 3.0


def test_the_same_bucket_twice_is_refused_for_two_and_three_buckets() -> None:
    rule = RULES[0]
    with pytest.raises(ValueError, match="at most once"):
        check_hits([(rule, "k", 1), (rule, "k", 1)])
    with pytest.raises(ValueError, match="at most once"):
        check_hits([(rule, "k", 1), (RULES[1], "k", 1), (rule, "k", 1)])
    check_hits([(rule, "k", 1), (rule, "j", 1)])
    check_hits([(rule, "k", 1), (RULES[1], "k", 1)])
