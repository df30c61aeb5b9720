"""A held message's decision, told once and stored as told, when storing it fails.

The window between telling the room and storing the decision is opened by
making the decision's database transaction fail at its end (its update and
audit insert run, then it rolls back), as a crash or a lost database would:
the room heard the decision, the database still says waiting. Whatever
comes next (the same teacher again, another teacher deciding otherwise, a
teacher reading the queue), no participant gets the message a second time,
and what is stored becomes what the room heard.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager

import pytest

from moderation.chat.errors import AlreadyDecided
from moderation.chat.queue import STORED, HeldQueue, mark_of
from protocol.events.moderation import ModerationReason
from protocol.ids import MessageId
from rooms.chat import MARK
from storage import Database, DatabaseUnavailable, UnitOfWork
from tests.contract.room_stores import open_stores
from tests.fakes.clock import FakeClock
from tests.services import require_redis
from tests.unit.moderation.chat.harness import POSTED, ModeratedRooms, Seat, data_of
from tests.unit.moderation.chat.test_queue import HELD_TEXT, history_states, stored
from tests.unit.moderation.chat.test_sanctions import audit_actions

DECIDE = "moderation.held_decide"
EDITED = "write to me"


def fail_storing_once(db: Database, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Make the next decision's transaction run, then fail instead of committing."""
    real = db.transaction
    failed: list[str] = []

    @asynccontextmanager
    async def transaction(name: str) -> AsyncIterator[UnitOfWork]:
        async with real(name) as uow:
            yield uow
            if name == DECIDE and not failed:
                failed.append(name)
                raise DatabaseUnavailable("the database went away at the commit")

    monkeypatch.setattr(db, "transaction", transaction)
    return failed


Decide = Callable[[ModeratedRooms, Seat, MessageId], Awaitable[object]]


async def approve(rooms: ModeratedRooms, seat: Seat, message_id: MessageId) -> object:
    return await rooms.moderation.queue.approve(seat.actor, message_id, None)


async def edit(rooms: ModeratedRooms, seat: Seat, message_id: MessageId) -> object:
    return await rooms.moderation.queue.approve(seat.actor, message_id, EDITED)


async def reject(rooms: ModeratedRooms, seat: Seat, message_id: MessageId) -> None:
    await rooms.moderation.queue.reject(seat.actor, message_id, ModerationReason.OTHER)


async def list_queue(rooms: ModeratedRooms, seat: Seat, message_id: MessageId) -> object:
    held = await rooms.moderation.queue.list_held(seat.actor)
    assert [m.message_id for m in held.messages] == []
    return held


async def seated(rooms: ModeratedRooms) -> tuple[Seat, Seat, Seat, Seat]:
    """Two teachers, the pupil who will send, and another pupil."""
    return (
        await rooms.seat_teacher(),
        await rooms.seat_teacher(),
        await rooms.seat_pupil(),
        await rooms.seat_pupil(),
    )


HEARD: dict[Decide, tuple[str, str | None]] = {
    approve: ("posted", HELD_TEXT),
    edit: ("posted", EDITED),
    reject: ("rejected", None),
}


@pytest.mark.parametrize("first", [approve, edit, reject])
@pytest.mark.parametrize("then", [approve, reject, list_queue])
@pytest.mark.parametrize("same_teacher", [True, False])
async def test_a_decision_whose_storing_failed_is_told_once_and_stored_as_told(
    rooms: ModeratedRooms,
    monkeypatch: pytest.MonkeyPatch,
    first: Decide,
    then: Decide,
    same_teacher: bool,
) -> None:
    teacher, colleague, kid, other = await seated(rooms)
    sent = await rooms.services.chat.send(kid.actor, HELD_TEXT, None)
    failed = fail_storing_once(rooms.db, monkeypatch)

    with pytest.raises(DatabaseUnavailable):
        await first(rooms, teacher, sent.message_id)
    assert failed
    status, text = HEARD[first]
    shown = [text] if status == "posted" else []
    # The room heard it; the database still has it waiting.
    assert rooms.texts_seen_by(other) == shown
    assert await stored(rooms.db, sent.message_id) == ("held", HELD_TEXT)

    if then is list_queue:
        await then(rooms, teacher if same_teacher else colleague, sent.message_id)
    else:
        with pytest.raises(AlreadyDecided):
            await then(rooms, teacher if same_teacher else colleague, sent.message_id)

    # Once, live and in the log a late joiner replays; stored as heard.
    for seat in (kid, other, teacher, colleague):
        assert rooms.texts_seen_by(seat) == shown
        resolved = data_of(rooms.seen_by(seat), "moderation.held_resolved")
        assert len(resolved) == (1 if seat in (teacher, colleague) else 0)
    logged = await rooms.store.since(rooms.room, 0)
    assert logged is not None
    posted = [e for e in logged if e.name == POSTED and sent.message_id in e.payload]
    assert len(posted) == len(shown)
    if status == "rejected":
        assert "tom.smith" not in str(logged)
    assert await stored(rooms.db, sent.message_id) == (status, text)
    late = await rooms.seat_pupil()
    assert await history_states(rooms, late) == ([(status, text)] if shown else [])
    # One audit entry, by the teacher the room heard.
    decided = [
        (action, actor)
        for action, actor, _ in await audit_actions(rooms.db, rooms.project)
        if action.startswith("chat.message_")
    ]
    actions: dict[Decide, str] = {approve: "chat.message_approved", edit: "chat.message_edited"}
    action = actions.get(first, "chat.message_rejected")
    assert decided == [(action, teacher.person.user_id)]
    assert await mark(rooms, sent.message_id) == STORED


async def mark(rooms: ModeratedRooms, message_id: str) -> str | None:
    """The decision's mark in the session's state, as stored."""
    view = await rooms.services.kernel.view(rooms.room)
    return view.raw.get(MARK + mark_of(message_id))


async def test_a_stored_decisions_mark_is_short_and_still_stops_a_second_telling(
    rooms: ModeratedRooms,
) -> None:
    teacher, colleague, kid, other = await seated(rooms)
    sent = await rooms.services.chat.send(kid.actor, HELD_TEXT, None)
    await rooms.moderation.queue.approve(teacher.actor, sent.message_id, EDITED)
    assert await mark(rooms, sent.message_id) == STORED
    for again in (approve, reject):
        with pytest.raises(AlreadyDecided):
            await again(rooms, colleague, sent.message_id)
    assert rooms.texts_seen_by(other) == [EDITED]
    assert await stored(rooms.db, sent.message_id) == ("posted", EDITED)


@pytest.mark.redis
async def test_on_redis_a_teacher_on_another_node_finds_the_decision_the_room_heard(
    db: Database, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The mark is in the shared room state: node B's teacher stores node A's decision."""
    async with open_stores(
        require_redis(), f"jumelage-test:{uuid.uuid4().hex}", log_capacity=200
    ) as stores:
        rooms = ModeratedRooms(db, clock, store=stores.a)
        await rooms.start()
        try:
            node_b = rooms.services_on(stores.b)
            queue_b = HeldQueue(db=db, rooms=node_b, clock=clock)
            teacher = await rooms.seat_teacher()
            colleague = await rooms.seat_teacher()
            kid = await rooms.seat_pupil()
            sent = await rooms.services.chat.send(kid.actor, HELD_TEXT, None)
            fail_storing_once(db, monkeypatch)
            with pytest.raises(DatabaseUnavailable):
                await rooms.moderation.queue.approve(teacher.actor, sent.message_id, EDITED)
            assert await stored(db, sent.message_id) == ("held", HELD_TEXT)

            with pytest.raises(AlreadyDecided):
                await queue_b.reject(colleague.actor, sent.message_id, ModerationReason.OTHER)
            assert await stored(db, sent.message_id) == ("posted", EDITED)
            logged = await stores.b.since(rooms.room, 0)
            assert logged is not None
            told = [e.name for e in logged if sent.message_id in e.payload]
            assert told.count(POSTED) == 1 and told.count("moderation.held_resolved") == 1
            assert "chat.message_declined" not in told
            assert (await queue_b.list_held(colleague.actor)).messages == []
        finally:
            await rooms.close()


async def test_on_each_database_a_refusal_after_an_approval_the_room_heard_stores_the_approval(
    database_url: str, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """SQLite and PostgreSQL: the guarded update and the audit follow the mark."""
    db = Database(database_url)
    rooms = ModeratedRooms(db, clock)
    await rooms.start()
    try:
        teacher, colleague, kid, other = await seated(rooms)
        sent = await rooms.services.chat.send(kid.actor, HELD_TEXT, None)
        fail_storing_once(db, monkeypatch)
        with pytest.raises(DatabaseUnavailable):
            await approve(rooms, teacher, sent.message_id)
        assert await stored(db, sent.message_id) == ("held", HELD_TEXT)
        with pytest.raises(AlreadyDecided):
            await reject(rooms, colleague, sent.message_id)
        assert await stored(db, sent.message_id) == ("posted", HELD_TEXT)
        assert rooms.texts_seen_by(other) == [HELD_TEXT]
        assert data_of(rooms.seen_by(kid), "chat.message_declined") == []
        actions = [(a, u) for a, u, _ in await audit_actions(db, rooms.project)]
        assert ("chat.message_approved", teacher.person.user_id) in actions
        assert "chat.message_rejected" not in [a for a, _ in actions]
    finally:
        await rooms.close()
        await db.close()
