"""A pooled PostgreSQL connection is checked in one round trip, and a dead one is replaced.

``Database`` pings a connection taken from the pool with one ``SELECT 1``
instead of SQLAlchemy's pre-ping (``BEGIN``, ``;``, ``ROLLBACK`` on asyncpg).
These tests end the pool's backends with ``pg_terminate_backend``, as a
restart of PostgreSQL would, and check that the next transactions run
without an error on new connections.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest
from sqlalchemy import event, text
from sqlalchemy.ext.asyncio import AsyncConnection

from storage import Database

pytestmark = pytest.mark.postgres


@pytest.fixture
def outcomes() -> list[bool]:
    """Whether each transaction of ``db`` succeeded, in order."""
    return []


@pytest.fixture
async def db(postgres_database: str, outcomes: list[bool]) -> AsyncIterator[Database]:
    database = Database(
        postgres_database, pool_size=2, observer=lambda _name, _s, ok: outcomes.append(ok)
    )
    try:
        yield database
    finally:
        await database.close()


class Calls:
    """Stands in for an asyncpg connection's protocol and records the calls
    that wait for the server (each is one round trip); fails the next
    ``fail`` of them with ``error``."""

    WAITING = frozenset({"query", "prepare", "bind_execute", "bind_execute_many", "bind"})

    def __init__(self, protocol: Any) -> None:
        self._protocol = protocol
        self.made: list[str] = []
        self.fail = 0

    def __getattr__(self, name: str) -> Any:
        attribute = getattr(self._protocol, name)
        if name not in self.WAITING:
            return attribute

        def call(*args: Any, **kwargs: Any) -> Any:
            self.made.append(name)
            if self.fail:
                self.fail -= 1
                raise RuntimeError("no answer")
            return attribute(*args, **kwargs)

        return call


def _record_calls(db: Database) -> list[Calls]:
    """Each new connection's ``Calls``, in the order they are made."""
    made: list[Calls] = []

    def install(dbapi_connection: Any, _record: Any) -> None:
        driver = dbapi_connection.driver_connection
        driver._protocol = Calls(driver._protocol)
        made.append(driver._protocol)

    event.listen(db.engine.sync_engine, "connect", install)
    return made


async def _backend(conn: AsyncConnection) -> int:
    return int((await conn.execute(text("SELECT pg_backend_pid()"))).scalar_one())


async def _terminate(url: str, pids: set[int]) -> None:
    """End these backends, as a restart would, and wait until they are gone."""
    admin = Database(url)
    try:
        async with admin.engine.connect() as conn:
            for pid in pids:
                ended = await conn.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
                assert ended.scalar_one()
            for _ in range(100):
                alive = await conn.execute(
                    text("SELECT count(*) FROM pg_stat_activity WHERE pid = ANY(:pids)"),
                    {"pids": sorted(pids)},
                )
                if alive.scalar_one() == 0:
                    return
                await asyncio.sleep(0.02)
        raise AssertionError(f"backends {pids} still alive")
    finally:
        await admin.close()


async def _two_backends(db: Database) -> set[int]:
    """Fill the pool with two connections and return their backends."""
    async with db.engine.connect() as first, db.engine.connect() as second:
        return {await _backend(first), await _backend(second)}


async def test_a_pooled_connection_is_checked_in_one_round_trip(db: Database) -> None:
    connections = _record_calls(db)
    async with db.engine.connect() as conn:
        (calls,) = connections
        assert calls.made == []  # a new connection is not pinged
        await conn.execute(text("SELECT 1"))
    calls.made.clear()
    async with db.engine.connect() as conn:
        assert calls.made == ["query"]  # SELECT 1 in the simple query protocol
    assert len(connections) == 1


async def test_a_connection_that_fails_its_ping_is_replaced(
    db: Database, outcomes: list[bool]
) -> None:
    connections = _record_calls(db)
    first = await _two_backends(db)
    for calls in connections:
        calls.fail = 1
    async with db.transaction("test.after") as uow:
        backend = int((await uow.session.execute(text("SELECT pg_backend_pid()"))).scalar_one())
    assert outcomes == [True]
    # The one taken failed its ping while open: it alone was replaced, the
    # other stays in the pool until its own checkout (which fails as well).
    assert backend not in first
    assert len(connections) == 3
    assert sorted(calls.fail for calls in connections) == [0, 0, 1]
    async with db.engine.connect() as one, db.engine.connect() as two:
        assert {await _backend(one), await _backend(two)}.isdisjoint(first)
    assert len(connections) == 4


async def test_terminated_backends_are_replaced_without_an_error(
    db: Database, outcomes: list[bool], postgres_database: str
) -> None:
    backends = await _two_backends(db)
    await _terminate(postgres_database, backends)

    async def read(name: str) -> int:
        async with db.transaction(name) as uow:
            return int((await uow.session.execute(text("SELECT pg_backend_pid()"))).scalar_one())

    first, second = await asyncio.gather(read("test.after.1"), read("test.after.2"))
    assert {first, second}.isdisjoint(backends)
    assert await read("test.after.3") in {first, second}
    assert outcomes == [True, True, True]


async def test_a_restart_while_idle_costs_no_transaction(
    db: Database, outcomes: list[bool], postgres_database: str
) -> None:
    # Every connection of the pool dies at once; transactions one after the
    # other each find one (the first invalidates the pool, the next replace).
    backends = await _two_backends(db)
    await _terminate(postgres_database, backends)
    seen: set[int] = set()
    for number in range(4):
        async with db.transaction(f"test.after.{number}") as uow:
            seen.add(int((await uow.session.execute(text("SELECT pg_backend_pid()"))).scalar_one()))
    assert seen.isdisjoint(backends)
    assert outcomes == [True] * 4
    await db.ping()
