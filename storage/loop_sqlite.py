"""The event loop's own synchronous SQLite connection, for statements too short
to be worth a trip to aiosqlite's thread.

A few hot statements (storing a chat message, reading a connection's
admission) run right in the event loop on a kept synchronous connection to
the database file, with ``Database``'s pragmas. Its busy timeout is 0: when
another connection holds the lock the statement fails at once with
``SQLITE_BUSY`` (``is_busy``) instead of blocking the loop, and the caller
takes its patient path (a thread, or the async engine).
"""

from __future__ import annotations

import sqlite3
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.exc import DBAPIError

from .database import Database, _on_sqlite_connect

SQLITE_BUSY = 5
"""SQLite's primary result code for "another connection holds the lock"."""


def loop_engine(db: Database) -> Engine:
    """A one-connection synchronous engine on ``db``'s SQLite file that never waits for a lock."""
    engine = create_engine(
        db.engine.url.set(drivername="sqlite"), pool_size=1, pool_reset_on_return=None
    )
    event.listen(engine, "connect", _on_sqlite_connect)
    event.listen(engine, "connect", _never_wait)
    return engine


def is_busy(exc: BaseException) -> bool:
    """Whether ``exc`` (the driver's, perhaps wrapped by SQLAlchemy) is a ``SQLITE_BUSY``
    (its extended codes included: a lock held during recovery or by a snapshot)."""
    cause = exc.orig if isinstance(exc, DBAPIError) else exc
    return (
        isinstance(cause, sqlite3.OperationalError)
        and getattr(cause, "sqlite_errorcode", None) is not None
        and cause.sqlite_errorcode & 0xFF == SQLITE_BUSY
    )


def _never_wait(dbapi_connection: Any, _record: Any) -> None:
    """Fail at once (``SQLITE_BUSY``) rather than block the event loop for a lock."""
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA busy_timeout=0")
    cursor.close()
