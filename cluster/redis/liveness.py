"""``RedisLiveness``: node heartbeats as keys that expire.

A node sets its key with a time to live and renews it; a crashed node's key
expires on its own. Redis measures the time, so nodes' clocks do not matter.

A node whose own beat failed cannot tell a dead node from one that, like
itself, could not reach Redis: after an outage longer than a beat's life
every key has expired, its own included. So from its first failed beat
until it has beaten again for one full time to live (time for every live
node to beat again), it presumes every node alive instead of judging.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence

from redis.asyncio import Redis
from redis.exceptions import RedisError

from ..errors import ClusterUnavailable
from .connection import retry_once
from .keys import RedisKeys

logger = logging.getLogger(__name__)


class RedisLiveness:
    """Implements ``NodeLiveness`` on Redis.

    Args:
        client: Shared client.
        keys: Names under the cluster's namespace.
    """

    def __init__(self, client: Redis, *, keys: RedisKeys) -> None:
        self._client = client
        self._keys = keys
        self._beat_failed = False
        self._judges_from = 0.0
        """``time.monotonic()`` from which ``alive`` trusts the keys again."""

    async def beat(self, node_id: str, ttl_s: float) -> None:
        """See ``NodeLiveness.beat``."""
        key = self._keys.node_alive(node_id)
        try:
            await retry_once(lambda: self._client.set(key, b"1", px=max(1, round(ttl_s * 1000))))
        except (RedisError, OSError) as exc:
            self._beat_failed = True
            logger.warning("node heartbeat failed: %s", type(exc).__name__)
            raise ClusterUnavailable("node liveness is unavailable") from exc
        if self._beat_failed:
            self._beat_failed = False
            self._judges_from = time.monotonic() + ttl_s
            logger.info("node heartbeat back; judging other nodes again in %.0f s", ttl_s)

    async def alive(self, node_ids: Sequence[str]) -> set[str]:
        """See ``NodeLiveness.alive``; everyone, while this node cannot judge."""
        if not node_ids:
            return set()
        if self._beat_failed or time.monotonic() < self._judges_from:
            return set(node_ids)
        names = [self._keys.node_alive(node) for node in node_ids]
        try:
            found = await retry_once(lambda: self._client.mget(names))
        except (RedisError, OSError) as exc:
            logger.warning("node liveness read failed: %s", type(exc).__name__)
            raise ClusterUnavailable("node liveness is unavailable") from exc
        return {node for node, value in zip(node_ids, found, strict=True) if value is not None}
