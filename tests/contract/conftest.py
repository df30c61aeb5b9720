"""Fixtures that run each cluster contract test against every implementation.

``backend`` is parametrised over ``memory`` and ``redis``; the Redis variant is
marked ``redis`` and skips (or fails under ``JUMELAGE_REQUIRE_SERVICES=1``) when
no Redis answers. Each Redis test works in a namespace of its own and deletes
its keys afterwards, so tests never see each other's data.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from typing import Protocol

import pytest

from cluster.memory import InMemoryBus, InMemoryHub, InMemoryRateLimiter
from cluster.ports import Bus, RateLimiter
from protocol.ids import NodeId
from tests.fakes.clock import FakeClock
from tests.services import require_redis

NODE_A = NodeId("node-a")
NODE_B = NodeId("node-b")


@pytest.fixture(params=["memory", pytest.param("redis", marks=pytest.mark.redis)])
def backend(request: pytest.FixtureRequest) -> str:
    """Which implementation the test runs against."""
    return str(request.param)


@pytest.fixture
def namespace() -> str:
    """A Redis namespace used by this test only."""
    return f"jumelage-test:{uuid.uuid4().hex}"


@pytest.fixture
async def redis_url(backend: str, namespace: str) -> AsyncIterator[str | None]:
    """The Redis URL for the redis backend (keys cleaned afterwards), else None."""
    if backend == "memory":
        yield None
        return
    url = require_redis()
    yield url
    from cluster.redis import RedisKeys, open_client

    client = open_client(url)
    try:
        pattern = RedisKeys(namespace).all_keys_pattern()
        keys = [key async for key in client.scan_iter(match=pattern, count=500)]
        if keys:
            await client.delete(*keys)
    finally:
        await client.aclose()


@pytest.fixture
def limiter_clock() -> FakeClock:
    """The rate limiter's clock, moved only by the test.

    Named apart from the root ``clock`` fixture so as not to shadow it for
    other contract suites in this directory.
    """
    return FakeClock()


class NodeBus(Bus, Protocol):
    """A bus plus the counters both implementations expose."""

    @property
    def node_id(self) -> NodeId: ...

    @property
    def bad_messages(self) -> int: ...

    @property
    def dropped_messages(self) -> int: ...


@dataclass
class TwoNodes:
    """Two buses that see each other, as two server nodes would."""

    a: NodeBus
    b: NodeBus
    inject_raw: Callable[[bytes], Awaitable[None]]
    """Put raw bytes on the wire between the nodes (to test bad input)."""


@pytest.fixture
async def nodes(backend: str, redis_url: str | None, namespace: str) -> AsyncIterator[TwoNodes]:
    """Two connected buses, ``node-a`` and ``node-b``, of the chosen backend."""
    if redis_url is None:
        hub = InMemoryHub()

        async def inject_memory(payload: bytes) -> None:
            hub.deliver_raw(payload)

        async with InMemoryBus(hub, NODE_A) as a, InMemoryBus(hub, NODE_B) as b:
            yield TwoNodes(a, b, inject_memory)
        return

    from cluster.redis import RedisBus, RedisKeys, open_client

    keys = RedisKeys(namespace)
    # One client per node, as two processes would have.
    client_a, client_b = open_client(redis_url), open_client(redis_url)
    try:

        async def inject_redis(payload: bytes) -> None:
            await client_a.publish(keys.bus_channel(), payload)

        async with (
            RedisBus(client_a, node_id=NODE_A, keys=keys) as redis_a,
            RedisBus(client_b, node_id=NODE_B, keys=keys) as redis_b,
        ):
            yield TwoNodes(redis_a, redis_b, inject_redis)
    finally:
        await client_a.aclose()
        await client_b.aclose()


@pytest.fixture
async def limiter(
    backend: str, redis_url: str | None, namespace: str, limiter_clock: FakeClock
) -> AsyncIterator[RateLimiter]:
    """A rate limiter of the chosen backend, driven by ``limiter_clock``."""
    if redis_url is None:
        yield InMemoryRateLimiter(limiter_clock)
        return

    from cluster.redis import RedisKeys, RedisRateLimiter, open_client

    client = open_client(redis_url)
    try:
        yield RedisRateLimiter(client, keys=RedisKeys(namespace), clock=limiter_clock)
    finally:
        await client.aclose()
