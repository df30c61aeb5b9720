"""``RedisRateLimiter``: token buckets shared by every node, one Lua script.

Each (rule, key) is a hash ``{tokens, ts_ms}`` updated by a single script, so a
hit is atomic however many nodes hit at once; ``hit_many`` takes several
buckets in one script (one round trip), all or nothing. The current time is an
argument of the script, taken from the injected ``Clock``: tests with a fake
clock are deterministic, and nodes must keep their clocks in sync (NTP) for
refill to be fair. The hash expires once it would be full again, so idle
buckets vanish.

The script is a transcription of ``cluster.rates.take``, applied to every
bucket of the call; keep them in step.
"""

from __future__ import annotations

import hashlib
import logging
import math
from collections.abc import Sequence
from typing import Any

from redis.asyncio import Redis
from redis.exceptions import NoScriptError, RedisError

from ..errors import ClusterUnavailable
from ..ports import Clock
from ..rates import RateDecision, RateRule, check_hits, to_ms
from .connection import retry_once
from .keys import RedisKeys

logger = logging.getLogger(__name__)

# KEYS: the buckets (each once)
# ARGV: now (integer ms), epsilon, then for each bucket: capacity, refill_per_s,
# cost, ttl (ms)
# Every bucket is refilled as in ``cluster.rates.take``; all are charged if each
# holds its cost, none otherwise. Returns {allowed (0/1), then for each bucket
# remaining (int), retry_after_s (string: Lua numbers become integers in Redis
# replies, so the fraction would be lost; 0 for a bucket that had its cost)}.
# ``hit`` is this script with one bucket: its reply is {allowed, remaining,
# retry_after_s}.
TOKEN_BUCKETS_LUA = """
local now_ms = tonumber(ARGV[1])
local epsilon = tonumber(ARGV[2])
local tokens = {}
local stamps = {}
local allowed = 1
for i = 1, #KEYS do
  local base = 4 * (i - 1) + 2
  local capacity = tonumber(ARGV[base + 1])
  local refill = tonumber(ARGV[base + 2])
  local cost = tonumber(ARGV[base + 3])
  local state = redis.call('HMGET', KEYS[i], 'tokens', 'ts_ms')
  local t = tonumber(state[1])
  local ts_ms = tonumber(state[2])
  if t == nil or ts_ms == nil then
    t = capacity
    ts_ms = now_ms
  elseif now_ms > ts_ms then
    t = math.min(capacity, t + (now_ms - ts_ms) * refill / 1000)
    ts_ms = now_ms
  end
  if t + epsilon < cost then
    allowed = 0
  end
  tokens[i] = t
  stamps[i] = ts_ms
end
local reply = {allowed}
for i = 1, #KEYS do
  local base = 4 * (i - 1) + 2
  local refill = tonumber(ARGV[base + 2])
  local cost = tonumber(ARGV[base + 3])
  local t = tokens[i]
  local retry_after = 0
  if allowed == 1 then
    t = math.max(0, t - cost)
  elseif t + epsilon < cost then
    retry_after = (cost - t) / refill
  end
  redis.call('HSET', KEYS[i], 'tokens', string.format('%.17g', t),
             'ts_ms', string.format('%d', stamps[i]))
  redis.call('PEXPIRE', KEYS[i], tonumber(ARGV[base + 4]))
  reply[2 * i] = math.floor(t + epsilon)
  reply[2 * i + 1] = string.format('%.17g', retry_after)
end
return reply
"""
TOKEN_BUCKETS_SHA = hashlib.sha1(TOKEN_BUCKETS_LUA.encode()).hexdigest()
EXPIRY_MARGIN_S = 1.0
"""Kept past the full-refill time so a bucket never expires while still draining."""
TOKEN_EPSILON = "1e-9"


class RedisRateLimiter:
    """Implements ``cluster.ports.RateLimiter`` on Redis.

    Args:
        client: Shared client (``cluster.redis.connection``).
        keys: Names under the cluster's namespace.
        clock: Source of wall time (``now()``), shared meaning across nodes.
    """

    def __init__(self, client: Redis, *, keys: RedisKeys, clock: Clock) -> None:
        self._client = client
        self._keys = keys
        self._clock = clock

    async def hit(self, rule: RateRule, key: str, cost: int = 1) -> RateDecision:
        """See ``cluster.ports.RateLimiter.hit``.

        Retried once on a connection error (see ``retry_once``): in the rare
        case where the script ran before the link broke, the hit is charged
        twice, which errs on the side of limiting.
        """
        (decision,) = await self.hit_many(((rule, key, cost),))
        return decision

    async def hit_many(self, checks: Sequence[tuple[RateRule, str, int]]) -> list[RateDecision]:
        """See ``cluster.ports.RateLimiter.hit_many``: one script, one round trip.

        Retried once on a connection error, like ``hit``.
        """
        check_hits(checks)
        if not checks:
            return []
        buckets = [self._keys.rate_bucket(rule.name, key) for rule, key, _ in checks]
        args = [str(to_ms(self._clock.now())), TOKEN_EPSILON]
        for rule, _, cost in checks:
            args += (
                str(rule.capacity),
                repr(float(rule.refill_per_s)),
                str(cost),
                str(_ttl_ms(rule)),
            )
        names = ",".join(rule.name for rule, _, _ in checks)
        reply = await self._script(buckets, args, names)
        allowed = bool(reply[0])
        return [
            RateDecision(allowed, int(reply[2 * i + 1]), float(reply[2 * i + 2]))
            for i in range(len(checks))
        ]

    async def _script(self, keys: list[str], args: Sequence[str], what: str) -> Any:
        async def run_script() -> Any:
            try:
                return await self._client.evalsha(TOKEN_BUCKETS_SHA, len(keys), *keys, *args)
            except NoScriptError:
                # First use on this server, or after a restart or SCRIPT FLUSH:
                # EVAL runs the script and caches it for the next EVALSHA.
                return await self._client.eval(TOKEN_BUCKETS_LUA, len(keys), *keys, *args)

        try:
            return await retry_once(run_script)
        except (RedisError, OSError) as exc:
            logger.warning("rate limit %s unavailable: %s", what, type(exc).__name__)
            raise ClusterUnavailable("rate limiting is unavailable") from exc

    async def reset(self, rule: RateRule, key: str) -> None:
        """See ``cluster.ports.RateLimiter.reset``."""
        try:
            bucket = self._keys.rate_bucket(rule.name, key)
            await retry_once(lambda: self._client.delete(bucket))
        except (RedisError, OSError) as exc:
            logger.warning("rate limit %s unavailable: %s", rule.name, type(exc).__name__)
            raise ClusterUnavailable("rate limiting is unavailable") from exc


def _ttl_ms(rule: RateRule) -> int:
    """How long an untouched bucket is kept: until full again, plus a margin."""
    return math.ceil((rule.full_refill_s + EXPIRY_MARGIN_S) * 1000)
