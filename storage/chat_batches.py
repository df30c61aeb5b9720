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

So on SQLite a batch is written right in the event loop, through a
synchronous engine on the same file (the pragmas of ``Database``'s
connections; WAL lets it write beside them): one INSERT ... RETURNING and a
commit, about 0.3 ms plus tens of µs a row, nothing to wait for. Its
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
import time
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.exc import DBAPIError, IntegrityError, InterfaceError, OperationalError

from .database import Database, _on_sqlite_connect
from .errors import DatabaseUnavailable, DuplicateKey
from .records_moderation import ChatMessageRecord, NewChatMessage
from .repositories.moderation import insert_messages, inserted_messages

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
        self._conn: Connection | None = None
        """The loop's own connection, kept open between batches (``_now``'s only one)."""
        self._patient: Engine | None = None
        self._thread: ThreadPoolExecutor | None = None
        self._locked = False
        """The last ``add_now`` found the file locked (nothing stored, nothing to report)."""
        if db.dialect == "sqlite":
            url = db.engine.url.set(drivername="sqlite")
            self._now = create_engine(url, pool_size=1, pool_reset_on_return=None)
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
        if self._patient is None:
            async with self._db.transaction(TRANSACTION) as uow:
                return await uow.moderation.add_messages(news)
        stored = self.add_now(news)
        if stored is not None:
            return stored
        loop = asyncio.get_running_loop()
        with self._observed():
            stored = await loop.run_in_executor(self._thread, _insert, self._patient, news)
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
            except OperationalError as exc:
                if getattr(exc.orig, "sqlite_errorcode", None) != SQLITE_BUSY:
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
        except IntegrityError as exc:
            raise DuplicateKey("this already exists") from exc
        except (OperationalError, InterfaceError, OSError) as exc:
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
        assert self._now is not None
        if self._conn is None:
            self._conn = self._now.connect()
        try:
            with self._conn.begin():
                return _insert_on(self._conn, news)
        except BaseException:
            self._conn.close()
            self._conn = None
            raise


def _insert(engine: Engine, news: Sequence[NewChatMessage]) -> list[ChatMessageRecord]:
    """The whole transaction, on one of ``engine``'s connections."""
    with engine.begin() as conn:
        return _insert_on(conn, news)


def _insert_on(conn: Connection, news: Sequence[NewChatMessage]) -> list[ChatMessageRecord]:
    statement, rows = insert_messages(news)
    return inserted_messages(news, conn.execute(statement, rows))


def _never_wait(dbapi_connection: Any, _record: Any) -> None:
    """Fail at once (``SQLITE_BUSY``) rather than block the event loop for a lock."""
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA busy_timeout=0")
    cursor.close()
