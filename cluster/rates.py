"""Token-bucket rules, decisions and the bucket arithmetic itself.

The arithmetic is a pure function so that it can be unit-tested without I/O.
``cluster.memory.InMemoryRateLimiter`` follows it step by step (inlined, with
plain tuples for its stored buckets, since every chat message takes it); the Lua
scripts in ``cluster.redis.rate_limit`` are line-for-line transcriptions of it
(keep the three in step: the contract tests run the same cases against both
limiters).

``RateLimiter.hit_many`` applies the same arithmetic to several buckets at once,
all or nothing: every bucket is refilled first; if each holds its cost, each is
charged, otherwise none is (``check_hits`` validates such a call).

A bucket holds up to ``capacity`` tokens and gains ``refill_per_s`` tokens per
second. A hit of ``cost`` tokens is allowed if that many are available and then
removes them; a denied hit removes nothing.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass

RULE_NAME_RE = re.compile(r"[a-z0-9][a-z0-9_.-]{0,63}")
"""Rule names appear inside storage keys, so they are short and plain."""
MAX_KEY_LEN = 512
TOKEN_EPSILON = 1e-9
"""Tolerance for float drift: 0.1 s x 10 of refill must make a whole token."""


@dataclass(frozen=True)
class RateRule:
    """A named token-bucket policy, for example 10 chat messages then 1 per second.

    Raises:
        ValueError: A name that is not ``[a-z0-9][a-z0-9_.-]{0,63}``, a capacity
            below 1, or a refill rate that is not a positive finite number.
    """

    name: str
    """Stable identifier, part of the storage key (``chat.send``)."""
    capacity: int
    """Largest burst: the number of tokens in a full bucket."""
    refill_per_s: float
    """Tokens added per second, up to ``capacity``."""

    def __post_init__(self) -> None:
        if not RULE_NAME_RE.fullmatch(self.name):
            raise ValueError(f"invalid rate rule name {self.name!r}")
        if self.capacity < 1:
            raise ValueError(f"rate rule {self.name!r}: capacity must be >= 1")
        if not (math.isfinite(self.refill_per_s) and self.refill_per_s > 0):
            raise ValueError(f"rate rule {self.name!r}: refill_per_s must be > 0")

    @property
    def full_refill_s(self) -> float:
        """Seconds for an empty bucket to become full again.

        An untouched bucket is indistinguishable from a new one after this long,
        so implementations may forget it.
        """
        return self.capacity / self.refill_per_s


@dataclass(frozen=True)
class RateDecision:
    """The outcome of one hit."""

    allowed: bool
    """Whether the action may go ahead (its tokens were taken)."""
    remaining: int
    """Whole tokens left in the bucket after this hit."""
    retry_after_s: float
    """When denied, seconds until the same hit would be allowed; else 0."""


@dataclass(frozen=True)
class BucketState:
    """A bucket as stored: its tokens at the moment ``updated_at_ms``."""

    tokens: float
    """Tokens available at ``updated_at_ms`` (fractional while refilling)."""
    updated_at_ms: int
    """Clock reading, in whole milliseconds, of the latest hit."""


def to_ms(seconds: float) -> int:
    """Convert a clock reading to whole milliseconds.

    Time is counted in integers because epoch seconds as a float resolve only
    about 0.2 µs: ten 0.1 s steps would not add up to one second of refill.
    """
    return round(seconds * 1000)


def check_hit(rule: RateRule, key: str, cost: int) -> None:
    """Validate the arguments of ``RateLimiter.hit``.

    Raises:
        ValueError: An empty or overlong key, or a cost outside
            ``1..rule.capacity`` (such a hit could never be allowed).
    """
    if not key or len(key) > MAX_KEY_LEN:
        raise ValueError(f"rate limit key must be 1..{MAX_KEY_LEN} characters")
    if not 1 <= cost <= rule.capacity:
        raise ValueError(f"rate rule {rule.name!r}: cost must be within 1..{rule.capacity}")


def take(
    state: BucketState | None, rule: RateRule, cost: int, now_ms: int
) -> tuple[BucketState, RateDecision]:
    """Apply one hit to a bucket.

    Args:
        state: The stored bucket, or ``None`` for a bucket never seen (full).
        rule: The policy.
        cost: Tokens the action needs.
        now_ms: The current clock reading in milliseconds (``to_ms``). A
            reading earlier than the stored one (a clock that went back, or
            another node's clock that is behind) adds no tokens.

    Returns:
        The bucket to store and the decision.
    """
    if state is None:
        tokens, updated_at_ms = float(rule.capacity), now_ms
    else:
        tokens, updated_at_ms = state.tokens, state.updated_at_ms
        if now_ms > updated_at_ms:
            refill = (now_ms - updated_at_ms) * rule.refill_per_s / 1000
            tokens = min(float(rule.capacity), tokens + refill)
            updated_at_ms = now_ms
    if tokens + TOKEN_EPSILON >= cost:
        tokens = max(0.0, tokens - cost)
        decision = RateDecision(True, math.floor(tokens + TOKEN_EPSILON), 0.0)
    else:
        retry_after_s = (cost - tokens) / rule.refill_per_s
        decision = RateDecision(False, math.floor(tokens + TOKEN_EPSILON), retry_after_s)
    return BucketState(tokens, updated_at_ms), decision


def check_hits(checks: Sequence[tuple[RateRule, str, int]]) -> None:
    """Validate the arguments of ``RateLimiter.hit_many``.

    Raises:
        ValueError: Any check that ``check_hit`` refuses, or the same bucket
            (rule name and key) twice: one call takes each bucket once.
    """
    for rule, key, cost in checks:
        if not key or len(key) > MAX_KEY_LEN or not 1 <= cost <= rule.capacity:
            check_hit(rule, key, cost)
    count = len(checks)
    if count == 2:
        # The chat's usual call (participant and room): no set for two buckets.
        (first, first_key, _), (second, second_key, _) = checks
        twice = first_key == second_key and first.name == second.name
    else:
        twice = count > 2 and len({(rule.name, key) for rule, key, _ in checks}) < count
    if twice:
        raise ValueError("hit_many takes each bucket (rule name and key) at most once")


ALLOWED_DECISIONS: dict[int, RateDecision] = {}
"""``allowed_decision``'s instances by ``remaining`` (read directly on hot paths)."""
_MAX_ALLOWED_CACHED = 4096


def allowed_decision(remaining: int) -> RateDecision:
    """``RateDecision(True, remaining, 0.0)``, one shared instance per value.

    Decisions are immutable, so the limiters hand out the same object for the
    same outcome instead of building one per hit.
    """
    decision = ALLOWED_DECISIONS.get(remaining)
    if decision is None:
        decision = RateDecision(True, remaining, 0.0)
        if len(ALLOWED_DECISIONS) < _MAX_ALLOWED_CACHED:
            ALLOWED_DECISIONS[remaining] = decision
    return decision
