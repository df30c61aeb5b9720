"""``RedisRateLimiter``: token buckets shared by every node, one Lua script.

Each (rule, key) is a hash ``{tokens, ts_ms}`` updated by a single script, so a
hit is atomic however many nodes hit at once. The current time is an argument
of the script, taken from the injected ``Clock``: tests with a fake clock are
deterministic, and nodes must keep their clocks in sync (NTP) for refill to be
fair. The hash expires once it would be full again, so idle buckets vanish.

The script is a transcription of ``cluster.rates.take``; keep them in step.
"""

from __future__ import annotations

import hashlib
import logging
import math
from typing import Any

from redis.asyncio import Redis
from redis.exceptions import NoScriptError, RedisError

from ..errors import ClusterUnavailable
from ..ports import Clock
from ..rates import RateDecision, RateRule, check_hit, to_ms
from .connection import retry_once
from .keys import RedisKeys

logger = logging.getLogger(__name__)

# KEYS[1] bucket hash
# ARGV: capacity, refill_per_s, cost, now (integer ms), ttl (ms), epsilon
# Returns {allowed (0/1), remaining (int), retry_after_s (string: Lua numbers
# become integers in Redis replies, so the fraction would be lost)}.
TOKEN_BUCKET_LUA = """
local capacity = tonumber(ARGV[1])
local refill = tonumber(ARGV[2])
local cost = tonumber(ARGV[3])
local now_ms = tonumber(ARGV[4])
local ttl_ms = tonumber(ARGV[5])
local epsilon = tonumber(ARGV[6])
local state = redis.call('HMGET', KEYS[1], 'tokens', 'ts_ms')
local tokens = tonumber(state[1])
local ts_ms = tonumber(state[2])
if tokens == nil or ts_ms == nil then
  tokens = capacity
  ts_ms = now_ms
elseif now_ms > ts_ms then
  tokens = math.min(capacity, tokens + (now_ms - ts_ms) * refill / 1000)
  ts_ms = now_ms
end
local allowed = 0
local retry_after = 0
if tokens + epsilon >= cost then
  tokens = math.max(0, tokens - cost)
  allowed = 1
else
  retry_after = (cost - tokens) / refill
end
redis.call('HSET', KEYS[1], 'tokens', string.format('%.17g', tokens),
           'ts_ms', string.format('%d', ts_ms))
redis.call('PEXPIRE', KEYS[1], ttl_ms)
return {allowed, math.floor(tokens + epsilon), string.format('%.17g', retry_after)}
"""
TOKEN_BUCKET_SHA = hashlib.sha1(TOKEN_BUCKET_LUA.encode()).hexdigest()
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
        check_hit(rule, key, cost)
        ttl_ms = math.ceil((rule.full_refill_s + EXPIRY_MARGIN_S) * 1000)
        args = (
            str(rule.capacity),
            repr(float(rule.refill_per_s)),
            str(cost),
            str(to_ms(self._clock.now())),
            str(ttl_ms),
            TOKEN_EPSILON,
        )
        bucket = self._keys.rate_bucket(rule.name, key)

        async def run_script() -> Any:
            try:
                return await self._client.evalsha(TOKEN_BUCKET_SHA, 1, bucket, *args)
            except NoScriptError:
                # First use on this server, or after a restart or SCRIPT FLUSH:
                # EVAL runs the script and caches it for the next EVALSHA.
                return await self._client.eval(TOKEN_BUCKET_LUA, 1, bucket, *args)

        try:
            reply = await retry_once(run_script)
        except (RedisError, OSError) as exc:
            logger.warning("rate limit %s unavailable: %s", rule.name, type(exc).__name__)
            raise ClusterUnavailable("rate limiting is unavailable") from exc
        allowed, remaining, retry_after = reply
        return RateDecision(bool(allowed), int(remaining), float(retry_after))

    async def reset(self, rule: RateRule, key: str) -> None:
        """See ``cluster.ports.RateLimiter.reset``."""
        try:
            bucket = self._keys.rate_bucket(rule.name, key)
            await retry_once(lambda: self._client.delete(bucket))
        except (RedisError, OSError) as exc:
            logger.warning("rate limit %s unavailable: %s", rule.name, type(exc).__name__)
            raise ClusterUnavailable("rate limiting is unavailable") from exc
