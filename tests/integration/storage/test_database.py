"""``Database.transaction`` and the UTC column type on both engines, and outages."""

from __future__ import annotations

import asyncio
import socket
import threading
from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy.exc import StatementError

from protocol import ErrorCode, SchoolId
from storage import Database, DatabaseUnavailable

from .builders import NOW, add_school, school_fields


class Observed:
    """Records what the database tells its observer."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, float, bool]] = []

    def __call__(self, name: str, duration_s: float, ok: bool) -> None:
        self.calls.append((name, duration_s, ok))


async def test_commit_and_rollback_are_reported(database_url: str):
    observed = Observed()
    db = Database(database_url, observer=observed)
    try:
        school = await add_school(db)
        with pytest.raises(RuntimeError, match="boom"):
            async with db.transaction("test.fails") as uow:
                await uow.schools.add_school(
                    school_id=SchoolId("rolled-back"), now=NOW, **school_fields("Never")
                )
                raise RuntimeError("boom")
        async with db.transaction("test.read") as uow:
            assert await uow.schools.find_school(school.id) == school
            assert await uow.schools.find_school(SchoolId("rolled-back")) is None
    finally:
        await db.close()
    assert [(name, ok) for name, _, ok in observed.calls] == [
        ("test.add_school", True),
        ("test.fails", False),
        ("test.read", True),
    ]
    assert all(duration >= 0 for _, duration, _ in observed.calls)


@pytest.mark.parametrize(
    "written",
    [
        NOW,
        datetime(2026, 3, 29, 1, 59, 59, 999999, tzinfo=UTC),
        datetime(2026, 11, 29, 10, 30, tzinfo=timezone(timedelta(hours=1))),
        datetime(2026, 11, 29, 4, 0, 0, 1, tzinfo=timezone(timedelta(hours=-5, minutes=-30))),
    ],
)
async def test_utc_datetime_reads_back_aware_utc(db: Database, written: datetime):
    school = await add_school(db, now=written)
    async with db.transaction("test.read") as uow:
        read = await uow.schools.get_school(school.id)
    assert read.created_at == written
    assert read.created_at.utcoffset() == timedelta(0)
    assert read.created_at.tzinfo is UTC


async def test_a_naive_datetime_is_refused_and_nothing_is_written(db: Database):
    with pytest.raises(StatementError, match="naive datetime"):
        await add_school(db, name="Naive", now=datetime(2026, 11, 29, 9, 0))
    async with db.transaction("test.read") as uow:
        page = await uow.schools.list_schools(
            country_code=None, name_prefix=None, cursor=None, limit=10
        )
    assert page.items == ()


async def aiosqlite_threads_ended(before: set[threading.Thread]) -> None:
    """Wait, with the test's loop still open, for the aiosqlite threads started
    since ``before`` to end.

    When a connect fails, aiosqlite stops the connection's thread without
    waiting for it; on a busy host that thread may finish after pytest has
    closed the test's loop, and its call back into the closed loop then fails
    during whichever test runs next (seen once in CI).
    """
    for thread in set(threading.enumerate()) - before:
        if "_connection_worker_thread" in thread.name:
            await asyncio.to_thread(thread.join, 10)
            assert not thread.is_alive(), "an aiosqlite connection was left open"


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.mark.parametrize(
    "url",
    [
        pytest.param(
            lambda tmp: f"postgresql+asyncpg://postgres@127.0.0.1:{closed_port()}/test",
            id="postgres-closed-port",
        ),
        pytest.param(
            lambda tmp: f"sqlite+aiosqlite:///{tmp}/no/such/dir/db.sqlite3",
            id="sqlite-missing-directory",
        ),
    ],
)
async def test_an_unreachable_database_is_unavailable(url, tmp_path):
    observed = Observed()
    threads = set(threading.enumerate())
    db = Database(url(tmp_path), observer=observed)
    try:
        with pytest.raises(DatabaseUnavailable) as caught:
            async with db.transaction("test.unreachable") as uow:
                await uow.schools.find_school(SchoolId("x"))
        assert caught.value.code is ErrorCode.UNAVAILABLE
        with pytest.raises(DatabaseUnavailable):
            await db.ping()
    finally:
        await db.close()
        await aiosqlite_threads_ended(threads)
    assert [(name, ok) for name, _, ok in observed.calls] == [("test.unreachable", False)]
