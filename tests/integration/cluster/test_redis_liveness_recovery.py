"""A node cut off from Redis never takes live nodes for dead when it returns.

After an outage longer than a heartbeat's life every key has expired, the
checking node's own included; judging then would mark every participant of
every node away. The node presumes everyone alive from its first failed beat
until it has beaten again for one full time to live. The link is cut with a
TCP relay in front of the real Redis (the end-to-end suite does the same with
whole server processes).
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Iterator
from urllib.parse import urlsplit

import pytest

from cluster.errors import ClusterUnavailable
from cluster.redis import RedisKeys, open_client
from cluster.redis.liveness import RedisLiveness
from tests.e2e.proxy import TcpRelay
from tests.services import require_redis

pytestmark = pytest.mark.redis

TTL_S = 0.6
NODES = ["node-a", "node-b"]


@pytest.fixture
def relay() -> Iterator[TcpRelay]:
    target = urlsplit(require_redis()).port or 6379
    started = TcpRelay(target)
    started.start()
    try:
        yield started
    finally:
        started.stop()


@pytest.fixture
async def liveness(relay: TcpRelay) -> AsyncIterator[RedisLiveness]:
    keys = RedisKeys(f"jumelage-test:{uuid.uuid4().hex}")
    client = open_client(f"redis://127.0.0.1:{relay.port}/0", socket_timeout_s=1.0)
    try:
        yield RedisLiveness(client, keys=keys)
    finally:
        relay.mend()
        for node in NODES:
            await client.delete(keys.node_alive(node))
        await client.aclose()


async def test_a_node_that_could_not_beat_presumes_everyone_alive_until_it_can_judge(
    liveness: RedisLiveness, relay: TcpRelay
) -> None:
    await liveness.beat("node-a", TTL_S)
    assert await liveness.alive(NODES) == {"node-a"}, "node-b never beat: judged dead"

    relay.cut()
    with pytest.raises(ClusterUnavailable):
        await liveness.beat("node-a", TTL_S)
    await asyncio.sleep(TTL_S * 1.5)  # every key has expired meanwhile
    assert await liveness.alive(NODES) == set(NODES), "cut off: nobody may be judged"

    relay.mend()
    await liveness.beat("node-a", TTL_S)
    assert await liveness.alive(NODES) == set(NODES), "back, but others had no time to beat"

    await asyncio.sleep(TTL_S * 1.2)
    await liveness.beat("node-a", TTL_S)
    assert await liveness.alive(NODES) == {"node-a"}, "a full life later: judging again"
