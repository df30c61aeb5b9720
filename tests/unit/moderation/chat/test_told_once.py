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

from moderation.chat.decision import STORED, mark_of
from moderation.chat.errors import AlreadyDecided
from moderation.chat.history import ChatHistory
from moderation.chat.queue import HeldQueue
from protocol.errors import NotFound
from protocol.events.moderation import ModerationReason
from protocol.ids import MessageId
from rooms import RoomServices
from rooms.chat import MARK
from storage import Database, DatabaseUnavailable, UnitOfWork
from tests.contract.room_stores import Store, open_stores
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


Seats = tuple[Seat, Seat, Seat, Seat]


async def seated(rooms: ModeratedRooms) -> Seats:
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


@asynccontextmanager
async def on_two_nodes(
    db: Database, clock: FakeClock
) -> AsyncIterator[tuple[ModeratedRooms, Store, RoomServices]]:
    """Rooms on node A of a shared Redis room store; its node B and node B's services."""
    async with open_stores(
        require_redis(), f"jumelage-test:{uuid.uuid4().hex}", log_capacity=200
    ) as stores:
        rooms = ModeratedRooms(db, clock, store=stores.a)
        await rooms.start()
        try:
            yield rooms, stores.b, rooms.services_on(stores.b)
        finally:
            await rooms.close()


async def decided_unstored(
    rooms: ModeratedRooms, monkeypatch: pytest.MonkeyPatch, first: Decide
) -> tuple[Seats, MessageId]:
    """``seated``, and the first teacher's decision ``first`` on the sender's
    held message heard by the room and not stored."""
    seats = await seated(rooms)
    teacher, _colleague, kid, _other = seats
    sent = await rooms.services.chat.send(kid.actor, HELD_TEXT, None)
    failed = fail_storing_once(rooms.db, monkeypatch)
    with pytest.raises(DatabaseUnavailable):
        await first(rooms, teacher, sent.message_id)
    assert failed
    assert await stored(rooms.db, sent.message_id) == ("held", HELD_TEXT)
    return seats, sent.message_id


@pytest.mark.redis
async def test_on_redis_a_teacher_on_another_node_finds_the_decision_the_room_heard(
    db: Database, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The mark is in the shared room state: node B's teacher stores node A's decision."""
    async with on_two_nodes(db, clock) as (rooms, store_b, node_b):
        queue_b = HeldQueue(db=db, rooms=node_b, clock=clock)
        (_teacher, colleague, _kid, _other), sent = await decided_unstored(rooms, monkeypatch, edit)
        with pytest.raises(AlreadyDecided):
            await queue_b.reject(colleague.actor, sent, ModerationReason.OTHER)
        assert await stored(db, sent) == ("posted", EDITED)
        logged = await store_b.since(rooms.room, 0)
        assert logged is not None
        told = [e.name for e in logged if sent in e.payload]
        assert told.count(POSTED) == 1 and told.count("moderation.held_resolved") == 1
        assert "chat.message_declined" not in told
        assert (await queue_b.list_held(colleague.actor)).messages == []


async def test_on_each_database_a_refusal_after_an_approval_the_room_heard_stores_the_approval(
    database_url: str, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """SQLite and PostgreSQL: the guarded update and the audit follow the mark."""
    async with unstored_decision(database_url, clock, monkeypatch, approve) as (rooms, seats, sent):
        db = rooms.db
        teacher, colleague, kid, other = seats
        with pytest.raises(AlreadyDecided):
            await reject(rooms, colleague, sent)
        assert await stored(db, sent) == ("posted", HELD_TEXT)
        assert rooms.texts_seen_by(other) == [HELD_TEXT]
        assert data_of(rooms.seen_by(kid), "chat.message_declined") == []
        actions = [(a, u) for a, u, _ in await audit_actions(db, rooms.project)]
        assert ("chat.message_approved", teacher.person.user_id) in actions
        assert "chat.message_rejected" not in [a for a, _ in actions]


@asynccontextmanager
async def unstored_decision(
    database_url: str, clock: FakeClock, monkeypatch: pytest.MonkeyPatch, first: Decide
) -> AsyncIterator[tuple[ModeratedRooms, Seats, MessageId]]:
    """Rooms on ``database_url`` (and their ``seated`` seats) where the first
    teacher's decision ``first`` on the sender's held message was heard by
    the room and not stored."""
    db = Database(database_url)
    rooms = ModeratedRooms(db, clock)
    await rooms.start()
    try:
        seats, sent = await decided_unstored(rooms, monkeypatch, first)
        yield rooms, seats, sent
    finally:
        await rooms.close()
        await db.close()


async def history_of_each(
    rooms: ModeratedRooms, *seats: Seat
) -> list[list[tuple[str, str | None]]]:
    return [await history_states(rooms, seat) for seat in seats]


def posted_count(logged: object, message_id: str) -> int:
    assert isinstance(logged, list)
    return sum(1 for e in logged if e.name == POSTED and message_id in e.payload)


@pytest.mark.parametrize("first", [approve, edit, reject])
async def test_the_history_shows_a_decision_the_room_heard_but_the_database_did_not_store(
    rooms: ModeratedRooms, monkeypatch: pytest.MonkeyPatch, first: Decide
) -> None:
    """No teacher reads the queue afterwards: the sender, another pupil and a
    late joiner read the history, and see what the room heard."""
    (teacher, _colleague, kid, other), sent = await decided_unstored(rooms, monkeypatch, first)
    status, text = HEARD[first]
    shown = [("posted", text)] if status == "posted" else []

    late = await rooms.seat_pupil()
    assert await history_of_each(rooms, kid, other, late) == [shown, shown, shown]

    assert await stored(rooms.db, sent) == (status, text)
    assert await mark(rooms, sent) == STORED
    logged = await rooms.store.since(rooms.room, 0)
    assert posted_count(logged, sent) == len(shown)
    for seat in (kid, other, late, teacher):
        assert rooms.texts_seen_by(seat) == [text for _ in shown]
    decided = [
        (action, actor)
        for action, actor, _ in await audit_actions(rooms.db, rooms.project)
        if action.startswith("chat.message_")
    ]
    assert [actor for _, actor in decided] == [teacher.person.user_id]
    # The teachers' queue agrees, and reading again changes nothing.
    assert (await rooms.moderation.queue.list_held(teacher.actor)).messages == []
    assert await history_of_each(rooms, kid, other) == [shown, shown]
    assert posted_count(await rooms.store.since(rooms.room, 0), sent) == len(shown)


async def test_a_history_read_that_cannot_store_the_heard_decision_fails_and_the_next_one_stores_it(
    rooms: ModeratedRooms, monkeypatch: pytest.MonkeyPatch
) -> None:
    (_teacher, _colleague, kid, _other), sent = await decided_unstored(rooms, monkeypatch, approve)
    fail_storing_once(rooms.db, monkeypatch)
    with pytest.raises(DatabaseUnavailable):
        await history_states(rooms, kid)  # never a page showing it waiting
    assert await history_states(rooms, kid) == [("posted", HELD_TEXT)]
    assert await mark(rooms, sent) == STORED


async def test_a_heard_decision_on_a_message_gone_from_the_database_is_forgotten(
    rooms: ModeratedRooms, monkeypatch: pytest.MonkeyPatch
) -> None:
    (teacher, _colleague, _kid, other), sent = await decided_unstored(rooms, monkeypatch, approve)
    async with rooms.db.transaction("test.erase") as uow:
        await uow.moderation.remove_message(sent)
    assert await history_states(rooms, other) == []
    assert await mark(rooms, sent) == STORED
    with pytest.raises(NotFound):
        await reject(rooms, teacher, sent)


async def test_on_each_database_the_history_shows_the_approval_the_room_heard(
    database_url: str, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """SQLite and PostgreSQL: a pupil's history read stores it, once."""
    async with unstored_decision(database_url, clock, monkeypatch, edit) as (rooms, seats, sent):
        teacher, _colleague, kid, other = seats
        late = await rooms.seat_pupil()
        edited = [("posted", EDITED)]
        assert await history_of_each(rooms, kid, other, late) == [edited, edited, edited]
        assert await stored(rooms.db, sent) == ("posted", EDITED)
        assert posted_count(await rooms.store.since(rooms.room, 0), sent) == 1
        actions = [(a, u) for a, u, _ in await audit_actions(rooms.db, rooms.project)]
        assert actions.count(("chat.message_edited", teacher.person.user_id)) == 1


@pytest.mark.redis
async def test_on_redis_a_pupil_on_another_node_reads_the_decision_the_room_heard(
    db: Database, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The mark is in the shared room state: node B's history read stores node A's refusal."""
    async with on_two_nodes(db, clock) as (rooms, store_b, node_b):
        history_b = ChatHistory(
            db=db, rooms=node_b, queue=HeldQueue(db=db, rooms=node_b, clock=clock)
        )
        (_teacher, _colleague, kid, _other), sent = await decided_unstored(
            rooms, monkeypatch, reject
        )
        page = await history_b.page(kid.actor, None, 50)
        assert page.messages == []
        assert await stored(db, sent) == ("rejected", None)
        logged = await store_b.since(rooms.room, 0)
        assert logged is not None
        told = [e.name for e in logged if sent in e.payload]
        # Told once (resolved, declined), and the two waiting notices
        # rewritten as the same decision (no text left): nothing posted.
        decision = ["chat.message_declined", "moderation.held_resolved"]
        assert sorted(told) == sorted(decision * 2)
        assert "tom.smith" not in str(logged)
