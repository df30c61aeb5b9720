"""Contract of ``cluster.ports_rooms.EventLog``: sequence numbers, replay, redaction, the feed.

The feed is what keeps every node's clients in one order: events appended on
either node reach the subscribers of both, in ``seq`` order per room.
"""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import AsyncIterator
from typing import Any

import pytest

from cluster import Commit, LoggedEvent, NewEvent, Redaction
from protocol.ids import RoomId
from tests.contract.room_stores import Store, Stores, open_stores
from tests.services import require_redis

LOG_CAPACITY = 5
FEED_WAIT_S = 5.0
POSTED = "chat.message_posted"


@pytest.fixture
async def nodes(redis_url: str | None, namespace: str) -> AsyncIterator[Stores]:
    """Two nodes' views of one store, of the chosen backend."""
    async with open_stores(redis_url, namespace, log_capacity=LOG_CAPACITY) as opened:
        yield opened


@pytest.fixture
def room() -> RoomId:
    return RoomId(f"room-{uuid.uuid4().hex}")


def event(n: int, *, audience: str = "all", effects: str = "") -> NewEvent:
    return NewEvent(audience=audience, name="demo.happened", body=f'{{"n":{n}}}', effects=effects)


async def append(store: Store, room: RoomId, *events: NewEvent) -> list[int]:
    seqs = await store.commit(room, Commit(events=list(events)))
    assert seqs is not None
    return list(seqs)


async def collect(subscription: Any, count: int) -> list[LoggedEvent]:
    found: list[LoggedEvent] = []
    async with asyncio.timeout(FEED_WAIT_S):
        async for logged in subscription:
            found.append(logged)
            if len(found) == count:
                return found
    return found


async def test_events_are_numbered_from_one_in_order(nodes: Stores, room: RoomId) -> None:
    assert await append(nodes.a, room, event(1), event(2)) == [1, 2]
    assert await append(nodes.b, room, event(3)) == [3]
    assert await nodes.a.last_seq(room) == 3
    assert await nodes.b.last_seq(RoomId(f"{room}-other")) == 0


async def test_seq_comes_first_in_the_payload_and_the_rest_is_kept(
    nodes: Stores, room: RoomId
) -> None:
    await append(nodes.a, room, NewEvent("staff", "demo.empty", "{}", effects='[{"op":"x"}]'))
    await append(nodes.a, room, NewEvent("all", "demo.text", '{"t":"a\\nb \\u00e9"}'))
    replay = await nodes.b.since(room, 0)
    assert replay is not None
    first, second = replay
    assert first.payload == '{"seq":1}'
    assert (first.audience, first.name, first.effects) == ("staff", "demo.empty", '[{"op":"x"}]')
    assert json.loads(second.payload) == {"seq": 2, "t": "a\nb \u00e9"}
    assert second.payload.startswith('{"seq":2,')


async def test_since_replays_the_missed_events_in_order(nodes: Stores, room: RoomId) -> None:
    await append(nodes.a, room, *(event(n) for n in range(1, 5)))
    assert [e.seq for e in await nodes.b.since(room, 1) or []] == [2, 3, 4]
    assert await nodes.b.since(room, 4) == []
    assert await nodes.b.since(room, 5) is None
    assert await nodes.b.since(room, -1) is None


async def test_events_older_than_the_window_need_a_snapshot(nodes: Stores, room: RoomId) -> None:
    await append(nodes.a, room, *(event(n) for n in range(1, LOG_CAPACITY + 4)))
    last = LOG_CAPACITY + 3
    oldest_kept = last - LOG_CAPACITY + 1
    assert await nodes.b.since(room, oldest_kept - 2) is None
    kept = await nodes.b.since(room, oldest_kept - 1)
    assert kept is not None
    assert [e.seq for e in kept] == list(range(oldest_kept, last + 1))


async def test_a_refused_commit_consumes_no_sequence_number(nodes: Stores, room: RoomId) -> None:
    await nodes.a.commit(room, Commit(set_fields={"m": "1"}))
    assert await nodes.a.commit(room, Commit(expect_version=0, events=[event(1)])) is None
    assert await nodes.a.last_seq(room) == 0
    assert await append(nodes.b, room, event(2)) == [1]


async def test_rooms_have_their_own_numbers(nodes: Stores, room: RoomId) -> None:
    other = RoomId(f"{room}-other")
    await append(nodes.a, room, event(1), event(2))
    assert await append(nodes.a, other, event(1)) == [1]


async def test_every_node_feed_sees_every_event_in_seq_order(nodes: Stores, room: RoomId) -> None:
    async with nodes.a.subscribe() as feed_a, nodes.b.subscribe() as feed_b:
        await append(nodes.a, room, event(1))
        await append(nodes.b, room, event(2), event(3))
        seen_a = await collect(feed_a, 3)
        seen_b = await collect(feed_b, 3)
    assert [e.seq for e in seen_a] == [1, 2, 3]
    assert [(e.room_id, e.seq, e.payload) for e in seen_a] == [
        (e.room_id, e.seq, e.payload) for e in seen_b
    ]
    assert json.loads(seen_b[0].payload) == {"seq": 1, "n": 1}


async def test_concurrent_appends_from_two_nodes_reach_both_feeds_in_one_order(
    nodes: Stores, room: RoomId
) -> None:
    count = 40
    async with nodes.a.subscribe() as feed_a, nodes.b.subscribe() as feed_b:
        await asyncio.gather(
            *(append(nodes.a if n % 2 else nodes.b, room, event(n)) for n in range(count))
        )
        seen_a = await collect(feed_a, count)
        seen_b = await collect(feed_b, count)
    assert [e.seq for e in seen_a] == list(range(1, count + 1))
    assert [e.payload for e in seen_a] == [e.payload for e in seen_b]
    replay = await nodes.a.since(room, count - LOG_CAPACITY)
    assert replay is not None
    assert [e.payload for e in replay] == [e.payload for e in seen_a[-LOG_CAPACITY:]]


# -- redaction ------------------------------------------------------------


def posted(message_id: str, text: str, *, audience: str = "all") -> NewEvent:
    body = json.dumps({"message_id": message_id, "text": text}, separators=(",", ":"))
    return NewEvent(audience=audience, name=POSTED, body=body, effects='[{"op":"x"}]')


def tombstone(message_id: str) -> Redaction:
    return Redaction(
        names=(POSTED,),
        key="message_id",
        value=message_id,
        name="chat.message_deleted",
        body=json.dumps({"message_id": message_id}, separators=(",", ":")),
    )


async def test_a_redacted_event_keeps_its_seq_audience_and_place(
    nodes: Stores, room: RoomId
) -> None:
    await append(
        nodes.a,
        room,
        posted("m1", "keep me"),
        posted("m2", "secret", audience="user:u1"),
        posted("m2", "secret", audience="staff"),
        NewEvent("all", "demo.after", '{"n":1}'),
    )

    assert await nodes.b.redact(room, tombstone("m2")) == [2, 3]

    replay = await nodes.a.since(room, 0)
    assert replay is not None
    assert [e.seq for e in replay] == [1, 2, 3, 4]
    assert [e.name for e in replay] == [
        POSTED,
        "chat.message_deleted",
        "chat.message_deleted",
        "demo.after",
    ]
    assert [e.audience for e in replay] == ["all", "user:u1", "staff", "all"]
    for redacted in replay[1:3]:
        assert redacted.payload == f'{{"seq":{redacted.seq},"message_id":"m2"}}'
        assert redacted.effects == ""
        assert "secret" not in redacted.payload
    assert json.loads(replay[0].payload)["text"] == "keep me"
    assert replay[0].effects == '[{"op":"x"}]'
    assert await nodes.a.last_seq(room) == 4


async def test_only_the_named_events_with_that_exact_member_match(
    nodes: Stores, room: RoomId
) -> None:
    await append(
        nodes.a,
        room,
        # Another message whose id starts the same.
        posted("m22", "other"),
        # The id inside a text is escaped JSON, not a member.
        posted("m3", 'quote "message_id":"m2" here'),
        # Another event naming the message (a report) is not a post.
        NewEvent("staff", "moderation.report_filed", '{"report":{"message_id":"m2"}}'),
    )

    assert await nodes.a.redact(room, tombstone("m2")) == []

    replay = await nodes.b.since(room, 0)
    assert replay is not None
    assert [e.name for e in replay] == [POSTED, POSTED, "moderation.report_filed"]


async def test_without_a_member_every_kept_event_of_the_names_is_rewritten(
    nodes: Stores, room: RoomId
) -> None:
    await append(
        nodes.a, room, posted("m1", "one"), event(1), posted("m2", "two", audience="staff")
    )
    cleared = Redaction(names=(POSTED,), name="chat.cleared", body="{}")

    assert await nodes.b.redact(room, cleared) == [1, 3]

    replay = await nodes.a.since(room, 0)
    assert replay is not None
    assert [(e.name, e.payload) for e in replay] == [
        ("chat.cleared", '{"seq":1}'),
        ("demo.happened", '{"seq":2,"n":1}'),
        ("chat.cleared", '{"seq":3}'),
    ]


async def test_redacting_again_or_elsewhere_changes_nothing(nodes: Stores, room: RoomId) -> None:
    await append(nodes.a, room, posted("m1", "hello"))
    assert await nodes.a.redact(room, tombstone("m1")) == [1]
    before = await nodes.a.since(room, 0)

    assert await nodes.b.redact(room, tombstone("m1")) == []
    assert await nodes.b.redact(RoomId(f"{room}-never"), tombstone("m1")) == []

    assert await nodes.a.since(room, 0) == before
    assert await nodes.a.last_seq(RoomId(f"{room}-never")) == 0


async def test_events_no_longer_kept_are_not_looked_for_and_replay_stays_whole(
    nodes: Stores, room: RoomId
) -> None:
    await append(nodes.a, room, posted("m1", "old"))
    await append(nodes.a, room, *(posted(f"n{n}", "filler") for n in range(LOG_CAPACITY)))
    await append(nodes.a, room, posted("m1", "again, kept"))

    assert await nodes.a.redact(room, tombstone("m1")) == [LOG_CAPACITY + 2]

    assert await nodes.b.since(room, 0) is None
    replay = await nodes.b.since(room, 2)
    assert replay is not None
    assert [e.seq for e in replay] == list(range(3, LOG_CAPACITY + 3))
    assert replay[-1].name == "chat.message_deleted"


async def test_the_feed_is_not_told_and_appends_go_on(nodes: Stores, room: RoomId) -> None:
    async with nodes.b.subscribe() as feed:
        await append(nodes.a, room, posted("m1", "hello"))
        await nodes.a.redact(room, tombstone("m1"))
        assert await append(nodes.a, room, NewEvent("all", "demo.after", "{}")) == [2]
        first, second = await collect(feed, 2)
    # Live subscribers got the original and then the next event, nothing more.
    assert (first.seq, first.name) == (1, POSTED)
    assert (second.seq, second.name) == (2, "demo.after")


async def kill_connections_named(url: str, name: str) -> int:
    """Close the server side of every Redis connection called ``name``."""
    from cluster.redis import open_client

    admin = open_client(url)
    try:
        raw = await admin.execute_command("CLIENT", "LIST")  # type: ignore[no-untyped-call]
        ids = [
            line.split("id=")[1].split()[0]
            for line in raw.decode().splitlines()
            if f" name={name} " in f" {line} "
        ]
        for client_id in ids:
            await admin.execute_command("CLIENT", "KILL", "ID", client_id)  # type: ignore[no-untyped-call]
        return len(ids)
    finally:
        await admin.aclose()


@pytest.mark.redis
async def test_the_redis_feed_listener_resubscribes_after_its_link_is_killed(
    namespace: str, room: RoomId
) -> None:
    from cluster.backoff import Backoff
    from cluster.redis import RedisKeys, open_client
    from cluster.redis.room_state import RedisRooms

    url = require_redis()
    name = f"feedtest{uuid.uuid4().hex[:12]}"
    client = open_client(f"{url}?client_name={name}")
    writer_client = open_client(url)
    try:
        async with (
            RedisRooms(client, keys=RedisKeys(namespace)) as store,
            RedisRooms(writer_client, keys=RedisKeys(namespace)) as writer,
        ):
            store.listener._backoff = Backoff(initial_s=0.01, max_s=0.05)
            async with store.subscribe() as feed:
                await append(store, room, event(1))
                assert [e.seq for e in await collect(feed, 1)] == [1]
                assert await kill_connections_named(url, name) >= 1
                async with asyncio.timeout(FEED_WAIT_S):
                    while not (store.listener.reconnections and store.listener.is_listening):  # noqa: ASYNC110
                        await asyncio.sleep(0.01)
                await append(writer, room, event(2))
                assert [e.seq for e in await collect(feed, 1)] == [2]
    finally:
        await client.aclose()
        await writer_client.aclose()
