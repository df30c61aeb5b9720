"""Decisions the room heard and the database did not store: every reader settles them.

Two defects of the settling that ``test_told_once`` does not reach:

* a transcript exported while such a decision was unstored read the rows as
  they were: the message still waiting, so an approved message the whole room
  saw was missing from the transcript (``Transcripts.export`` now runs
  ``decision.settle_session`` first; its reader need not be in the room);
* settling was all or nothing: the first decision that could not be stored
  (here, one row's update always fails) stopped the loop, so the others stayed
  waiting; now each is tried, and the read still fails after them.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from community import Principal
from moderation.chat.decision import MARK, ROOM_FIELD, STORED
from moderation.chat.transcript import pupil_label
from protocol.api.accounts import AccountKind, AccountStatus
from protocol.ids import MessageId, SchoolId
from rooms import chat as room_chat
from storage import DatabaseUnavailable
from storage.repositories.moderation import SqlModerationRepo
from tests.unit.moderation.chat.harness import ModeratedRooms, Seat
from tests.unit.moderation.chat.test_queue import HELD_TEXT, history_states, stored
from tests.unit.moderation.chat.test_sanctions import audit_actions
from tests.unit.moderation.chat.test_told_once import (
    EDITED,
    Decide,
    approve,
    decided_unstored,
    edit,
    fail_storing_once,
    mark,
    posted_count,
    reject,
)

SHOWN: dict[Decide, tuple[str, str | None, bool]] = {
    approve: ("posted", HELD_TEXT, False),
    edit: ("posted", EDITED, True),
    reject: ("rejected", None, False),
}


async def transcript_of(rooms: ModeratedRooms, principal: Principal) -> list[tuple[Any, ...]]:
    transcript = await rooms.moderation.transcripts.export(
        principal, rooms.room, await rooms.session_id()
    )
    return [(line.author, line.state, line.text, line.edited) for line in transcript.lines]


def absent_teacher(person: Any) -> Principal:
    """A teacher of the project who is not in the room (the transcript comes over HTTP)."""
    school = person.member.school_id or SchoolId("school-a")
    return Principal(person.user_id, AccountKind.TEACHER, AccountStatus.VALIDATED, school, "FR")


def test_the_export_reads_the_marks_where_the_room_keeps_them() -> None:
    # settle_session reads the room's fields directly (no ChatRoom for an absent reader)
    assert ROOM_FIELD == room_chat.MARK + MARK


@pytest.mark.parametrize("first", [approve, edit, reject])
async def test_a_transcript_shows_a_decision_the_room_heard_but_the_database_did_not_store(
    rooms: ModeratedRooms, monkeypatch: pytest.MonkeyPatch, first: Decide
) -> None:
    (teacher, _colleague, kid, other), sent = await decided_unstored(rooms, monkeypatch, first)
    status, text, edited = SHOWN[first]
    label = pupil_label(kid.person.member.display_name)
    shown = [(label, "posted", text, edited)] if status == "posted" else []
    outside = absent_teacher(await rooms.teacher())

    assert await transcript_of(rooms, outside) == shown

    # Stored as the room heard it, audited once by the teacher who decided, told nothing again.
    assert await stored(rooms.db, sent) == (status, text)
    decided = [
        actor
        for action, actor, _ in await audit_actions(rooms.db, rooms.project)
        if action.startswith("chat.message_")
    ]
    assert decided == [teacher.person.user_id]
    assert posted_count(await rooms.store.since(rooms.room, 0), sent) == len(shown)
    # The next present reader finds it stored, shortens the mark, and agrees.
    assert await history_states(rooms, other) == [(s, t) for _, s, t, _ in shown]
    assert await mark(rooms, sent) == STORED
    assert await transcript_of(rooms, teacher.principal) == shown


async def test_a_transcript_that_cannot_store_a_heard_decision_fails_and_the_next_one_stores_it(
    rooms: ModeratedRooms, monkeypatch: pytest.MonkeyPatch
) -> None:
    (teacher, _colleague, kid, _other), sent = await decided_unstored(rooms, monkeypatch, approve)
    fail_storing_once(rooms.db, monkeypatch)
    with pytest.raises(DatabaseUnavailable):
        await transcript_of(rooms, teacher.principal)  # never one leaving it out
    label = pupil_label(kid.person.member.display_name)
    assert await transcript_of(rooms, teacher.principal) == [(label, "posted", HELD_TEXT, False)]
    assert await stored(rooms.db, sent) == ("posted", HELD_TEXT)


async def test_a_transcript_of_a_session_with_nothing_pending_reads_as_before(
    rooms: ModeratedRooms,
) -> None:
    teacher = await rooms.seat_teacher()
    kid = await rooms.seat_pupil()
    held = await rooms.services.chat.send(kid.actor, HELD_TEXT, None)
    await rooms.services.chat.send(kid.actor, "hello", None)
    label = pupil_label(kid.person.member.display_name)
    assert await transcript_of(rooms, teacher.principal) == [(label, "posted", "hello", False)]
    assert await stored(rooms.db, held.message_id) == ("held", HELD_TEXT)


# -- one message that cannot be settled does not keep the others waiting ----------------


async def two_decided_unstored(
    rooms: ModeratedRooms, monkeypatch: pytest.MonkeyPatch
) -> tuple[Seat, Seat, Seat, list[MessageId]]:
    """A teacher's approvals of two held messages, heard by the room and not stored."""
    teacher = await rooms.seat_teacher()
    kid = await rooms.seat_pupil()
    other = await rooms.seat_pupil()
    sent = [(await rooms.services.chat.send(kid.actor, HELD_TEXT, None)).message_id for _ in "ab"]
    for message_id in sent:
        failed = fail_storing_once(rooms.db, monkeypatch)
        with pytest.raises(DatabaseUnavailable):
            await approve(rooms, teacher, message_id)
        assert failed
    for message_id in sent:
        assert await stored(rooms.db, message_id) == ("held", HELD_TEXT)
    return teacher, kid, other, sent


def never_storing(monkeypatch: pytest.MonkeyPatch, message_id: str) -> None:
    """Make every update of ``message_id``'s decision fail (the others are stored)."""
    real = SqlModerationRepo.decide_held

    async def decide_held(self: SqlModerationRepo, held_id: str, **options: Any) -> bool:
        if held_id == message_id:
            raise DatabaseUnavailable("this row cannot be updated")
        return await real(self, held_id, **options)

    monkeypatch.setattr(SqlModerationRepo, "decide_held", decide_held)


Read = Callable[[ModeratedRooms, Seat, Seat, Seat], Any]


async def read_history(rooms: ModeratedRooms, teacher: Seat, kid: Seat, other: Seat) -> Any:
    return await history_states(rooms, other)


async def list_queue(rooms: ModeratedRooms, teacher: Seat, kid: Seat, other: Seat) -> Any:
    return await rooms.moderation.queue.list_held(teacher.actor)


async def export(rooms: ModeratedRooms, teacher: Seat, kid: Seat, other: Seat) -> Any:
    return await transcript_of(rooms, teacher.principal)


@pytest.mark.parametrize("read", [read_history, list_queue, export])
@pytest.mark.parametrize("stuck", [0, 1])
async def test_one_decision_that_cannot_be_stored_does_not_keep_the_others_waiting(
    rooms: ModeratedRooms, monkeypatch: pytest.MonkeyPatch, read: Read, stuck: int
) -> None:
    teacher, kid, other, sent = await two_decided_unstored(rooms, monkeypatch)
    never_storing(monkeypatch, sent[stuck])

    with pytest.raises(DatabaseUnavailable):
        await read(rooms, teacher, kid, other)

    free = sent[1 - stuck]
    assert await stored(rooms.db, free) == ("posted", HELD_TEXT)
    if read is not export:  # an export leaves the marks to the next present reader
        assert await mark(rooms, free) == STORED
    assert await stored(rooms.db, sent[stuck]) == ("held", HELD_TEXT)
    assert await mark(rooms, sent[stuck]) not in (None, STORED)  # still to be stored
    monkeypatch.undo()
    assert await history_states(rooms, other) == [("posted", HELD_TEXT)] * 2
