"""A bucket charged just below a whole token stores none, not a small debt.

A hit is allowed when the bucket holds its cost within ``TOKEN_EPSILON`` (float
drift: 0.1 s x 10 of refill must make a whole token), so taking the cost may
leave a tiny negative number of tokens. Every implementation clamps it to 0
(``cluster.rates.take``'s ``max``, ``InMemoryRateLimiter._take``'s
``if tokens < 0.0``, the Lua script's ``math.max``). Without the clamp the debt
is stored and carried into the next refill: a rate that gives each interval a
token short by 1e-10 (allowed) piles up 1e-10 per hit, and after ten hits the
eleventh, a whole interval later, is refused.

The random comparison in ``tests/unit/cluster/test_memory_rate_limiter.py``
does not reach that case (its rates and steps make whole tokens or leave a
bucket far from its cost), and passes with the clamp removed; these tests fail
then.
"""

from __future__ import annotations

import pytest

from cluster import RateRule
from cluster.memory import InMemoryRateLimiter
from cluster.ports import RateLimiter
from cluster.rates import TOKEN_EPSILON, BucketState, take
from tests.fakes.clock import FakeClock

SHORT = RateRule("chat.slow", capacity=1, refill_per_s=0.3333333333)
"""One message every 3 s, written with ten decimals: each 3 s refill 0.9999999999."""
INTERVAL_S = 3.0
HITS = 30


def test_the_rule_refills_just_short_of_a_token_within_tolerance() -> None:
    refill = INTERVAL_S * 1000 * SHORT.refill_per_s / 1000
    assert 1.0 - TOKEN_EPSILON < refill < 1.0
    # Eleven such shortfalls are past the tolerance: the test below needs them.
    assert 11 * (1.0 - refill) > TOKEN_EPSILON


def test_take_stores_no_debt_hit_after_hit() -> None:
    state: BucketState | None = None
    now_ms = 1_000_000
    for hit in range(HITS):
        state, decision = take(state, SHORT, 1, now_ms)
        assert decision.allowed, hit
        assert decision.remaining == 0
        assert state.tokens == 0.0, hit
        now_ms += round(INTERVAL_S * 1000)


async def test_a_hit_every_interval_is_always_allowed(
    limiter: RateLimiter, limiter_clock: FakeClock
) -> None:
    for hit in range(HITS):
        decision = await limiter.hit(SHORT, "r1:p1")
        assert decision.allowed, hit
        assert decision.remaining == 0
        # Right after: refused, and told to wait one interval, no more.
        refused = await limiter.hit(SHORT, "r1:p1")
        assert not refused.allowed
        assert refused.retry_after_s == pytest.approx(INTERVAL_S, abs=1e-6)
        limiter_clock.advance(INTERVAL_S)


async def test_hit_many_stores_no_debt_either(
    limiter: RateLimiter, limiter_clock: FakeClock
) -> None:
    room = RateRule("chat.room", capacity=5, refill_per_s=10.0)
    for hit in range(HITS):
        decisions = await limiter.hit_many([(SHORT, "r1:p1", 1), (room, "r1", 1)])
        assert [decision.allowed for decision in decisions] == [True, True], hit
        limiter_clock.advance(INTERVAL_S)


def test_the_in_memory_buckets_never_hold_less_than_nothing() -> None:
    clock = FakeClock()
    limiter = InMemoryRateLimiter(clock)
    for _ in range(HITS):
        limiter._take(((SHORT, "r1:p1", 1),))
        assert limiter._buckets[(SHORT.name, "r1:p1")][0] == 0.0
        clock.advance(INTERVAL_S)
