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
through the driver: one prepared INSERT ... RETURNING per row (the driver
caches it; the columns' SQLAlchemy type conversions are looked up once)
and a commit, nothing to wait for. SQLAlchemy's Connection.execute of the
same bulk insert took 0.5 ms for one row, this 0.17 ms (2026-11-29, load
6), most of it the commit. Its
connection's busy timeout is 0, so the loop never waits for another
writer's lock: a batch that finds the file locked runs instead on this
module's thread with the usual busy timeout. ``add_now`` is that in-loop
write on its own, for a caller that cannot afford even one await (the
writer, when idle, stores a message without a task or a future). (A commit that fills the WAL
also checkpoints it, in the loop: a few ms, once per some thousands of
messages.) On PostgreSQL (asyncpg, no thread) a batch is an ordinary named
transaction.

Either way a batch commits or fails whole, with the errors of
``Database.transaction``: ``DuplicateKey`` for a unique key,
``DatabaseUnavailable`` for an outage.
"""

from __future__ import annotations

import asyncio
import sqlite3
import time
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Dialect, Engine, PoolProxiedConnection, create_engine, event
from sqlalchemy.exc import DBAPIError, IntegrityError, InterfaceError, OperationalError

from .database import Database, _on_sqlite_connect
from .errors import DatabaseUnavailable, DuplicateKey
from .records_moderation import ChatMessageRecord, NewChatMessage
from .repositories.moderation import inserted_messages, new_message_rows
from .tables.moderation import ChatMessage

TRANSACTION = "moderation.chat_post"


SQLITE_BUSY = 5
"""SQLite's primary result code for "another connection holds the lock"."""


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
        self._insert: _RowInsert | None = None
        self._patient: Engine | None = None
        self._thread: ThreadPoolExecutor | None = None
        self._locked = False
        """The last ``add_now`` found the file locked (nothing stored, nothing to report)."""
        if db.dialect == "sqlite":
            url = db.engine.url.set(drivername="sqlite")
            self._now = create_engine(url, pool_size=1, pool_reset_on_return=None)
            self._insert = _RowInsert(self._now.dialect)
            event.listen(self._now, "connect", _on_sqlite_connect)
            event.listen(self._now, "connect", _never_wait)
            self._patient = create_engine(url)
            event.listen(self._patient, "connect", _on_sqlite_connect)
            self._thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="chat-batches")

    async def add(self, news: Sequence[NewChatMessage]) -> list[ChatMessageRecord]:
        """Store ``news`` in one transaction, in this order.

        Raises:
            DuplicateKey: One of them reused its participant's ``client_msg_id``
                (or named a user that is gone): nothing was stored.
            DatabaseUnavailable: The database could not be reached: nothing was stored.
        """
        if not news:
            return []
        if self._patient is None or self._insert is None:
            async with self._db.transaction(TRANSACTION) as uow:
                return await uow.moderation.add_messages(news)
        stored = self.add_now(news)
        if stored is not None:
            return stored
        loop = asyncio.get_running_loop()
        with self._observed():
            stored = await loop.run_in_executor(
                self._thread, _insert, self._patient, self._insert, news
            )
        return stored

    def add_now(self, news: Sequence[NewChatMessage]) -> list[ChatMessageRecord] | None:
        """Store ``news`` in one transaction right now, without yielding to the
        event loop, when that can be done: on SQLite, unless another writer holds
        the file's lock. None: nothing was stored, ``add`` must do it.

        Raises:
            DuplicateKey, DatabaseUnavailable: As ``add`` (nothing was stored).
        """
        if self._now is None:
            return None
        with self._observed():
            try:
                return self._insert_now(news)
            except sqlite3.OperationalError as exc:
                if exc.sqlite_errorcode != SQLITE_BUSY:
                    raise
                self._locked = True
        return None

    @contextmanager
    def _observed(self) -> Iterator[None]:
        """Maps the driver's errors to storage's and reports the transaction's
        time (a lock that sent the batch elsewhere is no failure and no report)."""
        started = time.perf_counter()
        self._locked = False
        ok = False
        try:
            yield
            ok = True
        except (IntegrityError, sqlite3.IntegrityError) as exc:
            raise DuplicateKey("this already exists") from exc
        except (
            OperationalError,
            InterfaceError,
            sqlite3.OperationalError,
            sqlite3.InterfaceError,
            OSError,
        ) as exc:
            raise DatabaseUnavailable("the database is unavailable; try again shortly") from exc
        except DBAPIError as exc:
            if exc.connection_invalidated:
                raise DatabaseUnavailable("the database connection was lost") from exc
            raise
        finally:
            if not self._locked:
                self._db.observe(TRANSACTION, time.perf_counter() - started, ok)

    def close(self) -> None:
        """Release the thread and the synchronous engines' connections (after the last batch)."""
        if self._conn is not None:
            self._conn.close()
            self._conn = None
        if self._thread is not None:
            self._thread.shutdown(wait=True)
        for engine in (self._now, self._patient):
            if engine is not None:
                engine.dispose()

    def _insert_now(self, news: Sequence[NewChatMessage]) -> list[ChatMessageRecord]:
        """The whole transaction, in the event loop, on the kept connection (a
        connection that failed is closed, and the next batch opens another)."""
        assert self._now is not None and self._insert is not None
        if self._conn is None:
            self._conn = self._now.raw_connection()
        try:
            return _insert_on(self._conn.driver_connection, self._insert, news)
        except BaseException:
            self._conn.close()
            self._conn = None
            raise


class _RowInsert:
    """chat_messages' INSERT ... RETURNING id for the driver, with each
    column's conversion (SQLAlchemy's bind processor for this dialect)."""

    def __init__(self, dialect: Dialect) -> None:
        columns = [c for c in ChatMessage.__table__.columns if not c.primary_key]
        self._names = tuple(c.name for c in columns)
        self._processors = tuple(
            c.type.dialect_impl(dialect).bind_processor(dialect) for c in columns
        )
        self.sql = (
            f"INSERT INTO {ChatMessage.__tablename__} ({', '.join(self._names)}) "
            f"VALUES ({', '.join('?' for _ in columns)}) RETURNING id"
        )

    def parameters(self, row: dict[str, Any]) -> tuple[Any, ...]:
        """The statement's parameters for one row (``new_message_rows``)."""
        return tuple(
            row[name] if process is None else process(row[name])
            for name, process in zip(self._names, self._processors, strict=True)
        )


def _insert(
    engine: Engine, insert: _RowInsert, news: Sequence[NewChatMessage]
) -> list[ChatMessageRecord]:
    """The whole transaction, on one of ``engine``'s connections."""
    conn = engine.raw_connection()
    try:
        return _insert_on(conn.driver_connection, insert, news)
    finally:
        conn.close()


def _insert_on(
    conn: Any, insert: _RowInsert, news: Sequence[NewChatMessage]
) -> list[ChatMessageRecord]:
    """One transaction of ``news`` on a driver (``sqlite3``) connection:
    committed, or rolled back."""
    cursor = conn.cursor()
    try:
        if not conn.in_transaction:
            cursor.execute("BEGIN")
        returned: list[tuple[str, int]] = []
        for new, row in zip(news, new_message_rows(news), strict=True):
            cursor.execute(insert.sql, insert.parameters(row))
            returned.append((new.message_id, cursor.fetchone()[0]))
        conn.commit()
    except BaseException:
        conn.rollback()
        raise
    finally:
        cursor.close()
    return inserted_messages(news, returned)


def _never_wait(dbapi_connection: Any, _record: Any) -> None:
    """Fail at once (``SQLITE_BUSY``) rather than block the event loop for a lock."""
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA busy_timeout=0")
    cursor.close()
