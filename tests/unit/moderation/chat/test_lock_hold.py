"""No teacher's action calls the room's store while its transaction is open.

A transaction that writes holds SQLite's write lock (PostgreSQL: its rows)
until it ends; a round trip to the room's store inside it (a Redis call on
several nodes) held every other writer back for as long. Each action is run
with the database's transactions and the room store's calls watched.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager

import pytest

from moderation.chat import PolicyChanges
from protocol.events.chat import ReportReason
from protocol.events.moderation import ModerationReason
from storage import UnitOfWork
from tests.unit.moderation.chat.harness import ModeratedRooms, Seat
from tests.unit.moderation.chat.test_queue import CLEAN_TEXT, HELD_TEXT

Action = Callable[[ModeratedRooms, Seat, Seat], Awaitable[object]]
REASON = ModerationReason.OTHER


async def approve(rooms: ModeratedRooms, teacher: Seat, kid: Seat) -> object:
    held = await rooms.services.chat.send(kid.actor, HELD_TEXT, None)
    async with watched(rooms) as inside:
        await rooms.moderation.queue.approve(teacher.actor, held.message_id, "edited")
    return inside


async def reject(rooms: ModeratedRooms, teacher: Seat, kid: Seat) -> object:
    held = await rooms.services.chat.send(kid.actor, HELD_TEXT, None)
    async with watched(rooms) as inside:
        await rooms.moderation.queue.reject(teacher.actor, held.message_id, REASON)
    return inside


async def delete(rooms: ModeratedRooms, teacher: Seat, kid: Seat) -> object:
    sent = await rooms.services.chat.send(kid.actor, CLEAN_TEXT, None)
    async with watched(rooms) as inside:
        await rooms.moderation.sanctions.delete(teacher.actor, sent.message_id, REASON)
    return inside


async def clear(rooms: ModeratedRooms, teacher: Seat, kid: Seat) -> object:
    await rooms.services.chat.send(kid.actor, CLEAN_TEXT, None)
    async with watched(rooms) as inside:
        await rooms.moderation.sanctions.clear(teacher.actor, REASON)
    return inside


async def mute(rooms: ModeratedRooms, teacher: Seat, kid: Seat) -> object:
    async with watched(rooms) as inside:
        await rooms.moderation.sanctions.mute(teacher.actor, kid.actor.participant_id, 60, REASON)
    return inside


async def policy(rooms: ModeratedRooms, teacher: Seat, kid: Seat) -> object:
    async with watched(rooms) as inside:
        await rooms.moderation.sanctions.set_policy(teacher.actor, PolicyChanges(locked=True))
    return inside


async def report_and_resolve(rooms: ModeratedRooms, teacher: Seat, kid: Seat) -> object:
    sent = await rooms.services.chat.send(teacher.actor, CLEAN_TEXT, None)
    reports = rooms.moderation.reports
    async with watched(rooms) as inside:
        report_id = await reports.report(kid.actor, sent.message_id, ReportReason.OTHER)
        await reports.list_reports(teacher.actor)
        await reports.resolve(teacher.actor, report_id, "dismissed")
    return inside


@asynccontextmanager
async def watched(rooms: ModeratedRooms) -> AsyncIterator[list[str]]:
    """Yields the room store calls made while a transaction was open (and
    checks that some transaction and some room store call were made)."""
    inside: list[str] = []
    opened: list[str] = []
    seen: list[str] = []
    db, store = rooms.db, rooms.store
    real_transaction = db.transaction
    real = {name: getattr(store, name) for name in ("commit", "redact", "load", "load_fields")}

    @asynccontextmanager
    async def transaction(name: str) -> AsyncIterator[UnitOfWork]:
        async with real_transaction(name) as uow:
            opened.append(name)
            try:
                yield uow
            finally:
                opened.remove(name)
        seen.append(name)

    def watching(name: str) -> Callable[..., Awaitable[object]]:
        async def call(*args: object, **kwargs: object) -> object:
            if opened:
                inside.append(f"{name} inside {opened}")
            seen.append(name)
            return await real[name](*args, **kwargs)

        return call

    with pytest.MonkeyPatch.context() as patched:
        patched.setattr(db, "transaction", transaction)
        for name in real:
            patched.setattr(store, name, watching(name))
        yield inside
    assert any(name.startswith("moderation.") for name in seen)
    assert "commit" in seen


@pytest.mark.parametrize(
    "action", [approve, reject, delete, clear, mute, policy, report_and_resolve]
)
async def test_no_room_store_call_while_a_transaction_is_open(
    rooms: ModeratedRooms, action: Action
) -> None:
    teacher = await rooms.seat_teacher()
    kid = await rooms.seat_pupil()
    assert await action(rooms, teacher, kid) == []
