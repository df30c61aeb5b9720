"""A connection's admission read, on SQLite right in the event loop: ``EntryReads``.

Every new realtime connection reads its account, room, membership and ban
in one statement (``SqlRoomRepo.find_entry``). Through the async engine on
SQLite that one statement is still a transaction of about six round trips
to aiosqlite's thread (connection, execute, fetch, close, commit, the
pool's reset), and each waits for a turn of an event loop that is busy
with the other connections' handshakes; the pool's few connections then
cap how many admissions run at once. With 200 clients connecting at a
time, that was most of a connection's wall time.

So on SQLite the statement runs in the event loop on a kept synchronous
connection to the same file (the pragmas of ``Database``'s connections),
in autocommit mode, compiled once and run straight through the driver:
one ``SELECT`` is its own read transaction, one snapshot, and in WAL mode
it never waits for a writer. Its busy timeout
is 0, so the loop never blocks on the file's lock in the rare cases where
a reader would (WAL recovery): such a read goes through the async engine
instead, as on PostgreSQL (asyncpg, no thread), where it is an ordinary
named transaction.

Nothing is cached: each call reads the rows as they are now, so whatever a
revocation, a removal or a ban committed holds for the next connection.
"""

from __future__ import annotations

import sqlite3
import time
from contextlib import suppress
from typing import Any

from sqlalchemy import Engine, PoolProxiedConnection, create_engine, event
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError

from protocol.ids import RoomId, UserId

from .database import Database, _on_sqlite_connect
from .errors import DatabaseUnavailable
from .records_rooms import RoomEntryRecord
from .repositories.rooms import ENTRY, entry_record

TRANSACTION = "rooms.entry"
READ_BY = frozenset({"user_id", "room_id"})
"""``ENTRY``'s parameters (its other binds are constants of the statement)."""

SQLITE_BUSY = 5
"""SQLite's primary result code for "another connection holds the lock"."""


def _never_wait(dbapi_connection: Any, _record: Any) -> None:
    """Fail at once (``SQLITE_BUSY``) rather than block the event loop."""
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA busy_timeout=0")
    cursor.close()


def _busy(exc: BaseException) -> bool:
    """Whether ``exc`` (the driver's, perhaps wrapped by SQLAlchemy) is SQLITE_BUSY."""
    cause = exc.orig if isinstance(exc, DBAPIError) else exc
    return (
        isinstance(cause, sqlite3.OperationalError)
        and getattr(cause, "sqlite_errorcode", None) is not None
        and cause.sqlite_errorcode & 0xFF == SQLITE_BUSY
    )


class EntryReads:
    """Reads what admitting one account to one room needs (see the module docstring).

    Args:
        db: The database (its URL, dialect and transaction observer).
    """

    def __init__(self, db: Database) -> None:
        self._db = db
        self._engine: Engine | None = None
        self._conn: PoolProxiedConnection | None = None
        """The loop's own connection, kept open between reads (``_engine``'s only one)."""
        self._sql = ""
        self._params: list[tuple[str | None, Any]] = []
        """Each ``?`` of ``_sql``: the name of a caller's value, or None and a constant."""
        if db.dialect == "sqlite":
            url = db.engine.url.set(drivername="sqlite")
            self._engine = create_engine(url, pool_size=1, pool_reset_on_return=None)
            event.listen(self._engine, "connect", _on_sqlite_connect)
            event.listen(self._engine, "connect", _never_wait)
            # Compiled once; run straight through the driver: SQLAlchemy's
            # execution of a cached statement was twice the statement's own time.
            compiled = ENTRY.compile(dialect=self._engine.dialect)
            constants = compiled.construct_params(dict.fromkeys(READ_BY, ""))
            self._sql = str(compiled)
            self._params = [
                (name, None) if name in READ_BY else (None, constants[name])
                for name in compiled.positiontup or ()
            ]

    async def find(self, user_id: UserId, room_id: RoomId) -> RoomEntryRecord | None:
        """``SqlRoomRepo.find_entry``, read now (None: the account is gone).

        Raises:
            DatabaseUnavailable: The database could not be read.
        """
        if self._engine is not None:
            read, found = self._find_now(user_id, room_id)
            if read:
                return found
        async with self._db.transaction(TRANSACTION) as uow:
            return await uow.rooms.find_entry(user_id, room_id)

    def _find_now(self, user_id: UserId, room_id: RoomId) -> tuple[bool, RoomEntryRecord | None]:
        """The read in the loop: (True, what ``find`` answers), or (False, None)
        when the file is locked (read it through the async engine then). A
        connection that failed is closed, and the next read opens another."""
        assert self._engine is not None
        started = time.perf_counter()
        values = {"user_id": user_id, "room_id": room_id}
        args = [values[name] if name is not None else constant for name, constant in self._params]
        try:
            if self._conn is None:
                self._conn = self._engine.raw_connection()
                driver = self._conn.driver_connection
                assert driver is not None
                # Autocommit: the SELECT is its own read transaction, one snapshot.
                driver.isolation_level = None
            row = self._conn.cursor().execute(self._sql, args).fetchone()
        except BaseException as exc:
            self._drop()
            if _busy(exc):
                return False, None
            self._db.observe(TRANSACTION, time.perf_counter() - started, False)
            if isinstance(exc, (OperationalError, InterfaceError, sqlite3.Error, OSError)):
                raise DatabaseUnavailable("the database is unavailable; try again shortly") from exc
            raise
        self._db.observe(TRANSACTION, time.perf_counter() - started, True)
        return True, (None if row is None else entry_record(user_id, row))

    def _drop(self) -> None:
        if self._conn is not None:
            conn, self._conn = self._conn, None
            # A broken connection may fail to close; it is gone either way.
            with suppress(Exception):
                conn.close()

    def close(self) -> None:
        """Release the kept connection (when the node stops)."""
        self._drop()
        if self._engine is not None:
            self._engine.dispose()
