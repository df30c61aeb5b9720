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

from sqlalchemy import Engine, PoolProxiedConnection
from sqlalchemy.exc import InterfaceError, OperationalError

from protocol.ids import RoomId, UserId

from .database import Database
from .errors import DatabaseUnavailable
from .loop_sqlite import is_busy, loop_engine
from .records_rooms import RoomEntryRecord
from .repositories.rooms import ENTRY, entry_record

TRANSACTION = "rooms.entry"
READ_BY = frozenset({"user_id", "room_id"})
"""``ENTRY``'s parameters (its other binds are constants of the statement)."""


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
            self._engine = loop_engine(db)
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
            if is_busy(exc):
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
