"""The one switch between single-node (in-process) and multi-node (Redis) mode.

``build_cluster`` is the only place that knows which implementations exist.
The server enters it once at startup (``app.cleanup_ctx``) and hands the
``Cluster`` bundle, or single ports from it, to the domain, which cannot tell
the modes apart.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

from protocol.ids import NodeId

from .clock import SystemClock
from .memory import InMemoryBus, InMemoryHealth, InMemoryHub, InMemoryRateLimiter
from .memory_rooms import InMemoryLiveness, InMemoryRooms
from .ports import Bus, Clock, ClusterHealth, RateLimiter
from .ports_rooms import EventLog, NodeLiveness, RoomState

logger = logging.getLogger(__name__)

DEFAULT_NAMESPACE = "jumelage:v1"


@dataclass(frozen=True)
class Cluster:
    """The cluster ports of one node, ready to use."""

    node_id: NodeId
    """This node, the ``origin`` of the messages it publishes."""
    clock: Clock
    """Source of time for everything cluster-related."""
    bus: Bus
    """Typed messages to every node."""
    rate_limiter: RateLimiter
    """Token buckets shared by every node."""
    health: ClusterHealth
    """State of the links to the other nodes."""
    room_state: RoomState
    """Live rooms' fields, changed by atomic commits."""
    event_log: EventLog
    """Live rooms' sequenced events: replay window and feed."""
    liveness: NodeLiveness
    """Which nodes are alive (heartbeats)."""


@dataclass(frozen=True)
class RoomStoreOptions:
    """How much of each live room the cluster keeps."""

    log_capacity: int = 500
    """Events kept per room for replay to reconnecting clients."""
    ttl_s: int = 24 * 3600
    """Idle time after which a room's state is forgotten (Redis only)."""


@asynccontextmanager
async def build_cluster(
    redis_url: str | None,
    *,
    node_id: NodeId,
    clock: Clock | None = None,
    namespace: str = DEFAULT_NAMESPACE,
    rooms: RoomStoreOptions | None = None,
) -> AsyncIterator[Cluster]:
    """Open the cluster ports for this node; close them when the block exits.

    Args:
        redis_url: Redis to share state through, or ``None`` for single-node
            in-process mode.
        node_id: This node; unique among the nodes sharing a Redis namespace.
        clock: Defaults to the system clock.
        namespace: Prefix of every Redis key and channel (ignored in memory).
        rooms: Live rooms' retention; the defaults when absent.

    Yields:
        The ``Cluster`` bundle.

    Raises:
        ClusterUnavailable: Redis cannot be reached at start; the message names
            the host and port, never the password.
        ValueError: Malformed URL or namespace.
    """
    clock = clock or SystemClock()
    rooms = rooms or RoomStoreOptions()
    if redis_url is None:
        async with (
            InMemoryBus(InMemoryHub(), node_id) as memory_bus,
            InMemoryRooms(log_capacity=rooms.log_capacity) as memory_rooms,
        ):
            logger.info("cluster: single node %s, in-process", node_id)
            yield Cluster(
                node_id=node_id,
                clock=clock,
                bus=memory_bus,
                rate_limiter=InMemoryRateLimiter(clock),
                health=InMemoryHealth(memory_bus),
                room_state=memory_rooms,
                event_log=memory_rooms,
                liveness=InMemoryLiveness(),
            )
        return

    # Imported here so that the single-node default never needs `redis`.
    from .redis import RedisBus, RedisHealth, RedisKeys, RedisRateLimiter, connect
    from .redis.liveness import RedisLiveness
    from .redis.room_feed import FeedAwareHealth
    from .redis.room_state import RedisRooms

    keys = RedisKeys(namespace)
    async with (
        connect(redis_url) as client,
        RedisBus(client, node_id=node_id, keys=keys) as redis_bus,
        RedisRooms(
            client, keys=keys, log_capacity=rooms.log_capacity, ttl_s=rooms.ttl_s
        ) as redis_rooms,
    ):
        logger.info("cluster: node %s on Redis namespace %s", node_id, namespace)
        yield Cluster(
            node_id=node_id,
            clock=clock,
            bus=redis_bus,
            rate_limiter=RedisRateLimiter(client, keys=keys, clock=clock),
            health=FeedAwareHealth(RedisHealth(client, redis_bus), redis_rooms.listener),
            room_state=redis_rooms,
            event_log=redis_rooms,
            liveness=RedisLiveness(client, keys=keys),
        )
