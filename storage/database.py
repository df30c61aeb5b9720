"""The database: one engine, named transactions, and one place that maps outages.

SQLite (aiosqlite) is the embedded default and PostgreSQL (asyncpg) the
production database; the code above this module cannot tell them apart.
Every transaction has a name (``"accounts.register"``) so that logs and
metrics can say which one was slow or failed, in the manner of Synapse's
``runInteraction``.
"""

from __future__ import annotations

import logging
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any, Literal

from sqlalchemy import event, text
from sqlalchemy.exc import (
    DBAPIError,
    DisconnectionError,
    IntegrityError,
    InterfaceError,
    InvalidatePoolError,
    OperationalError,
)
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from .errors import DatabaseUnavailable, DuplicateKey
from .search.mirror_sync import MirrorSync
from .unit_of_work import UnitOfWork

logger = logging.getLogger(__name__)

Dialect = Literal["sqlite", "postgresql"]
TransactionObserver = Callable[[str, float, bool], None]
"""Called after each transaction with its name, duration in seconds and success."""

SQLITE_BUSY_TIMEOUT_MS = 5000


def _on_sqlite_connect(dbapi_connection: Any, _record: Any) -> None:
    # WAL lets readers run beside the one writer; foreign keys are off by
    # default in SQLite and we rely on them for cascades.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()
    # SQLite's own lower() folds ASCII only ("École" stays "École"), while
    # PostgreSQL's folds every letter: use Python's, so that case-insensitive
    # searches find the same rows on both engines.
    dbapi_connection.create_function("lower", 1, _unicode_lower, deterministic=True)


def _unicode_lower(value: object) -> object:
    return value.lower() if isinstance(value, str) else value


_FRESH = "jumelage.fresh"
"""Set in a pool record's ``info`` when its connection has just been made."""


def _on_postgres_connect(_dbapi_connection: Any, record: Any) -> None:
    # A connection just made has answered: its first checkout needs no ping
    # (as with pool_pre_ping). The record's info is cleared when it is invalidated.
    record.info[_FRESH] = True


def _ping_on_checkout(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
    """Check that a pooled PostgreSQL connection still answers, in one round trip.

    SQLAlchemy's ``pool_pre_ping`` on asyncpg sends three (``BEGIN``, ``;``,
    ``ROLLBACK``: a transaction for PgBouncer's transaction mode), three of a
    partner search's five round trips. ``SELECT 1`` in the simple query
    protocol is one round trip, needs no prepared statement and runs in no
    transaction, so it is as safe behind PgBouncer.

    A connection found closed (the server restarted, or ended the backend)
    invalidates the whole pool, as a failed pre-ping does: its other
    connections are as dead, and each is replaced when next checked out. A
    ping failing on a connection that is still open replaces that one only.
    Either way the pool makes a new connection and hands it out, so the
    transaction sees no error unless the database cannot be reached at all.
    """
    if record.info.pop(_FRESH, False):
        return
    try:
        dbapi_connection.run_async(_ping)
    except Exception as exc:
        if dbapi_connection.driver_connection.is_closed():
            logger.info("database connection lost (%s); reconnecting", type(exc).__name__)
            raise InvalidatePoolError("the connection was closed") from exc
        logger.warning("database connection did not answer a ping (%s)", type(exc).__name__)
        raise DisconnectionError("the connection did not answer a ping") from exc


async def _ping(driver: Any) -> None:
    # Not ";": asyncpg fails on the empty query's answer in the simple protocol.
    await driver.execute("SELECT 1")


class Database:
    """Owns the engine; hands out units of work.

    Args:
        url: An SQLAlchemy async URL (``sqlite+aiosqlite:///...`` or
            ``postgresql+asyncpg://...``).
        pool_size: Connections kept open to PostgreSQL.
        observer: Told of every transaction's name, duration and outcome.
    """

    def __init__(
        self,
        url: str,
        *,
        pool_size: int = 10,
        echo: bool = False,
        observer: TransactionObserver | None = None,
    ) -> None:
        self.dialect: Dialect = "sqlite" if url.startswith("sqlite") else "postgresql"
        kwargs: dict[str, Any] = {"echo": echo}
        if self.dialect == "postgresql":
            kwargs.update(pool_size=pool_size, max_overflow=pool_size)
        self.engine: AsyncEngine = create_async_engine(url, **kwargs)
        if self.dialect == "sqlite":
            event.listen(self.engine.sync_engine, "connect", _on_sqlite_connect)
        else:
            # Instead of pool_pre_ping: the same check in one round trip.
            event.listen(self.engine.sync_engine, "connect", _on_postgres_connect)
            event.listen(self.engine.sync_engine, "checkout", _ping_on_checkout)
        self._sessions = async_sessionmaker(self.engine, expire_on_commit=False)
        self._observer = observer
        self._search_mirror = MirrorSync()
        """This node's copy of the search documents, shared by its transactions."""

    @asynccontextmanager
    async def transaction(self, name: str) -> AsyncIterator[UnitOfWork]:
        """Run one named transaction; commit on success, roll back on error.

        Raises:
            DuplicateKey: A unique constraint refused a write.
            DatabaseUnavailable: The database could not be reached.
        """
        started = time.perf_counter()
        ok = False
        try:
            async with self._sessions() as session, session.begin():
                yield UnitOfWork(session, self.dialect, self._search_mirror)
            ok = True
        except IntegrityError as exc:
            raise DuplicateKey("this already exists") from exc
        except (OperationalError, InterfaceError) as exc:
            logger.warning("database unavailable in transaction %s: %s", name, type(exc).__name__)
            raise DatabaseUnavailable("the database is unavailable; try again shortly") from exc
        except DBAPIError as exc:
            if exc.connection_invalidated:
                raise DatabaseUnavailable("the database connection was lost") from exc
            raise
        except OSError as exc:
            raise DatabaseUnavailable("the database is unavailable; try again shortly") from exc
        finally:
            if self._observer is not None:
                self._observer(name, time.perf_counter() - started, ok)

    def observe(self, name: str, seconds: float, ok: bool) -> None:
        """Tell the observer of a transaction run outside ``transaction`` (see
        ``storage.chat_batches``)."""
        if self._observer is not None:
            self._observer(name, seconds, ok)

    async def ping(self) -> None:
        """Check that the database answers.

        Raises:
            DatabaseUnavailable: It does not.
        """
        try:
            async with self.engine.connect() as conn:
                await conn.execute(text("SELECT 1"))
        except (DBAPIError, OSError) as exc:
            raise DatabaseUnavailable("the database is unavailable") from exc

    def session(self) -> AsyncSession:
        """A bare session, for migrations and maintenance tools only."""
        return self._sessions()

    async def close(self) -> None:
        """Close every pooled connection."""
        await self.engine.dispose()
