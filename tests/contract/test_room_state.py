"""Contract of ``cluster.ports_rooms.RoomState``: the same tests for every implementation.

Two "nodes" are two handles on the same store: the same ``InMemoryRooms`` in
memory, two ``RedisRooms`` with their own clients on Redis.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator

import pytest

from cluster import KEEP_WAKE, NO_WAKE, Commit, NewEvent, NodeLiveness, RoomState
from cluster.memory_rooms import InMemoryLiveness
from protocol.ids import RoomId
from tests.contract.room_stores import Stores, open_stores

LOG_CAPACITY = 5


@pytest.fixture
async def stores(redis_url: str | None, namespace: str) -> AsyncIterator[Stores]:
    """Two nodes' views of one room store, of the chosen backend."""
    async with open_stores(redis_url, namespace, log_capacity=LOG_CAPACITY) as opened:
        yield opened


@pytest.fixture
def room() -> RoomId:
    return RoomId(f"room-{uuid.uuid4().hex}")


def event(name: str = "demo.happened", body: str = '{"n":1}') -> NewEvent:
    return NewEvent(audience="all", name=name, body=body)


async def test_a_room_never_written_is_empty_at_version_zero(stores: Stores, room: RoomId) -> None:
    record = await stores.a.load(room)
    assert (record.fields, record.version) == ({}, 0)
    assert await stores.a.load_fields(room, ["meta", "p:1"]) == [None, None]


async def test_writes_bump_the_version_and_are_seen_by_every_node(
    stores: Stores, room: RoomId
) -> None:
    assert await stores.a.commit(room, Commit(set_fields={"meta": "m", "p:1": "x"})) == []
    record = await stores.b.load(room)
    assert record.fields == {"meta": "m", "p:1": "x"}
    assert record.version == 1
    await stores.b.commit(room, Commit(expect_version=1, delete_fields=["p:1"]))
    record = await stores.a.load(room)
    assert (record.fields, record.version) == ({"meta": "m"}, 2)
    assert await stores.a.load_fields(room, ["p:1", "meta"]) == [None, "m"]


async def test_a_stale_version_refuses_the_whole_commit(stores: Stores, room: RoomId) -> None:
    await stores.a.commit(room, Commit(set_fields={"meta": "v1"}))
    refused = Commit(
        expect_version=0,
        set_fields={"meta": "v2"},
        delete_fields=["meta"],
        events=[event()],
        wake_at=1.0,
    )
    assert await stores.b.commit(room, refused) is None
    record = await stores.a.load(room)
    assert (record.fields, record.version) == ({"meta": "v1"}, 1)
    assert await stores.a.due(10.0) == []


async def test_field_guards_compare_exact_values_and_absence(stores: Stores, room: RoomId) -> None:
    await stores.a.commit(room, Commit(set_fields={"p:1": "a"}))
    assert await stores.a.commit(room, Commit(expect_fields={"p:1": "b"}, events=[event()])) is None
    assert (
        await stores.a.commit(room, Commit(expect_fields={"p:1": None}, events=[event()])) is None
    )
    assert await stores.a.commit(room, Commit(expect_fields={"p:2": "a"}, events=[event()])) is None
    assert await stores.b.commit(
        room, Commit(expect_fields={"p:1": "a", "p:2": None}, events=[event()])
    ) == [1]


async def test_events_alone_do_not_change_the_version(stores: Stores, room: RoomId) -> None:
    await stores.a.commit(room, Commit(set_fields={"meta": "m"}))
    await stores.a.commit(room, Commit(events=[event(), event()]))
    assert (await stores.a.load(room)).version == 1


async def test_concurrent_commits_from_the_same_version_let_exactly_one_win(
    stores: Stores, room: RoomId
) -> None:
    await stores.a.commit(room, Commit(set_fields={"n": "0"}))

    async def bump(store: RoomState, value: int) -> list[int] | None:
        return await store.commit(
            room, Commit(expect_version=1, set_fields={"n": str(value)}, events=[event()])
        )

    results = await asyncio.gather(*(bump(stores.a if i % 2 else stores.b, i) for i in range(10)))
    winners = [i for i, result in enumerate(results) if result is not None]
    assert len(winners) == 1
    record = await stores.a.load(room)
    assert record.fields["n"] == str(winners[0])
    assert record.version == 2
    assert results[winners[0]] == [1]


async def test_wake_up_times_are_set_kept_moved_and_cleared(stores: Stores, room: RoomId) -> None:
    other = RoomId(f"{room}-other")
    await stores.a.commit(room, Commit(set_fields={"m": "1"}, wake_at=100.0))
    await stores.a.commit(other, Commit(set_fields={"m": "1"}, wake_at=50.0))
    assert await stores.b.due(40.0) == []
    assert await stores.b.due(100.0) == [other, room]
    assert await stores.b.due(100.0, limit=1) == [other]
    await stores.a.commit(room, Commit(set_fields={"m": "2"}, wake_at=KEEP_WAKE))
    assert room in await stores.b.due(100.0)
    await stores.a.commit(room, Commit(set_fields={"m": "3"}, wake_at=200.0))
    assert await stores.b.due(150.0) == [other]
    await stores.a.commit(other, Commit(wake_at=NO_WAKE))
    assert await stores.b.due(1000.0) == [room]
    await stores.a.delete(room)
    await stores.a.delete(other)


async def test_a_room_stays_due_until_a_commit_moves_it(stores: Stores, room: RoomId) -> None:
    await stores.a.commit(room, Commit(set_fields={"m": "1"}, wake_at=10.0))
    assert await stores.a.due(20.0) == [room]
    assert await stores.b.due(20.0) == [room]
    await stores.a.commit(room, Commit(wake_at=NO_WAKE))
    assert await stores.b.due(20.0) == []


async def test_delete_forgets_fields_events_and_wake_up(stores: Stores, room: RoomId) -> None:
    await stores.a.commit(room, Commit(set_fields={"m": "1"}, events=[event()], wake_at=5.0))
    await stores.b.delete(room)
    record = await stores.a.load(room)
    assert (record.fields, record.version) == ({}, 0)
    assert await stores.a.due(10.0) == []
    assert await stores.a.commit(room, Commit(events=[event()])) == [1]


@pytest.fixture
async def liveness(redis_url: str | None, namespace: str) -> AsyncIterator[NodeLiveness]:
    """Node heartbeats of the chosen backend."""
    if redis_url is None:
        yield InMemoryLiveness()
        return
    from cluster.redis import RedisKeys, open_client
    from cluster.redis.liveness import RedisLiveness

    client = open_client(redis_url)
    try:
        yield RedisLiveness(client, keys=RedisKeys(namespace))
    finally:
        await client.aclose()


async def test_a_node_is_alive_while_it_beats_and_dead_when_it_stops(
    liveness: NodeLiveness,
) -> None:
    assert await liveness.alive([]) == set()
    await liveness.beat("node-a", ttl_s=0.2)
    await liveness.beat("node-b", ttl_s=30)
    assert await liveness.alive(["node-a", "node-b", "node-c"]) == {"node-a", "node-b"}
    # Liveness is about processes, measured in real time (as Redis expires keys).
    await asyncio.sleep(0.3)
    assert await liveness.alive(["node-a", "node-b"]) == {"node-b"}
    await liveness.beat("node-a", ttl_s=30)
    assert await liveness.alive(["node-a"]) == {"node-a"}
