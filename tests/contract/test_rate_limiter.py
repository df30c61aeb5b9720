"""Contract of ``cluster.ports.RateLimiter``: the same tests for every implementation.

Time is a ``FakeClock`` in both implementations (the Redis script receives the
time as an argument), so refill is tested by advancing the clock, not by
sleeping.
"""

from __future__ import annotations

import asyncio

import pytest

from cluster import RateDecision, RateRule
from cluster.memory import InMemoryRateLimiter
from cluster.ports import RateLimiter
from tests.fakes.clock import FakeClock
from tests.services import require_redis

CHAT = RateRule("chat.send", capacity=3, refill_per_s=1.0)
"""3 at once, then 1 per second."""
SLOW = RateRule("login", capacity=2, refill_per_s=0.1)
"""2 at once, then 1 per 10 seconds."""


async def hits(limiter: RateLimiter, rule: RateRule, key: str, n: int) -> list[bool]:
    return [(await limiter.hit(rule, key)).allowed for _ in range(n)]


async def test_a_new_bucket_allows_up_to_its_capacity(limiter: RateLimiter) -> None:
    assert await limiter.hit(CHAT, "k") == RateDecision(True, 2, 0.0)
    assert await limiter.hit(CHAT, "k") == RateDecision(True, 1, 0.0)
    assert await limiter.hit(CHAT, "k") == RateDecision(True, 0, 0.0)
    denied = await limiter.hit(CHAT, "k")
    assert not denied.allowed
    assert denied.remaining == 0


async def test_denied_hit_says_when_to_retry(
    limiter: RateLimiter, limiter_clock: FakeClock
) -> None:
    await hits(limiter, SLOW, "k", 2)
    assert (await limiter.hit(SLOW, "k")).retry_after_s == pytest.approx(10.0)
    limiter_clock.advance(4.0)
    denied = await limiter.hit(SLOW, "k")
    assert not denied.allowed
    assert denied.retry_after_s == pytest.approx(6.0)
    limiter_clock.advance(6.0)
    assert (await limiter.hit(SLOW, "k")).allowed


async def test_tokens_refill_with_time_up_to_capacity(
    limiter: RateLimiter, limiter_clock: FakeClock
) -> None:
    assert await hits(limiter, CHAT, "k", 4) == [True, True, True, False]
    limiter_clock.advance(1.0)
    assert await hits(limiter, CHAT, "k", 2) == [True, False]
    limiter_clock.advance(2.5)
    assert await hits(limiter, CHAT, "k", 3) == [True, True, False]
    limiter_clock.advance(3600.0)
    assert await hits(limiter, CHAT, "k", 4) == [True, True, True, False]


async def test_fractional_refill_adds_up(limiter: RateLimiter, limiter_clock: FakeClock) -> None:
    await hits(limiter, CHAT, "k", 3)
    for _ in range(10):
        limiter_clock.advance(0.1)
    assert (await limiter.hit(CHAT, "k")).allowed


async def test_cost_takes_several_tokens(limiter: RateLimiter) -> None:
    assert await limiter.hit(CHAT, "k", cost=2) == RateDecision(True, 1, 0.0)
    denied = await limiter.hit(CHAT, "k", cost=2)
    assert not denied.allowed
    assert denied.remaining == 1
    assert denied.retry_after_s == pytest.approx(1.0)
    assert (await limiter.hit(CHAT, "k", cost=1)).allowed


async def test_denied_hit_takes_nothing(limiter: RateLimiter) -> None:
    await limiter.hit(CHAT, "k", cost=2)
    for _ in range(5):
        assert not (await limiter.hit(CHAT, "k", cost=3)).allowed
    assert await limiter.hit(CHAT, "k") == RateDecision(True, 0, 0.0)


async def test_keys_and_rules_have_separate_buckets(limiter: RateLimiter) -> None:
    await hits(limiter, CHAT, "room-1:alice", 3)
    assert not (await limiter.hit(CHAT, "room-1:alice")).allowed
    assert (await limiter.hit(CHAT, "room-1:bob")).allowed
    other_rule = RateRule("hand.raise", capacity=3, refill_per_s=1.0)
    assert (await limiter.hit(other_rule, "room-1:alice")).allowed


async def test_reset_refills_the_bucket(limiter: RateLimiter) -> None:
    await hits(limiter, CHAT, "k", 3)
    await hits(limiter, CHAT, "other", 3)
    await limiter.reset(CHAT, "k")
    assert await limiter.hit(CHAT, "k") == RateDecision(True, 2, 0.0)
    assert not (await limiter.hit(CHAT, "other")).allowed
    await limiter.reset(CHAT, "never-used")


async def test_concurrent_hits_never_grant_more_than_capacity(
    limiter: RateLimiter,
) -> None:
    rule = RateRule("burst", capacity=10, refill_per_s=0.01)
    decisions = await asyncio.gather(*(limiter.hit(rule, "k") for _ in range(50)))
    assert sum(decision.allowed for decision in decisions) == 10
    assert sorted(d.remaining for d in decisions if d.allowed) == list(range(10))


async def test_a_clock_going_back_adds_no_tokens(
    limiter: RateLimiter, limiter_clock: FakeClock
) -> None:
    await hits(limiter, CHAT, "k", 3)
    limiter_clock.advance(-30.0)
    assert not (await limiter.hit(CHAT, "k")).allowed
    limiter_clock.advance(30.0)
    assert not (await limiter.hit(CHAT, "k")).allowed
    limiter_clock.advance(1.0)
    assert (await limiter.hit(CHAT, "k")).allowed


@pytest.mark.parametrize(("key", "cost"), [("", 1), ("k", 0), ("k", 4), ("x" * 513, 1)])
async def test_invalid_hits_are_refused(limiter: RateLimiter, key: str, cost: int) -> None:
    with pytest.raises(ValueError):
        await limiter.hit(CHAT, key, cost)


# --- hit_many: several buckets in one atomic step, all or nothing -------------

ROOM = RateRule("chat.room", capacity=5, refill_per_s=1.0)
"""5 at once for a whole room, then 1 per second."""


async def test_hit_many_charges_every_bucket_when_each_has_its_cost(
    limiter: RateLimiter,
) -> None:
    decisions = await limiter.hit_many([(CHAT, "room:alice", 1), (ROOM, "room", 2)])
    assert decisions == [RateDecision(True, 2, 0.0), RateDecision(True, 3, 0.0)]
    assert await limiter.hit(CHAT, "room:alice") == RateDecision(True, 1, 0.0)
    assert await limiter.hit(ROOM, "room") == RateDecision(True, 2, 0.0)


async def test_hit_many_charges_nothing_when_one_bucket_lacks_tokens(
    limiter: RateLimiter,
) -> None:
    await hits(limiter, CHAT, "room:alice", 3)
    decisions = await limiter.hit_many([(ROOM, "room", 1), (CHAT, "room:alice", 1)])
    assert [decision.allowed for decision in decisions] == [False, False]
    assert decisions[0] == RateDecision(False, 5, 0.0)
    assert decisions[1].remaining == 0
    assert decisions[1].retry_after_s == pytest.approx(1.0)
    # The room's bucket gave nothing for the refused message.
    assert await hits(limiter, ROOM, "room", 6) == [True] * 5 + [False]


async def test_hit_many_says_when_each_short_bucket_refills(limiter: RateLimiter) -> None:
    await hits(limiter, CHAT, "k", 3)
    await hits(limiter, SLOW, "k", 2)
    decisions = await limiter.hit_many([(CHAT, "k", 2), (SLOW, "k", 1), (ROOM, "r", 1)])
    assert not any(decision.allowed for decision in decisions)
    assert [decision.retry_after_s for decision in decisions] == [
        pytest.approx(2.0),
        pytest.approx(10.0),
        0.0,
    ]


async def test_hit_many_refills_with_time(limiter: RateLimiter, limiter_clock: FakeClock) -> None:
    await hits(limiter, CHAT, "k", 3)
    await hits(limiter, ROOM, "r", 5)
    limiter_clock.advance(0.5)
    assert not (await limiter.hit_many([(CHAT, "k", 1), (ROOM, "r", 1)]))[0].allowed
    limiter_clock.advance(0.5)
    decisions = await limiter.hit_many([(CHAT, "k", 1), (ROOM, "r", 1)])
    assert decisions == [RateDecision(True, 0, 0.0), RateDecision(True, 0, 0.0)]


async def test_hit_many_of_one_bucket_is_a_hit(
    limiter: RateLimiter, limiter_clock: FakeClock
) -> None:
    steps = [(1, 0.0), (2, 0.0), (1, 0.3), (3, 0.0), (1, 0.7), (2, 1.5), (1, -2.0), (3, 9.0)]
    for cost, advance in steps:
        limiter_clock.advance(advance)
        single = await limiter.hit(CHAT, "single", cost)
        (many,) = await limiter.hit_many([(CHAT, "many", cost)])
        assert many.allowed == single.allowed
        assert many.remaining == single.remaining
        assert many.retry_after_s == pytest.approx(single.retry_after_s)


async def test_hit_many_of_nothing_decides_nothing(limiter: RateLimiter) -> None:
    assert await limiter.hit_many([]) == []


@pytest.mark.parametrize(
    "checks",
    [
        [(CHAT, "k", 1), (CHAT, "k", 1)],
        [(CHAT, "k", 1), (RateRule("chat.send", capacity=9, refill_per_s=9.0), "k", 1)],
        [(CHAT, "k", 1), (ROOM, "", 1)],
        [(CHAT, "k", 1), (ROOM, "r", 6)],
        [(CHAT, "k", 0)],
    ],
)
async def test_invalid_hit_many_is_refused_and_charges_nothing(
    limiter: RateLimiter, checks: list[tuple[RateRule, str, int]]
) -> None:
    with pytest.raises(ValueError):
        await limiter.hit_many(checks)
    assert await limiter.hit(CHAT, "k") == RateDecision(True, 2, 0.0)


async def test_concurrent_hit_many_never_grants_more_than_any_capacity(
    limiter: RateLimiter,
) -> None:
    small = RateRule("burst.small", capacity=10, refill_per_s=0.01)
    large = RateRule("burst.large", capacity=25, refill_per_s=0.01)
    decisions = await asyncio.gather(
        *(limiter.hit_many([(large, "k", 1), (small, "k", 1)]) for _ in range(40))
    )
    granted = [pair for pair in decisions if pair[0].allowed]
    assert len(granted) == 10
    assert all(pair[1].allowed for pair in granted)
    assert sorted(pair[1].remaining for pair in granted) == list(range(10))
    assert (await limiter.hit(large, "k", 15)) == RateDecision(True, 0, 0.0)


# --- idle buckets vanish: how each implementation forgets --------------------


async def test_in_memory_buckets_are_forgotten_once_full_again() -> None:
    clock = FakeClock()
    limiter = InMemoryRateLimiter(clock)
    rule = RateRule("r", capacity=2, refill_per_s=1.0)
    for key in ("a", "b", "c"):
        await limiter.hit(rule, key)
    assert limiter.bucket_count == 3
    clock.advance(1.0)
    await limiter.hit(rule, "c")
    assert limiter.bucket_count == 3
    clock.advance(1.5)
    await limiter.hit(rule, "c")
    assert limiter.bucket_count == 1


async def test_in_memory_empty_bucket_is_kept_until_it_refills() -> None:
    clock = FakeClock()
    limiter = InMemoryRateLimiter(clock)
    rule = RateRule("r", capacity=2, refill_per_s=1.0)
    await limiter.hit(rule, "a", cost=2)
    clock.advance(1.9)
    await limiter.hit(rule, "other")
    assert not (await limiter.hit(rule, "a", cost=2)).allowed


@pytest.mark.redis
async def test_redis_buckets_expire_after_their_refill_time(
    namespace: str, limiter_clock: FakeClock
) -> None:
    from cluster.redis import RedisKeys, RedisRateLimiter, open_client

    keys = RedisKeys(namespace)
    client = open_client(require_redis())
    try:
        limiter = RedisRateLimiter(client, keys=keys, clock=limiter_clock)
        await limiter.hit(CHAT, "k")
        ttl_ms = await client.pttl(keys.rate_bucket(CHAT.name, "k"))
        assert 0 < ttl_ms <= (CHAT.full_refill_s + 1.0) * 1000
    finally:
        await client.delete(keys.rate_bucket(CHAT.name, "k"))
        await client.aclose()


@pytest.mark.redis
async def test_redis_buckets_taken_together_expire_too(
    namespace: str, limiter_clock: FakeClock
) -> None:
    from cluster.redis import RedisKeys, RedisRateLimiter, open_client

    keys = RedisKeys(namespace)
    client = open_client(require_redis())
    buckets = [keys.rate_bucket(CHAT.name, "k"), keys.rate_bucket(SLOW.name, "k")]
    try:
        limiter = RedisRateLimiter(client, keys=keys, clock=limiter_clock)
        await limiter.hit_many([(CHAT, "k", 1), (SLOW, "k", 1)])
        chat_ttl_ms, slow_ttl_ms = [await client.pttl(bucket) for bucket in buckets]
        assert 0 < chat_ttl_ms <= (CHAT.full_refill_s + 1.0) * 1000
        assert (CHAT.full_refill_s + 1.0) * 1000 < slow_ttl_ms <= (SLOW.full_refill_s + 1.0) * 1000
    finally:
        await client.delete(*buckets)
        await client.aclose()
