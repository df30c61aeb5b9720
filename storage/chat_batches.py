"""Batches of chat messages written in one call: ``ChatBatches``.

The chat's writer (``moderation.chat.writer``) stores everything queued in
one transaction, and each sender's next command waits for it (a socket's
commands run one after another), so what counts is the commit's wall time.
Through the async engine on SQLite that transaction is six round trips to
aiosqlite's thread (cursor, execute, fetch, close, commit, the pool's
reset), each waiting for a turn of a busy event loop; on a thread of our
own, each of its GIL hand-offs waited up to the interpreter's 5 ms switch
interval. Either way a message's store took 5-20 ms of wall time under load
for well under 1 ms of work.

So on SQLite a batch is written right in the event loop, on a
synchronous engine's connection to the same file (the pragmas of
``Database``'s connections; WAL lets it write beside them), straight
through the driver: one prepared INSERT per row (the driver caches it;
its parameters come straight from the message, converted by SQLAlchemy
only where a column needs it, the id is the driver's ``lastrowid``; see
``_RowInsert``) and a commit, nothing to wait for. SQLAlchemy's
Connection.execute of the same bulk insert took 0.5 ms for one row, this
0.17 ms (2026-11-29, load 6), most of it the commit; then 78 -> 53 µs of
CPU on a quiet host without SQLAlchemy's conversion of every column, the
RETURNING and a context manager per message. A lone row is one INSERT in
autocommit mode (SQLite's implicit transaction, without BEGIN and COMMIT
statements of its own), and a batch gives back the rows' ids, not records:
only a held message needs its record (``stored_message``). Its
connection's busy timeout is 0, so the loop never waits for another
writer's lock: a batch that finds the file locked runs instead on this
module's thread with the usual busy timeout. ``add_now`` is that in-loop
write on its own, for a caller that cannot afford even one await (the
writer, when idle, stores a message without a task or a future). (A commit that fills the WAL
also checkpoints it, in the loop: a few ms, once per some thousands of
messages.) On PostgreSQL (asyncpg, no thread) a batch is an ordinary named
transaction.

On a single node, the lone rows of one turn of the event loop share one
transaction on the loop's connection (``ChatBatches.share_turns``): a
commit writes a WAL frame per page it touched, two ``pwrite``s each, and
the file's locks; shared by a turn's rows (4.6 on average under load) it
costs a row 24-28 µs of CPU instead of 42 (5-10 rows per commit, warm
micro-benchmark). The turn is committed before any of its frames leaves
the process, so nobody waits for it and nothing is seen before it is stored.
A turn is shared only while commits succeed: the node starts with awaited
commits (each lone row its own INSERT, committed before ``add_now``
returns), shares turns once one succeeded, and goes back to awaited commits
at the first failed turn commit, until one succeeds again. So a disk that
is full (or a file that cannot be written) refuses each message with
``DatabaseUnavailable`` before it enters a room, and costs at most the one
turn whose commit failed first (``share_turns``' ``on_lost``).

Either way a batch commits or fails whole, with the errors of
``Database.transaction``: ``DuplicateKey`` for a unique key,
``DatabaseUnavailable`` for an outage.
"""

from __future__ import annotations

import asyncio
import logging
import os
import sqlite3
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Dialect,
    Engine,
    FromClause,
    PoolProxiedConnection,
    create_engine,
    event,
)
from sqlalchemy.exc import DBAPIError, IntegrityError, InterfaceError, OperationalError

from .database import Database, _on_sqlite_connect
from .errors import DatabaseUnavailable, DuplicateKey
from .loop_sqlite import is_busy, loop_engine
from .records_moderation import ChatMessageRecord, NewChatMessage
from .repositories.moderation import inserted_messages
from .tables.moderation import ChatMessage

TRANSACTION = "moderation.chat_post"
EXIT_STORE_LOST = 75
"""The process's exit status when a turn's rows could not be stored after
their messages entered the rooms (``ChatBatches.share_turns``)."""

logger = logging.getLogger(__name__)


def stop_now(lost: Sequence[NewChatMessage]) -> None:
    """What a lost turn does by default: stop the process before any byte of it
    leaves (see ``ChatBatches.share_turns``)."""
    logger.critical(
        "a turn's chat rows could not be stored; stopping before anyone sees them",
        extra={"message_ids": [new.message_id for new in lost]},
    )
    logging.shutdown()
    os._exit(EXIT_STORE_LOST)


class ChatBatches:
    """Stores batches of chat messages (see the module docstring).

    Args:
        db: The database (its URL, dialect and transaction observer).
    """

    def __init__(self, db: Database) -> None:
        self._db = db
        self._now: Engine | None = None
        self._conn: PoolProxiedConnection | None = None
        """The loop's own connection, kept open between batches (``_now``'s only one)."""
        self._cursor: sqlite3.Cursor | None = None
        """A cursor of ``_conn``'s driver connection, kept with it (one per message cost
        a cursor object and the proxy's lookups of the driver connection)."""
        self._insert: _RowInsert | None = None
        self._turns = False
        """Rows of a loop's turn share one transaction now (``share_turns``; off
        until a commit succeeded, and again after a failed turn commit)."""
        self._sharing = False
        """``share_turns`` was asked for: ``_turns`` comes back on after a commit."""
        self._turn: list[tuple[NewChatMessage, int]] = []
        """The rows of the open turn, with their ids (for a retry)."""
        self._schedule: Callable[[Callable[[], None]], object] | None = None
        self._on_lost: Callable[[list[NewChatMessage]], None] = stop_now
        self._patient: Engine | None = None
        self._thread: ThreadPoolExecutor | None = None
        if db.dialect == "sqlite":
            self._now = loop_engine(db)
            self._insert = _RowInsert(self._now.dialect)
            self._patient = create_engine(self._now.url)
            event.listen(self._patient, "connect", _on_sqlite_connect)
            self._thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="chat-batches")

    def share_turns(
        self,
        *,
        schedule: Callable[[Callable[[], None]], object] | None = None,
        on_lost: Callable[[list[NewChatMessage]], None] = stop_now,
    ) -> bool:
        """Let the lone rows of one turn of the event loop share a transaction
        (on SQLite; False, nothing changes, elsewhere).

        The first row of a turn opens a transaction on the loop's connection
        (BEGIN), the turn's other rows join it, and ``commit_turn`` commits it:
        scheduled at the first row (``schedule``, the running loop's
        ``call_soon`` by default), and called earlier by whoever is about to
        let a byte out of the process (the engine's ``FrameBatch.before_writes``).
        Nobody waits for it: a row's id is returned at once, as an autocommit
        INSERT's is, and the commit happens before any frame of that turn (the
        acknowledgement, the room's fan-out) is written. Only for a node whose
        frames all go through that engine (the in-process bus: with Redis
        another node could send a message before this commit), and a
        write lock held until the end of a turn, not beyond.

        Turns are shared only after a commit succeeded: until then, and from
        a failed turn commit until the next commit succeeds, each lone row is
        committed before ``add_now`` returns (autocommit, as without shared
        turns), so that a database that cannot be written refuses messages
        (``DatabaseUnavailable``, before they enter a room) instead of losing
        turn after turn, and a node restarted on a full disk does not stop
        again at its first message.

        A failed commit is retried once in a fresh transaction with the same
        row ids; if that fails too, the turn's messages are in the rooms but
        not stored, and ``on_lost`` is given their rows before anything is
        written (it must not raise). By default the process stops at once
        (``stop_now``): nothing of the turn left it, nobody was answered, and
        an in-process room state goes with it; the realtime layer passes one
        that takes the messages back from their rooms instead
        (``server.realtime.lost_turns``).
        """
        if self._now is None:
            return False
        self._sharing = True
        self._schedule = schedule
        self._on_lost = on_lost
        return True

    def commit_turn(self) -> None:
        """Commit the rows of the loop's current turn, if any (never raises: see
        ``share_turns`` for a commit that fails)."""
        rows = self._turn
        if not rows:
            return
        self._turn = []
        started = time.perf_counter()
        cursor = self._cursor
        try:
            assert cursor is not None
            self._commit(cursor.connection)
        except BaseException as exc:
            logger.warning(
                "a turn's chat commit failed (%s); storing its rows again, and"
                " committing each row on its own until a commit succeeds",
                type(exc).__name__,
                extra={"rows": len(rows)},
            )
            self._db.observe(TRANSACTION, time.perf_counter() - started, False)
            self._turns = False
            self._store_again(rows)
            return
        self._db.observe(TRANSACTION, time.perf_counter() - started, True)

    def _commit(self, conn: sqlite3.Connection) -> None:
        conn.commit()

    def _store_again(self, rows: list[tuple[NewChatMessage, int]]) -> None:
        """The rows of a turn whose commit failed, in a fresh transaction, with
        their ids; otherwise ``on_lost``."""
        assert self._insert is not None
        self._abandon_connection()
        try:
            cursor = self._kept_cursor()
            cursor.execute("BEGIN")
            sql = self._insert.sql_with_id
            for new, row_id in rows:
                cursor.execute(sql, (row_id, *self._insert.parameters(new)))
            self._commit(cursor.connection)
        except BaseException as exc:
            self._abandon_connection()
            logger.error("storing a turn's chat rows again failed: %s", type(exc).__name__)
            self._turns = False
            self._on_lost([new for new, _ in rows])
        else:
            self._db.observe(TRANSACTION, 0.0, True)

    async def add(self, news: Sequence[NewChatMessage]) -> list[int]:
        """Store ``news`` in one transaction, in this order; their row ids
        (``stored_message`` makes a record of one).

        Raises:
            DuplicateKey: One of them reused its participant's ``client_msg_id``
                (or named a user that is gone): nothing was stored.
            DatabaseUnavailable: The database could not be reached: nothing was stored.
        """
        if not news:
            return []
        if self._patient is None or self._insert is None:
            async with self._db.transaction(TRANSACTION) as uow:
                return [stored.id for stored in await uow.moderation.add_messages(news)]
        stored = self.add_now(news)
        if stored is not None:
            return stored
        loop = asyncio.get_running_loop()
        with self._observed():
            stored = await loop.run_in_executor(
                self._thread, _insert, self._patient, self._insert, news
            )
        self._turns = self._sharing
        return stored

    def add_now(self, news: Sequence[NewChatMessage]) -> list[int] | None:
        """Store ``news`` in one transaction right now, without yielding to the
        event loop, when that can be done: on SQLite, unless another writer holds
        the file's lock. None: nothing was stored, ``add`` must do it.

        Errors are mapped here rather than through ``_observed``: a context
        manager per message cost a few µs of a store's ~50.

        Raises:
            DuplicateKey, DatabaseUnavailable: As ``add`` (nothing was stored).
        """
        if self._now is None:
            return None
        started = time.perf_counter()
        try:
            stored = self._insert_now(news)
        except BaseException as exc:
            if is_busy(exc):
                return None
            self._db.observe(TRANSACTION, time.perf_counter() - started, False)
            mapped = _storage_error(exc)
            if mapped is None:
                raise
            raise mapped from exc
        if len(news) > 1 or not self._turns:  # a turn's commit is observed by ``commit_turn``
            self._db.observe(TRANSACTION, time.perf_counter() - started, True)
            # Committed: turns may be shared (again).
            self._turns = self._sharing
        return stored

    @contextmanager
    def _observed(self) -> Iterator[None]:
        """Maps the driver's errors to storage's and reports the transaction's time."""
        started = time.perf_counter()
        ok = False
        try:
            yield
            ok = True
        except BaseException as exc:
            mapped = _storage_error(exc)
            if mapped is None:
                raise
            raise mapped from exc
        finally:
            self._db.observe(TRANSACTION, time.perf_counter() - started, ok)

    def close(self) -> None:
        """Release the thread and the synchronous engines' connections (after the last batch)."""
        self.commit_turn()
        self._drop_connection()
        if self._thread is not None:
            self._thread.shutdown(wait=True)
        for engine in (self._now, self._patient):
            if engine is not None:
                engine.dispose()

    def _insert_now(self, news: Sequence[NewChatMessage]) -> list[int]:
        """The whole transaction, in the event loop, on the kept connection (a
        connection that failed is closed, and the next batch opens another).

        A lone row (nearly every store: the writer stores a row inline when
        idle) is one INSERT on the kept cursor, in SQLite's implicit
        transaction (see ``_insert_on``)."""
        assert self._insert is not None
        if len(news) == 1 and self._turns:
            return [self._add_to_turn(news[0])]
        # A batch is its own transaction: the turn's rows are committed first.
        self.commit_turn()
        cursor = self._kept_cursor()
        try:
            if len(news) == 1 and not cursor.connection.in_transaction:
                cursor.execute(self._insert.sql, self._insert.parameters(news[0]))
                return [_row_id(cursor)]
            return _insert_on(cursor.connection, self._insert, news)
        except BaseException:
            self._drop_connection()
            raise

    def _kept_cursor(self) -> sqlite3.Cursor:
        """The kept connection's cursor (the connection opened when there is none)."""
        cursor = self._cursor
        if cursor is None:
            assert self._now is not None
            self._conn = self._now.raw_connection()
            driver = self._conn.driver_connection
            assert driver is not None
            # The driver's own transaction handling off: a lone row's INSERT
            # is then its own transaction (see ``_insert_on``), and a turn's
            # BEGIN and COMMIT are ours.
            driver.isolation_level = None
            cursor = self._cursor = driver.cursor()
        return cursor

    def _add_to_turn(self, new: NewChatMessage) -> int:
        """One row in the turn's transaction (opened, and its commit scheduled,
        by the turn's first row); its id.

        A row a unique key refuses leaves the turn's other rows in place (SQLite
        undoes the statement alone); they are committed at once, so that the
        repeat's reader (another connection) finds the first row. A first row
        that finds the file locked leaves nothing open (``is_busy``: the
        caller takes the patient path). Any other failure of a later row may
        have rolled the turn back: its rows are stored again at once.
        """
        assert self._insert is not None
        cursor = self._kept_cursor()
        conn = cursor.connection
        first = not self._turn
        try:
            if first:
                if conn.in_transaction:  # left by a failure: start clean
                    conn.rollback()
                cursor.execute("BEGIN")
            cursor.execute(self._insert.sql, self._insert.parameters(new))
        except sqlite3.IntegrityError:
            if first:
                conn.rollback()
            else:
                self.commit_turn()
            raise
        except BaseException:
            rows, self._turn = self._turn, []
            self._turns = False
            if rows:
                self._store_again(rows)
            else:
                self._abandon_connection()
            raise
        row_id = _row_id(cursor)
        self._turn.append((new, row_id))
        if first:
            (self._schedule or asyncio.get_running_loop().call_soon)(self.commit_turn)
        return row_id

    def _abandon_connection(self) -> None:
        """Close the kept connection's driver connection, not only give it back to
        the pool (which keeps an open transaction as it is): whatever it had
        open is rolled back, and the next row opens a fresh one."""
        if self._cursor is not None:
            self._cursor.close()
            self._cursor = None
        if self._conn is not None:
            self._conn.invalidate()
        self._drop_connection()

    def _drop_connection(self) -> None:
        """Close the kept connection (after a failure, or at ``close``)."""
        if self._cursor is not None:
            self._cursor.close()
            self._cursor = None
        if self._conn is not None:
            self._conn.close()
            self._conn = None


_COLUMNS = (
    "message_id",
    "room_id",
    "session_id",
    "project_id",
    "school_id",
    "participant_id",
    "sender_user_id",
    "sender_role",
    "channel",
    "group_id",
    "peer_user_id",
    "peer_participant_id",
    "status",
    "text",
    "client_msg_id",
    "sent_at",
    "links_allowed",
    "edited",
    "hold_reason",
    "findings",
    "decided_by",
    "decided_at",
)
"""chat_messages' columns but ``id``, in the order ``_RowInsert.parameters``
gives them (``check_columns`` holds the table to it)."""


def check_columns(table: FromClause) -> None:
    """Refuse a table whose columns (but ``id``) are not ``_COLUMNS``, in order:
    ``_RowInsert`` writes its parameters in that order, so a column added,
    removed or moved must be written there too, not silently misaligned.

    Raises:
        RuntimeError: They differ.
    """
    names = tuple(c.name for c in table.columns if not c.primary_key)
    if names != _COLUMNS:
        raise RuntimeError(f"{table} has columns {names}, _RowInsert writes {_COLUMNS}")


class _RowInsert:
    """chat_messages' INSERT for the driver, and each row's parameters.

    A row's parameters come straight from the ``NewChatMessage``'s fields, in
    ``_COLUMNS``' order: only ``sent_at``, ``links_allowed`` and non-empty
    ``findings`` need SQLAlchemy's conversion (its bind processors for this
    dialect), and the columns every new row gives the same value (``edited``,
    empty ``findings``, ``decided_*``) are converted once, here, so the rows
    are those SQLAlchemy's own insert would store (running every column
    through it cost a third of the store). No RETURNING: ``id`` is the rowid,
    which the driver gives as ``lastrowid``.
    """

    def __init__(self, dialect: Dialect) -> None:
        table = ChatMessage.__table__
        check_columns(table)
        c = table.c
        self._sent_at = (
            _sqlite_utc_text if dialect.name == "sqlite" else _processor(c.sent_at, dialect)
        )
        self._links_allowed = _processor(c.links_allowed, dialect)
        self._findings = _processor(c.findings, dialect)
        self._edited = self._links_allowed(False)
        self._no_findings = self._findings(None)
        self._decided_by = _processor(c.decided_by, dialect)(None)
        self._decided_at = _processor(c.decided_at, dialect)(None)
        self.sql = (
            f"INSERT INTO {ChatMessage.__tablename__} ({', '.join(_COLUMNS)}) "
            f"VALUES ({', '.join('?' for _ in _COLUMNS)})"
        )
        self.sql_with_id = (
            f"INSERT INTO {ChatMessage.__tablename__} (id, {', '.join(_COLUMNS)}) "
            f"VALUES (?, {', '.join('?' for _ in _COLUMNS)})"
        )
        """The same with the row's id first (a turn stored again keeps its ids)."""

    def parameters(self, new: NewChatMessage) -> tuple[Any, ...]:
        """The statement's parameters for ``new``, in ``_COLUMNS``' order."""
        return (
            new.message_id,
            new.room_id,
            new.session_id,
            new.project_id,
            new.school_id,
            new.participant_id,
            new.sender_user_id,
            new.sender_role,
            new.channel,
            new.group_id,
            new.peer_user_id,
            new.peer_participant_id,
            new.status,
            new.text,
            new.client_msg_id,
            self._sent_at(new.sent_at),
            self._links_allowed(new.links_allowed),
            self._edited,
            new.hold_reason,
            self._findings([dict(f) for f in new.findings]) if new.findings else self._no_findings,
            self._decided_by,
            self._decided_at,
        )


def _processor(column: ColumnElement[Any], dialect: Dialect) -> Callable[[Any], Any]:
    """``column``'s bind processor for ``dialect`` (the identity when it has none)."""
    process = column.type.dialect_impl(dialect).bind_processor(dialect)
    return _same if process is None else process


def _same(value: Any) -> Any:
    return value


def _sqlite_utc_text(value: datetime) -> str:
    """``sent_at`` as SQLite keeps a ``UtcDateTime``: the text SQLAlchemy's
    processors make (UTC, ``YYYY-MM-DD HH:MM:SS.ffffff``, microseconds
    always), in one call instead of two processors and a format of seven
    fields (a message's ``sent_at`` is already UTC; ``test_chat_row_insert``
    holds the two to the same text).

    Raises:
        ValueError: A naive datetime (as ``UtcDateTime`` refuses it).
    """
    if value.tzinfo is not UTC:
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        value = value.astimezone(UTC)
    return value.isoformat(" ", "microseconds")[:26]


def _insert(engine: Engine, insert: _RowInsert, news: Sequence[NewChatMessage]) -> list[int]:
    """The whole transaction, on one of ``engine``'s connections."""
    conn = engine.raw_connection()
    try:
        return _insert_on(conn.driver_connection, insert, news)
    finally:
        conn.close()


def _insert_on(conn: Any, insert: _RowInsert, news: Sequence[NewChatMessage]) -> list[int]:
    """One transaction of ``news`` on a driver (``sqlite3``) connection:
    committed, or rolled back; the rows' ids.

    On a connection in autocommit mode (``isolation_level`` None: the loop's
    own) a lone row is one INSERT, SQLite's implicit transaction: no BEGIN
    and COMMIT statements around it."""
    cursor = conn.cursor()
    try:
        if len(news) == 1 and conn.isolation_level is None and not conn.in_transaction:
            cursor.execute(insert.sql, insert.parameters(news[0]))
            return [_row_id(cursor)]
        if not conn.in_transaction:
            cursor.execute("BEGIN")
        ids: list[int] = []
        for new in news:
            cursor.execute(insert.sql, insert.parameters(new))
            ids.append(_row_id(cursor))
        conn.commit()
    except BaseException:
        if conn.in_transaction:
            conn.rollback()
        raise
    finally:
        cursor.close()
    return ids


def _row_id(cursor: sqlite3.Cursor) -> int:
    """The rowid of the row ``cursor`` just inserted (always set after an INSERT)."""
    row_id = cursor.lastrowid
    assert row_id is not None
    return row_id


def stored_message(new: NewChatMessage, row_id: int) -> ChatMessageRecord:
    """The record of ``new``, stored as row ``row_id`` (without reading it back):
    built only for the messages that need one (a held message's view for
    teachers), not for every message stored."""
    return inserted_messages([new], [(new.message_id, row_id)])[0]


def _storage_error(exc: BaseException) -> Exception | None:
    """Storage's error for the driver's (or SQLAlchemy's) ``exc``, as
    ``Database.transaction`` maps them; None: ``exc`` is no database error."""
    if isinstance(exc, (IntegrityError, sqlite3.IntegrityError)):
        return DuplicateKey("this already exists")
    if isinstance(
        exc,
        (
            OperationalError,
            InterfaceError,
            sqlite3.OperationalError,
            sqlite3.InterfaceError,
            OSError,
        ),
    ):
        return DatabaseUnavailable("the database is unavailable; try again shortly")
    if isinstance(exc, DBAPIError) and exc.connection_invalidated:
        return DatabaseUnavailable("the database connection was lost")
    return None
