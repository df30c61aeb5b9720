"""``RedisHealth``: is Redis answering, and is this node's bus listening?

Both matter separately: Redis can answer PINGs while this node's listener has
lost its subscription (the "deaf worker"), and the listener can still look
subscribed for a moment after Redis went away.
"""

from __future__ import annotations

import asyncio
import logging

from redis.asyncio import Redis
from redis.exceptions import RedisError

from .bus import RedisBus
from .connection import retry_once

logger = logging.getLogger(__name__)

PING_TIMEOUT_S = 1.0


class RedisHealth:
    """Implements ``cluster.ports.ClusterHealth`` for the Redis cluster.

    Args:
        client: Shared client.
        bus: This node's bus.
        ping_timeout_s: How long ``check`` waits for Redis to answer.
    """

    def __init__(
        self, client: Redis, bus: RedisBus, *, ping_timeout_s: float = PING_TIMEOUT_S
    ) -> None:
        self._client = client
        self._bus = bus
        self._ping_timeout_s = ping_timeout_s
        self._redis_ok: bool | None = None

    async def check(self) -> dict[str, str]:
        """See ``cluster.ports.ClusterHealth.check``; components ``redis``, ``bus``."""
        report: dict[str, str] = {}
        try:
            async with asyncio.timeout(self._ping_timeout_s):
                await retry_once(self._client.ping)
        except TimeoutError:
            report["redis"] = "down: no answer to PING"
        except (RedisError, OSError) as exc:
            report["redis"] = f"down: {type(exc).__name__}"
        else:
            report["redis"] = "ok"
        self._redis_ok = report["redis"] == "ok"
        report["bus"] = "ok" if self._bus.is_listening else "down: not subscribed"
        if not self._redis_ok or not self._bus.is_listening:
            logger.warning("cluster health: %s", report)
        return report

    def is_healthy(self) -> bool:
        """See ``cluster.ports.ClusterHealth.is_healthy``.

        The listener's state is live; Redis's is the one from the last
        ``check`` (assumed fine before the first one, as the factory checked it
        at start).
        """
        return self._bus.is_listening and self._redis_ok is not False
