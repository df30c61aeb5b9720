"""The in-process implementations: what the contract suite does not cover.

Subscription lifecycle and overflow, hub membership and the single-node
factory. No sockets and no sleeps. (Forgetting idle buckets needs the fake
clock from ``tests.fakes``, which this directory cannot import: see
``tests/contract/test_rate_limiter.py``.)
"""

from __future__ import annotations

import asyncio
import subprocess
import sys

import pytest

from cluster import Ping, SystemClock, build_cluster
from cluster.memory import InMemoryBus, InMemoryHealth, InMemoryHub, InMemoryRateLimiter
from protocol.ids import NodeId

NODE = NodeId("node-a")
PING = "cluster.ping"


def ping(nonce: str, origin: NodeId = NODE) -> Ping:
    return Ping(origin=origin, nonce=nonce)


async def drain(sub: object) -> list[object]:
    async with asyncio.timeout(1):
        return [message async for message in sub]  # type: ignore[attr-defined]


class TestSubscriptions:
    async def test_a_full_subscription_drops_and_counts_without_blocking(self) -> None:
        async with (
            InMemoryBus(InMemoryHub(), NODE, max_queued=3) as bus,
            bus.subscribe({PING}) as slow,
            bus.subscribe({PING}) as other,
        ):
            for i in range(5):
                await bus.publish(ping(str(i)))
            assert slow.pending == 3
            assert slow.dropped_messages == 2
            assert bus.dropped_messages == 4  # two per full subscription
            assert [await anext(slow) for _ in range(3)] == [
                ping("0"),
                ping("1"),
                ping("2"),
            ]
            await bus.publish(ping("5"))
            assert await anext(slow) == ping("5")
            assert other.pending == 3

    async def test_closing_the_bus_ends_iteration_after_buffered_messages(self) -> None:
        async with InMemoryBus(InMemoryHub(), NODE) as bus:
            sub = bus.subscribe({PING})
            await sub.__aenter__()
            await bus.publish(ping("1"))
        assert await drain(sub) == [ping("1")]
        await sub.__aexit__(None, None, None)

    async def test_a_waiting_consumer_is_woken_when_the_bus_closes(self) -> None:
        hub = InMemoryHub()
        bus = InMemoryBus(hub, NODE)
        await bus.__aenter__()
        async with bus.subscribe({PING}) as sub:
            consumer = asyncio.create_task(drain(sub))
            await asyncio.sleep(0)  # let it start waiting
            await bus.__aexit__(None, None, None)
            assert await consumer == []

    async def test_iterating_before_entering_is_an_error(self) -> None:
        async with InMemoryBus(InMemoryHub(), NODE) as bus:
            sub = bus.subscribe({PING})
            with pytest.raises(RuntimeError):
                await anext(sub)

    async def test_a_subscription_is_entered_once(self) -> None:
        async with InMemoryBus(InMemoryHub(), NODE) as bus:
            sub = bus.subscribe({PING})
            async with sub:
                pass
            with pytest.raises(RuntimeError):
                await sub.__aenter__()

    async def test_a_bus_that_is_not_open_refuses_work(self) -> None:
        bus = InMemoryBus(InMemoryHub(), NODE)
        with pytest.raises(RuntimeError):
            await bus.publish(ping("1"))
        with pytest.raises(RuntimeError):
            await bus.subscribe({PING}).__aenter__()


class TestHub:
    async def test_node_ids_are_unique_on_a_hub(self) -> None:
        hub = InMemoryHub()
        async with InMemoryBus(hub, NODE):
            with pytest.raises(ValueError, match="already"):
                await InMemoryBus(hub, NODE).__aenter__()
            assert hub.node_ids == {NODE}
        assert hub.node_ids == set()

    async def test_a_closed_bus_no_longer_receives(self) -> None:
        hub = InMemoryHub()
        async with InMemoryBus(hub, NodeId("b")) as other:
            async with InMemoryBus(hub, NODE) as bus, bus.subscribe({PING}) as sub:
                pass
            await other.publish(ping("late", origin=NodeId("b")))
        assert sub.pending == 0


class TestFactory:
    async def test_without_a_url_the_cluster_is_in_process(self) -> None:
        async with build_cluster(None, node_id=NODE) as cluster:
            assert cluster.node_id == NODE
            assert isinstance(cluster.clock, SystemClock)
            assert isinstance(cluster.bus, InMemoryBus)
            assert isinstance(cluster.rate_limiter, InMemoryRateLimiter)
            assert isinstance(cluster.health, InMemoryHealth)
            assert await cluster.health.check() == {"bus": "ok"}
            async with cluster.bus.subscribe({PING}) as sub:
                await cluster.bus.publish(ping("1"))
                assert await anext(sub) == ping("1")
        assert not cluster.health.is_healthy()
        assert await cluster.health.check() == {"bus": "down: closed"}


def test_the_single_node_mode_never_imports_redis() -> None:
    code = (
        "import sys, asyncio, cluster\n"
        "from protocol.ids import NodeId\n"
        "async def main():\n"
        "    async with cluster.build_cluster(None, node_id=NodeId('n')):\n"
        "        pass\n"
        "asyncio.run(main())\n"
        "assert 'redis' not in sys.modules, 'redis was imported'\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=30)
