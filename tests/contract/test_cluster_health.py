"""Contract of ``cluster.ports.ClusterHealth``, and the Redis outage drills.

The outage tests start a private ``redis-server`` on a free loopback port, so
that killing it (or its pub/sub clients) never disturbs anyone else's tests.
They check the failure modes of docs/reference §2.8: health reports the
outage, the listener notices, and it resubscribes by itself when Redis is
back (no "deaf" node). Every wait is bounded.
"""

from __future__ import annotations

import asyncio
import shutil
import socket
import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from cluster import ClusterUnavailable, Ping, build_cluster
from cluster.backoff import Backoff
from cluster.redis import RedisBus, RedisHealth, RedisKeys, open_client
from protocol.ids import NodeId
from tests.services import SERVICES_REQUIRED

NODE_A = NodeId("node-a")
NODE_B = NodeId("node-b")
REDIS_SERVER = shutil.which("redis-server")
FAST_BACKOFF = Backoff(initial_s=0.05, max_s=0.5)
WAIT_S = 10.0


async def test_healthy_when_up(redis_url: str | None, namespace: str) -> None:
    async with build_cluster(redis_url, node_id=NODE_A, namespace=namespace) as cluster:
        report = await cluster.health.check()
        assert report
        assert set(report.values()) == {"ok"}
        assert cluster.health.is_healthy()


async def test_built_cluster_ports_work_together(redis_url: str | None, namespace: str) -> None:
    async with build_cluster(redis_url, node_id=NODE_A, namespace=namespace) as cluster:
        async with cluster.bus.subscribe({"cluster.ping"}) as sub:
            await cluster.bus.publish(Ping(origin=cluster.node_id, nonce="n"))
            async with asyncio.timeout(WAIT_S):
                assert await anext(sub) == Ping(origin=NODE_A, nonce="n")
        from cluster import RateRule

        rule = RateRule("probe", capacity=1, refill_per_s=0.001)
        assert (await cluster.rate_limiter.hit(rule, "k")).allowed
        assert not (await cluster.rate_limiter.hit(rule, "k")).allowed


async def test_unreachable_redis_fails_at_start_naming_host_not_password() -> None:
    port = free_port()
    url = f"redis://user:s3cret-pass@127.0.0.1:{port}/0"
    with pytest.raises(ClusterUnavailable) as caught:
        async with build_cluster(url, node_id=NODE_A):
            pytest.fail("must not start")
    assert f"127.0.0.1:{port}" in caught.value.message
    assert "s3cret" not in str(caught.value)
    assert caught.value.code == "unavailable"


# --- outage drills on a private redis-server ---------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class PrivateRedis:
    """A throw-away ``redis-server`` that a test may kill and restart."""

    def __init__(self, workdir: Path) -> None:
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self._workdir = workdir
        self._process: asyncio.subprocess.Process | None = None

    async def start(self) -> None:
        assert REDIS_SERVER is not None
        self._process = await asyncio.create_subprocess_exec(
            REDIS_SERVER,
            "--port", str(self.port),
            "--bind", "127.0.0.1",
            "--save", "",
            "--appendonly", "no",
            "--dir", str(self._workdir),
            stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.DEVNULL,
        )  # fmt: skip
        async with asyncio.timeout(WAIT_S):
            while True:
                if await self._accepts_connections():
                    return
                await asyncio.sleep(0.02)

    async def kill(self) -> None:
        process, self._process = self._process, None
        if process is not None and process.returncode is None:
            process.kill()
            await process.wait()

    async def _accepts_connections(self) -> bool:
        try:
            _, writer = await asyncio.open_connection("127.0.0.1", self.port)
        except OSError:
            return False
        writer.close()
        await writer.wait_closed()
        return True


@pytest.fixture
async def private_redis(tmp_path: Path) -> AsyncIterator[PrivateRedis]:
    if REDIS_SERVER is None:
        reason = "redis-server is not installed"
        if SERVICES_REQUIRED:
            pytest.fail(reason)
        pytest.skip(reason)
    server = PrivateRedis(tmp_path)
    await server.start()
    try:
        yield server
    finally:
        await server.kill()


async def eventually(predicate: Callable[[], bool], what: str) -> None:
    """Wait (bounded) until ``predicate()`` holds."""
    try:
        async with asyncio.timeout(WAIT_S):
            while not predicate():  # noqa: ASYNC110 - polls plain attributes
                await asyncio.sleep(0.02)
    except TimeoutError:
        pytest.fail(f"timed out waiting until {what}")


async def assert_crosses(source: RedisBus, target: RedisBus, nonce: str) -> None:
    message = Ping(origin=source.node_id, nonce=nonce)
    async with target.subscribe({"cluster.ping"}) as sub:
        await source.publish(message)
        async with asyncio.timeout(WAIT_S):
            assert await anext(sub) == message


@dataclass
class Nodes:
    a: RedisBus
    b: RedisBus
    health: RedisHealth
    """Node a's health."""
    keys: RedisKeys


@asynccontextmanager
async def two_nodes(url: str, **bus_options: Any) -> AsyncIterator[Nodes]:
    """Two buses on ``url``, each with its own client, as two nodes would be."""
    keys = RedisKeys(f"jumelage-test:{uuid.uuid4().hex}")
    client_a, client_b = open_client(url), open_client(url)
    try:
        async with (
            RedisBus(client_a, node_id=NODE_A, keys=keys, **bus_options) as bus_a,
            RedisBus(client_b, node_id=NODE_B, keys=keys, **bus_options) as bus_b,
        ):
            yield Nodes(bus_a, bus_b, RedisHealth(client_a, bus_a), keys)
    finally:
        await client_a.aclose()
        await client_b.aclose()


@pytest.mark.redis
async def test_bus_resubscribes_by_itself_after_redis_restarts(
    private_redis: PrivateRedis,
) -> None:
    async with two_nodes(private_redis.url, backoff=FAST_BACKOFF) as nodes:
        a, b, health = nodes.a, nodes.b, nodes.health
        assert await health.check() == {"redis": "ok", "bus": "ok"}

        await private_redis.kill()
        await eventually(lambda: not a.is_listening and not b.is_listening, "deaf")
        report = await health.check()
        assert report["redis"].startswith("down: ")
        assert report["bus"].startswith("down: ")
        assert not health.is_healthy()

        # During the outage local subscribers still get the message, and the
        # publisher learns that the other nodes did not.
        lost = Ping(origin=NODE_A, nonce="during-outage")
        async with a.subscribe({"cluster.ping"}) as local:
            with pytest.raises(ClusterUnavailable):
                await a.publish(lost)
            async with asyncio.timeout(WAIT_S):
                assert await anext(local) == lost
        assert a.publish_failures == 1

        await private_redis.start()
        async with asyncio.timeout(WAIT_S):
            await a.wait_until_listening()
            await b.wait_until_listening()
        assert await health.check() == {"redis": "ok", "bus": "ok"}
        assert health.is_healthy()
        assert (a.listener_restarts, b.listener_restarts) == (1, 1)
        await assert_crosses(a, b, "after-restart")
        await assert_crosses(b, a, "after-restart-back")


@pytest.mark.redis
async def test_bus_resubscribes_after_its_pubsub_connection_is_killed(
    private_redis: PrivateRedis,
) -> None:
    admin = open_client(private_redis.url)
    try:
        async with two_nodes(private_redis.url, backoff=FAST_BACKOFF) as nodes:
            a, b = nodes.a, nodes.b
            killed = await admin.client_kill_filter(_type="pubsub")
            assert killed == 2
            await eventually(
                lambda: a.listener_restarts == 1 and b.listener_restarts == 1,
                "both listeners noticed",
            )
            async with asyncio.timeout(WAIT_S):
                await a.wait_until_listening()
                await b.wait_until_listening()
            # What an operator would check for a deaf node (§2.8).
            [(_, subscribers)] = await admin.pubsub_numsub(nodes.keys.bus_channel())
            assert subscribers == 2
            await assert_crosses(a, b, "after-kill")
            await assert_crosses(b, a, "after-kill-back")
    finally:
        await admin.aclose()


@pytest.mark.redis
async def test_a_link_that_stops_answering_is_replaced(
    private_redis: PrivateRedis,
) -> None:
    admin = open_client(private_redis.url)
    options = {"backoff": FAST_BACKOFF, "ping_interval_s": 0.1, "pong_timeout_s": 0.3}
    try:
        async with two_nodes(private_redis.url, **options) as nodes:
            a, b = nodes.a, nodes.b
            await eventually(lambda: a.liveness_pings >= 2, "idle link was pinged")
            assert a.listener_errors == 0
            # A paused server accepts bytes but answers nothing: the PING goes
            # unanswered, as on a half-open TCP link.
            await admin.client_pause(1000, all=True)
            await eventually(lambda: a.listener_errors >= 1, "the stall was detected")
            async with asyncio.timeout(WAIT_S):
                await a.wait_until_listening()
                await b.wait_until_listening()
            await assert_crosses(b, a, "after-stall")
    finally:
        await admin.aclose()
