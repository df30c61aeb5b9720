"""A chat turn that SQLite cannot store, over real sockets on one node (shared turns:
``storage.chat_batches``, ``server.realtime.lost_turns``).

The failures are SQLite's own on the loop's connections, not a mocked commit: an
authorizer that refuses ``COMMIT`` (the turn's commit and its retry fail as a
write error at commit would) and ``max_page_count`` (the file is full: "database
or disk is full" for a row that needs a page).
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import event

from client_sdk import CommandFailed
from protocol.events.chat import ChatMessageDeleted, ChatMessagePosted, SendChat
from storage.chat_batches import ChatBatches
from tests.integration.realtime.live import Live, RecordingClient, until
from tests.integration.realtime.test_chat_moderation import history, say

LOST = "this one was never stored"
FULL = "€" * 2000
"""6,000 bytes: more than a page, so it needs pages the full file does not have."""
MAX_PAGES = 1073741823


def batches_of(live: Live) -> ChatBatches:
    batches = live.services.moderation.writer._batches
    assert isinstance(batches, ChatBatches)
    return batches


def on_loop_connections(batches: ChatBatches, setup: Callable[[Any], None]) -> None:
    """Run ``setup`` on the loop's kept connection and on any it opens later."""
    engine = batches._now
    assert engine is not None
    event.listen(engine, "connect", lambda dbapi, _record: setup(dbapi))
    setup(batches._kept_cursor().connection)


class FailingCommits:
    """SQLite refuses ``COMMIT`` on the loop's connections while ``on``."""

    def __init__(self, batches: ChatBatches) -> None:
        self.on = True
        self.refused = 0
        on_loop_connections(batches, lambda conn: conn.set_authorizer(self._authorize))

    def _authorize(self, action: int, arg1: Any, *_: Any) -> int:
        if self.on and action == sqlite3.SQLITE_TRANSACTION and arg1 == "COMMIT":
            self.refused += 1
            return sqlite3.SQLITE_DENY
        return sqlite3.SQLITE_OK


class FullFile:
    """The file may not grow on the loop's connections while ``on`` (``max_page_count``)."""

    def __init__(self, batches: ChatBatches) -> None:
        self.pages = MAX_PAGES
        self._batches = batches
        on_loop_connections(batches, self._limit)

    def fill(self) -> None:
        cursor = self._batches._kept_cursor()
        assert cursor.execute("PRAGMA freelist_count").fetchone()[0] == 0
        self.pages = cursor.execute("PRAGMA page_count").fetchone()[0]
        self._limit(cursor.connection)

    def free(self) -> None:
        self.pages = MAX_PAGES
        self._limit(self._batches._kept_cursor().connection)

    def _limit(self, conn: Any) -> None:
        conn.execute(f"PRAGMA max_page_count={self.pages}")


def seen(client: RecordingClient) -> list[str]:
    return [e.text for e in client.record if isinstance(e, ChatMessagePosted)]


async def rejoined(clients: list[RecordingClient], joins: list[int]) -> None:
    """Each client reconnected and joined again (it resumed from its last ``seq``)."""
    await until(lambda: all(c.joins > n for c, n in zip(clients, joins, strict=True)))
    for client in clients:
        await client.wait_joined()


async def test_a_turn_that_cannot_be_stored_is_seen_by_nobody_and_the_node_serves_on(
    live: Live,
) -> None:
    teacher = await live.teacher()
    host = await live.join(teacher)
    kid = await live.join(await live.pupil(teacher))
    other = await live.join(await live.pupil(teacher))
    clients = [host, kid, other]
    # Another room of the node, whose sockets must not notice.
    beside = live.moved_to(live.directory.add_meeting(live.project))
    try:
        await lost_turn_in_one_room(live, teacher, clients, beside)
    finally:
        await beside.close()


async def lost_turn_in_one_room(
    live: Live, teacher: Any, clients: list[RecordingClient], beside: Live
) -> None:
    host, kid, other = clients
    beside_teacher = await beside.join(await beside.teacher())
    beside_pupil = await beside.join(await beside.pupil(teacher))
    beside_joins = [beside_teacher.joins, beside_pupil.joins]
    await say(live, host, "before")  # committed on its own: then turns are shared
    await other.next(ChatMessagePosted, where=lambda e: e.text == "before")
    batches = batches_of(live)
    assert batches._turns
    commits = FailingCommits(batches)
    full = FullFile(batches)
    joins = [c.joins for c in clients]
    lost_seq = await live.services.cluster.event_log.last_seq(live.room) + 1

    live.world.clock.advance(1)
    sending = asyncio.create_task(kid.send(SendChat(text=LOST)))
    # The turn's commit and its retry were refused: every socket of the room is
    # let go before a byte of the turn leaves, and each client resumes.
    await rejoined(clients, joins)
    assert commits.refused == 2
    with pytest.raises(CommandFailed) as refused:  # its ack was replaced by a refusal
        await sending
    assert refused.value.code == "unavailable"
    # The message's seq holds a tombstone: no hole, and no text, on replay.
    for client in clients:
        await until(lambda c=client: lost_seq in c.seqs())  # type: ignore[misc]
        assert LOST not in str(client.record)
        assert [e.seq for e in client.record if isinstance(e, ChatMessageDeleted)] == [lost_seq]
    assert not batches._turns  # each row's commit is awaited from now on
    # The other room kept its sockets.
    assert [beside_teacher.joins, beside_pupil.joins] == beside_joins

    # The disk stays full: each message is refused with a stable code, before
    # anyone sees it, and no socket is let go.
    commits.on = False
    full.fill()
    joins = [c.joins for c in clients]
    for client in (kid, host):
        live.world.clock.advance(1)
        with pytest.raises(CommandFailed) as refused:
            await client.send(SendChat(text=FULL))
        assert refused.value.code == "unavailable"
    assert [c.joins for c in clients] == joins

    # Space is back: the next message is stored and delivered, then turns are shared.
    full.free()
    after = await say(live, kid, "after")
    await host.next(ChatMessagePosted, where=lambda e: e.message_id == after.message_id)
    await other.next(ChatMessagePosted, where=lambda e: e.message_id == after.message_id)
    assert batches._turns
    again = await say(live, other, "again")
    await kid.next(ChatMessagePosted, where=lambda e: e.message_id == again.message_id)
    # The other room's chat goes on, on the same sockets, and never saw the lost text.
    beside_hello = await say(beside, beside_pupil, "beside")
    await beside_teacher.next(
        ChatMessagePosted, where=lambda e: e.message_id == beside_hello.message_id
    )
    assert [beside_teacher.joins, beside_pupil.joins] == beside_joins
    assert LOST not in str(beside_teacher.record) + str(beside_pupil.record)

    # What each participant saw, their history and the teacher's transcript agree.
    stored = [("posted", "before"), ("posted", "after"), ("posted", "again")]
    for client in clients:
        await until(lambda c=client: "again" in seen(c))  # type: ignore[misc]
        assert [t for t in dict.fromkeys(seen(client))] == ["before", "after", "again"]
        assert FULL not in str(client.record)
        assert await history(client) == stored
    base = f"/api/v1/rooms/{live.room}/sessions/{kid.session_id}/transcript"
    answer = await live.http.get(base, headers=teacher.headers)
    assert answer.status == 200, await answer.text()
    lines = (await answer.json())["lines"]
    assert [(line["state"], line.get("text")) for line in lines] == stored
