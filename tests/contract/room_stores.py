"""Opening two nodes' views of one room store, for the room contract suites.

``test_room_state`` and ``test_event_log`` share it: in memory both nodes hold
the same ``InMemoryRooms``; on Redis each has its own client and
``RedisRooms``, as two processes would.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Protocol

from cluster import EventLog, RoomState
from cluster.memory_rooms import InMemoryRooms


class Store(RoomState, EventLog, Protocol):
    """Both ports, as every implementation provides them."""


@dataclass
class Stores:
    a: Store
    b: Store


@asynccontextmanager
async def open_stores(
    redis_url: str | None, namespace: str, *, log_capacity: int
) -> AsyncIterator[Stores]:
    """Two nodes' views of one store: in memory when ``redis_url`` is None."""
    if redis_url is None:
        async with InMemoryRooms(log_capacity=log_capacity) as memory:
            yield Stores(memory, memory)
        return
    from cluster.redis import RedisKeys, open_client
    from cluster.redis.room_state import RedisRooms

    keys = RedisKeys(namespace)
    client_a, client_b = open_client(redis_url), open_client(redis_url)
    try:
        async with (
            RedisRooms(client_a, keys=keys, log_capacity=log_capacity) as a,
            RedisRooms(client_b, keys=keys, log_capacity=log_capacity) as b,
        ):
            yield Stores(a, b)
    finally:
        await client_a.aclose()
        await client_b.aclose()
