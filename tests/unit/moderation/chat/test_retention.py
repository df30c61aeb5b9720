"""Retention: each school's chat goes its number of days after the session, once."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import pytest
from sqlalchemy import text as sql

from cluster.memory import InMemoryRateLimiter
from community import Principal
from moderation.chat import ChatModerationSettings
from protocol.api.accounts import AccountKind, AccountStatus
from protocol.errors import Forbidden
from protocol.ids import SchoolId, UserId
from storage import Database
from storage.tables.accounts import School
from tests.fakes.clock import FakeClock
from tests.unit.moderation.chat.harness import ModeratedRooms
from tests.unit.rooms.harness import SCHOOL_A, SCHOOL_B

DAY_S = 24 * 3600
SECRET = "my secret plans for saturday"


def school_admin(school_id: SchoolId) -> Principal:
    return Principal(
        UserId("admin-" + school_id),
        AccountKind.TEACHER,
        AccountStatus.VALIDATED,
        school_id,
        "FR",
        is_school_admin=True,
    )


async def add_school(db: Database, school_id: SchoolId) -> None:
    async with db.transaction("test.school") as uow:
        uow.session.add(
            School(
                id=school_id, name=school_id, country_code="FR", city="Lyon",
                school_type="primary", age_min=6, age_max=11, languages=["fr"],
                created_at=datetime.now(UTC),
            )
        )  # fmt: skip


async def texts_stored(db: Database) -> list[str | None]:
    async with db.transaction("test.texts") as uow:
        rows = await uow.session.execute(sql("SELECT text FROM chat_messages ORDER BY id"))
        return [row[0] for row in rows]


async def a_session(rooms: ModeratedRooms) -> None:
    """A session with one message from a pupil of each school, then its end."""
    teacher = await rooms.seat_teacher()
    for school in (SCHOOL_A, SCHOOL_B):
        kid = await rooms.seat_pupil(school)
        await rooms.services.chat.send(kid.actor, f"{SECRET} from {school}", None)
    await rooms.services.sessions.end(teacher.actor)


@pytest.fixture
async def rooms(db: Database, clock: FakeClock) -> AsyncIterator[ModeratedRooms]:
    settings = ChatModerationSettings(retention_days=30, purge_batch=1)
    harness = ModeratedRooms(db, clock, settings=settings)
    await harness.start()
    yield harness
    await harness.close()


async def test_each_school_keeps_its_own_number_of_days_and_the_purge_is_idempotent(
    rooms: ModeratedRooms, caplog: pytest.LogCaptureFixture
) -> None:
    await add_school(rooms.db, SCHOOL_B)
    retention = rooms.moderation.retention
    assert await retention.set_school_days(school_admin(SCHOOL_B), SCHOOL_B, 7) == (7, False)
    assert await retention.school_days(school_admin(SCHOOL_A), SCHOOL_A) == (30, True)
    await a_session(rooms)
    assert len(await texts_stored(rooms.db)) == 2

    rooms.clock.advance(6 * DAY_S)
    assert (await retention.purge()).messages == 0
    rooms.clock.advance(2 * DAY_S)
    with caplog.at_level(logging.INFO, logger="moderation.chat.retention"):
        first = await retention.purge()
    assert first.messages == 1
    assert await texts_stored(rooms.db) == [f"{SECRET} from {SCHOOL_A}"]
    assert "chat retention purge" in caplog.text
    assert SECRET not in caplog.text
    assert (await retention.purge()).messages == 0

    rooms.clock.advance(23 * DAY_S)
    assert (await retention.purge()).messages == 1
    assert await texts_stored(rooms.db) == []
    again = await retention.purge()
    assert (again.messages, again.held_content) == (0, 0)


async def test_a_session_never_recorded_as_ended_goes_a_longest_session_later(
    rooms: ModeratedRooms,
) -> None:
    teacher = await rooms.seat_teacher()
    kid = await rooms.seat_pupil()
    await rooms.services.chat.send(kid.actor, "hello", None)
    del teacher  # the node "crashed": the session has no end
    rooms.clock.advance(30 * DAY_S + 1)
    assert (await rooms.moderation.retention.purge()).messages == 0
    rooms.clock.advance(rooms.moderation_settings.max_session_s)
    assert (await rooms.moderation.retention.purge()).messages == 1


async def test_the_purge_runs_once_per_period_in_the_cluster(
    db: Database, clock: FakeClock
) -> None:
    settings = ChatModerationSettings(purge_every_s=3600)
    shared = InMemoryRateLimiter(clock)
    node_a = ModeratedRooms(db, clock, settings=settings, limiter=shared)
    node_b = ModeratedRooms(db, clock, settings=settings, limiter=shared)
    ran = [await node.moderation.retention.purge_if_due() is not None for node in (node_a, node_b)]
    assert ran == [True, False]
    clock.advance(3601)
    assert await node_b.moderation.retention.purge_if_due() is not None
    for node in (node_a, node_b):
        await node.close()


async def test_only_a_schools_admins_set_its_retention(rooms: ModeratedRooms) -> None:
    with pytest.raises(Forbidden):
        await rooms.moderation.retention.set_school_days(school_admin(SCHOOL_A), SCHOOL_B, 5)


async def test_the_background_job_purges_at_start_and_stops_with_its_owner(
    rooms: ModeratedRooms,
) -> None:
    await a_session(rooms)
    rooms.clock.advance(31 * DAY_S)
    retention = rooms.moderation.retention
    async with retention.running():
        async with asyncio.timeout(5):
            while retention.runs == 0:  # noqa: ASYNC110 - polling a plain counter
                await asyncio.sleep(0.01)
    assert await texts_stored(rooms.db) == []
    runs = retention.runs
    await asyncio.sleep(0.05)
    assert retention.runs == runs
