"""``ChatWriter``: group commits of chat messages (on SQLite; both engines:
tests/integration/storage/test_chat_messages.py)."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator, Callable, Sequence
from typing import Any

import pytest
from sqlalchemy import event

from moderation.chat.writer import ChatWriter
from storage import Database, DatabaseUnavailable, DuplicateKey
from storage.chat_batches import ChatBatches, stored_message
from storage.records_moderation import NewChatMessage
from tests.unit.moderation.chat.rows import add_sender, chat_row, row_ids, stored_ids


class ControlledBatches:
    """The real batches, whose next ones can be made to fail, or to wait.

    ``inline``: whether ``add_now`` may store (as SQLite's batches do) or
    always declines (as PostgreSQL's, whose commits are awaited); ``locked``
    makes it decline for now (as SQLite's, when another writer holds the file).
    """

    def __init__(self, db: Database, *, inline: bool = False) -> None:
        self._batches = ChatBatches(db)
        self.inline = inline
        self.locked = False
        self.fail_next = 0
        self.hold: asyncio.Event | None = None
        self.sizes: list[int] = []
        """Batches given to ``add`` (awaited), by size."""
        self.now_sizes: list[int] = []
        """Batches stored by ``add_now`` (inline), by size."""

    def add_now(self, news: Sequence[NewChatMessage]) -> list[int] | None:
        if not self.inline or self.locked:
            return None
        self.now_sizes.append(len(news))
        if self.fail_next:
            self.fail_next -= 1
            raise DatabaseUnavailable("the database is unavailable; try again shortly")
        return self._batches.add_now(news)

    async def add(self, news: Sequence[NewChatMessage]) -> list[int]:
        self.sizes.append(len(news))
        if self.hold is not None:
            await self.hold.wait()
        if self.fail_next:
            self.fail_next -= 1
            raise DatabaseUnavailable("the database is unavailable; try again shortly")
        return await self._batches.add(news)

    def close(self) -> None:
        self._batches.close()


Writers = Callable[..., ChatWriter]


@pytest.fixture
async def sender_db(db: Database) -> Database:
    await add_sender(db)
    return db


@pytest.fixture
async def writers(sender_db: Database) -> AsyncIterator[Writers]:
    """Makes writers on the test's database (real batches unless given), closed after it."""
    made: list[ChatWriter] = []

    def make(batches: ControlledBatches | None = None, **options: Any) -> ChatWriter:
        batches_ = batches or ChatBatches(sender_db)
        made.append(ChatWriter(db=sender_db, batches=batches_, **options))
        return made[-1]

    yield make
    for writer in made:
        await writer.close()


async def test_rows_queued_together_share_one_transaction_in_their_order(
    sender_db: Database, writers: Writers
) -> None:
    writer = writers(ControlledBatches(sender_db), interval_s=0)
    rows = [chat_row(text=f"message {n}") for n in range(4)] + [chat_row(status="held")]
    stored = await asyncio.gather(*(writer.store(row) for row in rows))
    assert writer.batches == 1
    assert stored == await row_ids(sender_db, rows) and stored == sorted(stored)
    async with sender_db.transaction("test.read") as uow:
        for new, row_id in ((rows[0], stored[0]), (rows[-1], stored[-1])):
            assert await uow.moderation.find_message(new.message_id) == stored_message(new, row_id)


async def test_a_batch_is_bounded_and_the_next_ones_keep_the_order(
    sender_db: Database, writers: Writers
) -> None:
    writer = writers(ControlledBatches(sender_db), max_batch=2, interval_s=0)
    rows = [chat_row() for _ in range(5)]
    stored = await asyncio.gather(*(writer.store(row) for row in rows))
    assert writer.batches == 3
    assert stored == await row_ids(sender_db, rows) and stored == sorted(stored)
    with pytest.raises(ValueError):
        writers(max_batch=0)


async def test_a_repeated_client_msg_id_fails_alone_and_the_first_row_stays(
    sender_db: Database, writers: Writers
) -> None:
    writer = writers(ControlledBatches(sender_db), interval_s=0)
    first = chat_row(client_msg_id="c1")
    await writer.store(first)
    rows = [
        chat_row(client_msg_id="c2"),
        chat_row(client_msg_id="c1"),  # sent before
        chat_row(client_msg_id="c3"),
        chat_row(client_msg_id="c3"),  # twice in this batch
        chat_row(client_msg_id="c1", participant_id="participant-2"),  # someone else's key
    ]
    results = await asyncio.gather(*(writer.store(row) for row in rows), return_exceptions=True)
    assert [isinstance(r, DuplicateKey) for r in results] == [False, True, False, True, False]
    kept = [first.message_id, rows[0].message_id, rows[2].message_id, rows[4].message_id]
    assert await stored_ids(sender_db, [first.message_id, *(r.message_id for r in rows)]) == kept


async def test_a_batch_the_database_refuses_fails_each_of_its_messages(
    sender_db: Database, writers: Writers
) -> None:
    controlled = ControlledBatches(sender_db)
    controlled.fail_next = 1
    writer = writers(controlled, interval_s=0)
    rows = [chat_row() for _ in range(3)]
    results = await asyncio.gather(*(writer.store(row) for row in rows), return_exceptions=True)
    assert all(isinstance(r, DatabaseUnavailable) for r in results)
    assert len({id(r) for r in results}) == 3  # each waiter its own error
    assert controlled.sizes == [3]  # one transaction for the three
    assert await stored_ids(sender_db, [r.message_id for r in rows]) == []
    again = await writer.store(rows[0])  # the writer goes on
    assert [again] == await row_ids(sender_db, rows[:1])


async def test_closing_stores_what_is_queued_then_refuses(
    sender_db: Database, writers: Writers
) -> None:
    controlled = ControlledBatches(sender_db)
    controlled.hold = asyncio.Event()
    writer = writers(controlled, interval_s=0.05)
    rows = [chat_row() for _ in range(3)]
    first = asyncio.create_task(writer.store(rows[0]))
    await asyncio.sleep(0.01)  # in its transaction: the next ones queue behind it
    waiting = [asyncio.create_task(writer.store(row)) for row in rows[1:]]
    await asyncio.sleep(0)
    closing = asyncio.create_task(writer.close())
    await asyncio.sleep(0)
    with pytest.raises(DatabaseUnavailable):
        await writer.store(chat_row())
    controlled.hold.set()
    await closing
    assert [t.result() for t in (first, *waiting)] == await row_ids(sender_db, rows)
    assert writer.batches == 2
    await writer.close()  # twice is fine


async def test_a_sender_who_stops_waiting_leaves_no_row(
    sender_db: Database, writers: Writers
) -> None:
    controlled = ControlledBatches(sender_db)
    controlled.hold = asyncio.Event()
    writer = writers(controlled, interval_s=0)
    kept, gone_while_storing, gone_while_queued = chat_row(), chat_row(), chat_row()
    storing = asyncio.create_task(writer.store(gone_while_storing))
    keeping = asyncio.create_task(writer.store(kept))
    await asyncio.sleep(0.01)  # the writer took both and waits in its transaction
    queued = asyncio.create_task(writer.store(gone_while_queued))
    await asyncio.sleep(0)
    queued.cancel()
    storing.cancel()
    controlled.hold.set()
    assert [await keeping] == await row_ids(sender_db, [kept])
    await writer.close()
    assert storing.cancelled() and queued.cancelled()
    everything = [kept.message_id, gone_while_storing.message_id, gone_while_queued.message_id]
    assert await stored_ids(sender_db, everything) == [kept.message_id]
    assert controlled.sizes == [2]  # the one queued after it was never written


async def test_while_rows_keep_coming_batches_start_at_most_once_per_interval(
    sender_db: Database, writers: Writers
) -> None:
    controlled = ControlledBatches(sender_db)
    controlled.hold = asyncio.Event()
    writer = writers(controlled, interval_s=0.3)
    loop = asyncio.get_running_loop()
    started = loop.time()
    first = asyncio.create_task(writer.store(chat_row()))
    await asyncio.sleep(0.01)  # the writer is committing it...
    later = [asyncio.create_task(writer.store(chat_row())) for _ in range(4)]
    controlled.hold.set()  # ...while these came
    await first
    assert loop.time() - started < 0.3  # the first of a busy spell: at once
    await asyncio.gather(*later)
    assert writer.batches == 2  # the four together, once the interval was over
    assert loop.time() - started >= 0.3
    quiet = loop.time()
    await writer.store(chat_row())  # the writer was idle: at once
    assert loop.time() - quiet < 0.3


async def test_an_idle_writer_stores_inline_in_the_senders_turn(
    sender_db: Database, writers: Writers
) -> None:
    writer = writers(interval_s=0)  # SQLite's batches: they can commit without waiting
    row = chat_row(client_msg_id="c1")
    storing = writer.store(row)
    with pytest.raises(StopIteration) as done:  # finished without ever suspending
        storing.send(None)
    assert [done.value.value] == await row_ids(sender_db, [row]) and writer.batches == 1
    assert await stored_ids(sender_db, [row.message_id]) == [row.message_id]
    again = chat_row(client_msg_id="c1")
    with pytest.raises(DuplicateKey):  # the repeat alone, as in a batch of one
        await writer.store(again)
    assert await stored_ids(sender_db, [row.message_id, again.message_id]) == [row.message_id]


async def test_an_inline_store_that_fails_fails_only_its_message(
    sender_db: Database, writers: Writers
) -> None:
    controlled = ControlledBatches(sender_db, inline=True)
    controlled.fail_next = 1
    writer = writers(controlled, interval_s=0)
    refused, kept = chat_row(), chat_row()
    with pytest.raises(DatabaseUnavailable):
        await writer.store(refused)
    assert [await writer.store(kept)] == await row_ids(sender_db, [kept])
    assert controlled.now_sizes == [1, 1] and controlled.sizes == []
    assert await stored_ids(sender_db, [refused.message_id, kept.message_id]) == [kept.message_id]


async def test_rows_arriving_during_a_commit_are_batched_then_inline_again(
    sender_db: Database, writers: Writers
) -> None:
    controlled = ControlledBatches(sender_db, inline=True)
    controlled.locked = True  # the first row cannot commit in the loop: it is awaited
    controlled.hold = asyncio.Event()
    writer = writers(controlled, interval_s=0)
    rows = [chat_row() for _ in range(3)]
    first = asyncio.create_task(writer.store(rows[0]))
    await asyncio.sleep(0.01)  # its commit is under way...
    controlled.locked = False
    later = [asyncio.create_task(writer.store(row)) for row in rows[1:]]
    await asyncio.sleep(0)  # ...so these queue, though the file is free again
    controlled.hold.set()
    stored = await asyncio.gather(first, *later)
    assert stored == await row_ids(sender_db, rows)
    assert controlled.sizes == [1, 2] and controlled.now_sizes == []
    quiet = chat_row()
    await writer.store(quiet)  # idle again: inline
    assert controlled.now_sizes == [1] and writer.batches == 3
    assert await stored_ids(sender_db, [*(r.message_id for r in rows), quiet.message_id]) == [
        *(r.message_id for r in rows),
        quiet.message_id,
    ]


async def test_a_locked_file_sends_the_row_to_the_thread_which_waits_for_the_lock(
    sender_db: Database,
) -> None:
    batches = ChatBatches(sender_db)
    path = sender_db.engine.url.database
    assert path is not None
    other = sqlite3.connect(path, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")  # another writer holds the lock
    row = chat_row()
    try:
        assert batches.add_now([row]) is None  # the loop does not wait for it
        adding = asyncio.create_task(batches.add([row]))
        await asyncio.sleep(0.05)
        assert not adding.done()  # the thread waits...
        other.execute("COMMIT")  # ...until it is free
        assert await adding == await row_ids(sender_db, [row])
    finally:
        other.close()
        batches.close()
    assert await stored_ids(sender_db, [row.message_id]) == [row.message_id]


async def test_the_kept_connection_stores_lone_rows_and_batches_in_order_and_survives_a_refusal(
    sender_db: Database,
) -> None:
    """Lone rows go through the loop's kept cursor, batches through a transaction of
    their own on the same connection; a row the unique key refuses leaves nothing
    half done, and the next row opens a fresh connection and is stored."""
    batches = ChatBatches(sender_db)
    first, second = chat_row(client_msg_id="c-1"), chat_row(client_msg_id="c-2")
    together = [chat_row(client_msg_id="c-3"), chat_row(client_msg_id="c-4")]
    repeated = chat_row(client_msg_id="c-1")  # the same participant's client id again
    after = chat_row(client_msg_id="c-5")
    try:
        lone = [batches.add_now([first]), batches.add_now([second])]
        grouped = batches.add_now(together)
        with pytest.raises(DuplicateKey):
            batches.add_now([repeated])
        again = batches.add_now([after])
    finally:
        batches.close()
    assert lone == [[r] for r in await row_ids(sender_db, [first, second])]
    assert grouped == await row_ids(sender_db, together)
    assert again == await row_ids(sender_db, [after])
    assert await row_ids(sender_db, [repeated]) == [None]
    everything = [first, second, *together, after]
    assert await stored_ids(sender_db, [r.message_id for r in everything]) == [
        r.message_id for r in everything
    ]


async def test_after_a_locked_file_the_loop_stores_inline_again(sender_db: Database) -> None:
    """A lone row that found the file locked drops the kept connection; once the lock
    is gone, the next one is stored right away on a new one."""
    batches = ChatBatches(sender_db)
    path = sender_db.engine.url.database
    assert path is not None
    stored_first = batches.add_now([chat_row()])  # the kept connection is open
    other = sqlite3.connect(path, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    locked, freed = chat_row(), chat_row()
    try:
        assert batches.add_now([locked]) is None
        other.execute("COMMIT")
        stored = batches.add_now([freed])
    finally:
        other.close()
        batches.close()
    assert stored_first is not None and stored is not None
    assert stored == await row_ids(sender_db, [freed])
    assert await row_ids(sender_db, [locked]) == [None]


# -- rows of one turn of the loop sharing a commit (``ChatBatches.share_turns``)


def visible(db: Database, news: Sequence[NewChatMessage]) -> list[bool]:
    """Whether another connection to the file sees each of ``news`` (committed)."""
    path = db.engine.url.database
    assert path is not None
    other = sqlite3.connect(path)
    try:
        return [
            other.execute(
                "SELECT 1 FROM chat_messages WHERE message_id = ?", (new.message_id,)
            ).fetchone()
            is not None
            for new in news
        ]
    finally:
        other.close()


def sharing(
    batches: ChatBatches,
    schedule: Callable[[Callable[[], None]], object],
    on_lost: Callable[[list[NewChatMessage]], None] | None = None,
) -> NewChatMessage:
    """``share_turns``, then one row committed on its own: turns are shared only
    after a commit succeeded. That first row."""
    if on_lost is None:
        assert batches.share_turns(schedule=schedule)
    else:
        assert batches.share_turns(schedule=schedule, on_lost=on_lost)
    first = chat_row()
    batches.add_now([first])
    assert visible(batches._db, [first]) == [True]  # committed at once
    return first


def ids_of(lost: list[list[NewChatMessage]]) -> list[list[str]]:
    return [[new.message_id for new in turn] for turn in lost]


async def test_rows_of_one_turn_share_one_commit_that_nobody_waits_for(
    sender_db: Database,
) -> None:
    batches = ChatBatches(sender_db)
    scheduled: list[Callable[[], None]] = []
    sharing(batches, scheduled.append)
    turn = [chat_row() for _ in range(3)]
    try:
        ids = [batches.add_now([row]) for row in turn]  # each at once, as in autocommit
        assert len(scheduled) == 1  # the turn's first row scheduled its commit
        assert visible(sender_db, turn) == [False] * 3  # nobody else sees them yet
        scheduled[0]()  # the loop's next turn
        assert visible(sender_db, turn) == [True] * 3
        assert ids == [[i] for i in await row_ids(sender_db, turn)]
        later = chat_row()
        batches.add_now([later])
        assert len(scheduled) == 2  # a new turn, a new commit
        batches.commit_turn()  # a socket is about to write: committed at once
        assert visible(sender_db, [later]) == [True]
        scheduled[1]()  # then the scheduled commit has nothing left
    finally:
        batches.close()
    assert await stored_ids(sender_db, [r.message_id for r in [*turn, later]]) == [
        r.message_id for r in [*turn, later]
    ]


async def test_a_repeat_in_a_turn_fails_alone_and_the_turn_is_committed_for_its_reader(
    sender_db: Database,
) -> None:
    """A repeated ``client_msg_id`` is refused alone; the turn's other rows stay and are
    committed at once, so that the gate's reader (another connection) finds the first."""
    batches = ChatBatches(sender_db)
    scheduled: list[Callable[[], None]] = []
    sharing(batches, scheduled.append)
    first, other, repeat = (
        chat_row(client_msg_id="c-1"),
        chat_row(client_msg_id="c-2"),
        chat_row(client_msg_id="c-1"),
    )
    try:
        batches.add_now([first])
        batches.add_now([other])
        with pytest.raises(DuplicateKey):
            batches.add_now([repeat])
        assert visible(sender_db, [first, other, repeat]) == [True, True, False]
        after = chat_row(client_msg_id="c-3")
        batches.add_now([after])  # the next row opens the next turn
        assert visible(sender_db, [after]) == [False]
        for commit in scheduled:
            commit()
        assert visible(sender_db, [after]) == [True]
        with pytest.raises(DuplicateKey):  # a turn's first row refused leaves nothing open
            batches.add_now([chat_row(client_msg_id="c-3")])
        assert not batches._turn
    finally:
        batches.close()


async def test_a_failed_turn_commit_is_stored_again_with_the_same_ids(
    sender_db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    batches = ChatBatches(sender_db)
    scheduled: list[Callable[[], None]] = []
    lost: list[list[NewChatMessage]] = []
    sharing(batches, scheduled.append, lost.append)
    turn = [chat_row(), chat_row(status="held")]
    real = ChatBatches._commit
    failures = iter([True])

    def commit_once_failing(self: ChatBatches, conn: sqlite3.Connection) -> None:
        if next(failures, False):
            conn.rollback()  # as SQLite does after an I/O error at COMMIT
            raise sqlite3.OperationalError("disk I/O error")
        real(self, conn)

    monkeypatch.setattr(ChatBatches, "_commit", commit_once_failing)
    try:
        ids = [batches.add_now([row]) for row in turn]
        scheduled[0]()
        assert lost == []
        assert ids == [[i] for i in await row_ids(sender_db, turn)]
    finally:
        batches.close()


async def test_a_turn_that_cannot_be_stored_is_reported_lost_before_anything_is_written(
    sender_db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Its commit and the retry fail: ``on_lost`` gets the turn's message ids (by
    default the process stops there); nothing of it is stored; the next turn is."""
    batches = ChatBatches(sender_db)
    scheduled: list[Callable[[], None]] = []
    lost: list[list[NewChatMessage]] = []
    sharing(batches, scheduled.append, lost.append)
    real = ChatBatches._commit

    def failing(self: ChatBatches, conn: sqlite3.Connection) -> None:
        raise sqlite3.OperationalError("database or disk is full")

    turn = [chat_row(), chat_row()]
    try:
        for row in turn:
            batches.add_now([row])
        monkeypatch.setattr(ChatBatches, "_commit", failing)
        batches.commit_turn()
        assert ids_of(lost) == [[r.message_id for r in turn]]
        monkeypatch.setattr(ChatBatches, "_commit", real)
        later = chat_row()
        batches.add_now([later])  # committed on its own: the last commit failed
        assert visible(sender_db, [later]) == [True]
    finally:
        batches.close()
    assert visible(sender_db, [*turn, later]) == [False, False, True]


MAX_PAGES = 1073741823
"""SQLite's default ``max_page_count``."""


def fill_the_file(batches: ChatBatches) -> Callable[[], None]:
    """SQLite's own "database or disk is full" for the loop's connections (the
    kept one, and those opened after a failure): no page more than the file has
    now (``max_page_count``). Returns what frees it."""
    cursor = batches._kept_cursor()
    pages = cursor.execute("PRAGMA page_count").fetchone()[0]
    limit = [pages]

    def limited(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.execute(f"PRAGMA max_page_count={limit[0]}")

    engine = batches._now
    assert engine is not None
    event.listen(engine, "connect", limited)
    cursor.execute(f"PRAGMA max_page_count={pages}")

    def free() -> None:
        limit[0] = MAX_PAGES
        batches._kept_cursor().execute(f"PRAGMA max_page_count={MAX_PAGES}")

    return free


async def test_turns_are_shared_only_after_a_commit_succeeded(sender_db: Database) -> None:
    """At first each row is committed at once (a node started on a full disk must
    refuse, not lose, its first turn); after one commit, a turn's rows wait for theirs."""
    batches = ChatBatches(sender_db)
    scheduled: list[Callable[[], None]] = []
    lost: list[list[NewChatMessage]] = []
    assert batches.share_turns(schedule=scheduled.append, on_lost=lost.append)
    first, second = chat_row(), chat_row()
    try:
        batches.add_now([first])
        assert visible(sender_db, [first]) == [True] and scheduled == []
        batches.add_now([second])
        assert visible(sender_db, [second]) == [False] and len(scheduled) == 1
        scheduled[0]()
        assert visible(sender_db, [second]) == [True]
    finally:
        batches.close()
    assert lost == []


async def test_a_full_file_refuses_each_row_and_loses_no_turn(sender_db: Database) -> None:
    """A file that cannot grow (SQLite's SQLITE_FULL, no mock) refuses the row that
    needs a page, before its message could enter a room: ``DatabaseUnavailable``,
    nothing lost; the rows after it are committed one by one (refused while the file
    stays full), and turns are shared again once one is stored."""
    batches = ChatBatches(sender_db)
    scheduled: list[Callable[[], None]] = []
    lost: list[list[NewChatMessage]] = []
    sharing(batches, scheduled.append, lost.append)
    big = "x" * 3000  # a page or so a row
    try:
        free = fill_the_file(batches)
        refused = 0
        stored: list[NewChatMessage] = []
        for _ in range(20):
            row = chat_row(text=big)
            try:
                batches.add_now([row])
            except DatabaseUnavailable:
                refused += 1
                continue
            stored.append(row)
        for commit in scheduled:  # one turn: the rows before a refusal were stored again
            commit()
        scheduled.clear()
        assert refused > 0 and stored
        assert lost == []
        assert visible(sender_db, stored) == [True] * len(stored)
        # Refused ones are refused at once, each on its own (no turn open).
        assert not batches._turn and not batches._turns
        free()
        again = chat_row(text=big)
        batches.add_now([again])
        assert visible(sender_db, [again]) == [True]  # committed on its own
        shared = chat_row()
        batches.add_now([shared])
        assert visible(sender_db, [shared]) == [False]  # in a shared turn again
        for commit in scheduled:
            commit()
        assert visible(sender_db, [shared]) == [True]
    finally:
        batches.close()
    assert lost == []


async def test_after_a_failed_turn_commit_rows_are_committed_one_by_one_until_one_succeeds(
    sender_db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Even when the retry stored the turn: the next row's commit is awaited (it
    fails alone, as a refusal, if the database still fails), and the one after
    a success shares a turn again."""
    batches = ChatBatches(sender_db)
    scheduled: list[Callable[[], None]] = []
    lost: list[list[NewChatMessage]] = []
    sharing(batches, scheduled.append, lost.append)
    real = ChatBatches._commit
    failures = iter([True])

    def commit_once_failing(self: ChatBatches, conn: sqlite3.Connection) -> None:
        if next(failures, False):
            conn.rollback()
            raise sqlite3.OperationalError("disk I/O error")
        real(self, conn)

    monkeypatch.setattr(ChatBatches, "_commit", commit_once_failing)
    turn, after, shared = chat_row(), chat_row(), chat_row()
    try:
        batches.add_now([turn])
        scheduled[0]()  # failed, stored again
        assert visible(sender_db, [turn]) == [True] and lost == []
        batches.add_now([after])
        assert visible(sender_db, [after]) == [True] and len(scheduled) == 1
        batches.add_now([shared])
        assert visible(sender_db, [shared]) == [False] and len(scheduled) == 2
        scheduled[1]()
        assert visible(sender_db, [shared]) == [True]
    finally:
        batches.close()


async def test_a_locked_file_at_a_turns_first_row_takes_the_patient_path(
    sender_db: Database,
) -> None:
    batches = ChatBatches(sender_db)
    sharing(batches, lambda _: None)
    path = sender_db.engine.url.database
    assert path is not None
    other = sqlite3.connect(path, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    row = chat_row()
    try:
        assert batches.add_now([row]) is None  # nothing open, nothing waited for
        assert not batches._turn
        adding = asyncio.create_task(batches.add([row]))
        await asyncio.sleep(0.05)
        assert not adding.done()  # the thread waits for the lock
        other.execute("COMMIT")
        assert await adding == await row_ids(sender_db, [row])
    finally:
        other.close()
        batches.close()


@pytest.mark.parametrize("frame_first", [True, False])
async def test_a_turns_rows_are_committed_before_the_engine_writes_a_frame(
    sender_db: Database, writers: Writers, frame_first: bool
) -> None:
    """Through the writer and the engine's hook: the sender's store returns in its turn,
    and when the turn's frames reach the transport, the row is already committed
    (whether the flush or the commit was scheduled first)."""
    from server.realtime.engine import FrameBatch, SocketOutbox, text_frame

    writer = writers()
    batch = FrameBatch()
    lost: list[list[NewChatMessage]] = []
    assert writer.share_turns(batch.before_writes, on_lost=lost.append) is not None
    await writer.store(chat_row())  # committed on its own: then turns are shared
    row = chat_row()
    seen: list[bool] = []

    class Transport:
        def write(self, data: bytes) -> None:
            seen.append(visible(sender_db, [row])[0])

        def is_closing(self) -> bool:
            return False

        def get_write_buffer_size(self) -> int:
            return 0

    box = SocketOutbox(
        max_buffered_bytes=1 << 20, max_queued_packets=10, on_overflow=lambda: None, batch=batch
    )
    box.attach(Transport(), direct=True)  # type: ignore[arg-type]
    frame = text_frame('42["chat.message_posted"]')
    if frame_first:  # the flush runs before the turn's own commit: the hook commits
        box.send_frame(frame, None)  # type: ignore[arg-type]
    await writer.store(row)  # inline: no await suspends
    box.send_frame(frame, None)  # type: ignore[arg-type]
    assert visible(sender_db, [row]) == [False]
    await asyncio.sleep(0)
    assert seen == [True]  # one write (both frames), after the commit
    assert lost == []


def test_a_lost_turn_stops_the_process_at_once_by_default() -> None:
    """``stop_now``: the process exits with ``EXIT_STORE_LOST`` right there (nothing
    after it runs: no frame of the turn can be written), logging only ids."""
    import subprocess
    import sys

    from storage.chat_batches import EXIT_STORE_LOST

    code = (
        "from storage.chat_batches import stop_now\n"
        "from tests.unit.moderation.chat.rows import chat_row\n"
        "stop_now([chat_row(), chat_row()])\n"
        "print('still running')\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == EXIT_STORE_LOST
    assert "still running" not in done.stdout
