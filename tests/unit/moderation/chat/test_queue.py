"""Held, approved, edited, rejected and refused messages, as each participant sees them.

Four viewers: the sender (a pupil), another pupil, a teacher, and a pupil who
joins afterwards and reads the history. What each one's connection received
live is replayed from the room's log through the audiences.
"""

from __future__ import annotations

import asyncio

import pytest

from cluster import ClusterUnavailable
from moderation import MessageRejected
from moderation.chat.errors import AlreadyDecided
from protocol.errors import ErrorCode, Forbidden, NotFound
from protocol.events.moderation import ModerationReason
from protocol.ids import MessageId
from storage import Database
from tests.fakes.clock import FakeClock
from tests.unit.moderation.chat.harness import POSTED, ModeratedRooms, Seat, data_of

HELD_TEXT = "my email is tom.smith@gmail.com"
CLEAN_TEXT = "hello from our class"


async def history_states(rooms: ModeratedRooms, seat: Seat) -> list[tuple[str, str | None]]:
    page = await rooms.moderation.history.page(seat.actor, None, 50)
    return [(m.state, m.text) for m in page.messages]


async def stored(db: Database, message_id: str) -> tuple[str, str | None]:
    async with db.transaction("test.stored") as uow:
        found = await uow.moderation.find_message(message_id)
    assert found is not None
    return found.status, found.text


class TestDelivered:
    async def test_a_clean_message_is_stored_before_the_answer_with_an_id_and_a_time(
        self, rooms: ModeratedRooms
    ) -> None:
        teacher = await rooms.seat_teacher()
        kid = await rooms.seat_pupil()
        outcome = await rooms.services.chat.send(kid.actor, CLEAN_TEXT, "c-1")
        assert outcome.seq is not None and not outcome.is_held
        assert await stored(rooms.db, outcome.message_id) == ("posted", CLEAN_TEXT)
        (posted,) = data_of(rooms.seen_by(teacher), POSTED)
        assert posted["message_id"] == outcome.message_id
        assert posted["sent_at"] and posted["seq"] == outcome.seq
        assert posted["client_msg_id"] == "c-1"

    async def test_a_refused_message_is_never_stored_nor_shown(
        self, rooms: ModeratedRooms, db: Database
    ) -> None:
        teacher = await rooms.seat_teacher()
        kid = await rooms.seat_pupil()
        rooms.collect()
        with pytest.raises(MessageRejected) as refused:
            await rooms.services.chat.send(kid.actor, "this is shit", None)
        assert refused.value.details["reason"] == "blocked_word"
        assert rooms.collect() == []
        assert await history_states(rooms, teacher) == []
        assert await history_states(rooms, kid) == []

    async def test_sending_again_with_the_same_client_id_makes_no_second_message(
        self, rooms: ModeratedRooms
    ) -> None:
        await rooms.seat_teacher()
        kid = await rooms.seat_pupil()
        first = await rooms.services.chat.send(kid.actor, CLEAN_TEXT, "same")
        rooms.collect()
        again = await rooms.services.chat.send(kid.actor, CLEAN_TEXT, "same")
        assert again.is_duplicate and again.message_id == first.message_id
        assert rooms.collect() == []
        assert len(await history_states(rooms, kid)) == 1


class TestHeld:
    async def test_held_approved_as_seen_by_everyone(self, rooms: ModeratedRooms) -> None:
        teacher = await rooms.seat_teacher()
        kid = await rooms.seat_pupil()
        other = await rooms.seat_pupil()
        outcome = await rooms.services.chat.send(kid.actor, HELD_TEXT, "k-1")
        assert outcome.is_held and outcome.seq is None

        # Waiting: the sender and the teachers know, the other pupil nothing.
        (waiting,) = data_of(rooms.seen_by(kid), "chat.message_held")
        assert waiting["reason"] == "personal_data" and waiting["client_msg_id"] == "k-1"
        (queued,) = data_of(rooms.seen_by(teacher), "moderation.message_held")
        assert queued["message"]["text"] == HELD_TEXT
        assert queued["message"]["findings"][0]["check"] == "personal_data"
        assert "tom.smith" not in str(queued["message"]["findings"])
        assert rooms.seen_by(other) == [e for e in rooms.seen_by(other) if "chat" not in e.name]
        assert await history_states(rooms, kid) == [("waiting", HELD_TEXT)]
        assert await history_states(rooms, other) == []
        assert await history_states(rooms, teacher) == []
        held = await rooms.moderation.queue.list_held(teacher.actor)
        assert [m.message_id for m in held.messages] == [outcome.message_id]

        approved = await rooms.moderation.queue.approve(teacher.actor, outcome.message_id, None)
        assert approved.seq is not None
        for seat in (kid, other, teacher):
            assert rooms.texts_seen_by(seat) == [HELD_TEXT]
        (resolved,) = data_of(rooms.seen_by(teacher), "moderation.held_resolved")
        assert resolved["outcome"] == "approved"
        late = await rooms.seat_pupil()
        for seat in (kid, other, teacher, late):
            assert await history_states(rooms, seat) == [("posted", HELD_TEXT)]
        assert await rooms.moderation.queue.list_held(teacher.actor) == type(held)(messages=[])

    async def test_edit_and_approve_delivers_the_teachers_text_marked_edited(
        self, rooms: ModeratedRooms
    ) -> None:
        teacher = await rooms.seat_teacher()
        kid = await rooms.seat_pupil()
        other = await rooms.seat_pupil()
        outcome = await rooms.services.chat.send(kid.actor, HELD_TEXT, None)
        await rooms.moderation.queue.approve(teacher.actor, outcome.message_id, "write to me")
        (posted,) = data_of(rooms.seen_by(other), POSTED)
        assert (posted["text"], posted["edited"]) == ("write to me", True)
        assert await stored(rooms.db, outcome.message_id) == ("posted", "write to me")
        page = await rooms.moderation.history.page((await rooms.seat_pupil()).actor, None, 10)
        assert [(m.text, m.edited) for m in page.messages] == [("write to me", True)]

    async def test_held_rejected_as_seen_by_everyone(self, rooms: ModeratedRooms) -> None:
        teacher = await rooms.seat_teacher()
        kid = await rooms.seat_pupil()
        other = await rooms.seat_pupil()
        outcome = await rooms.services.chat.send(kid.actor, HELD_TEXT, None)
        await rooms.moderation.queue.reject(
            teacher.actor, outcome.message_id, ModerationReason.PERSONAL_DATA
        )
        (declined,) = data_of(rooms.seen_by(kid), "chat.message_declined")
        assert declined["message_id"] == outcome.message_id
        assert data_of(rooms.seen_by(other), "chat.message_declined") == []
        for seat in (kid, other, teacher):
            assert rooms.texts_seen_by(seat) == []
        late = await rooms.seat_pupil()
        for seat in (kid, other, teacher, late):
            assert await history_states(rooms, seat) == []
        assert await stored(rooms.db, outcome.message_id) == ("rejected", None)
        # Nor does the room's log keep it: its waiting notices replay as the decision.
        logged = await rooms.store.since(rooms.room, 0)
        assert logged is not None and "tom.smith" not in str(logged)
        names = [(e.name, e.audience) for e in logged if outcome.message_id in e.payload]
        sender = f"user:{kid.person.user_id}"
        decision = [("moderation.held_resolved", "staff"), ("chat.message_declined", sender)]
        assert sorted(names[:2]) == sorted(decision) and names[2:] == decision

    async def test_two_teachers_deciding_at_once_one_wins(self, rooms: ModeratedRooms) -> None:
        first = await rooms.seat_teacher()
        second = await rooms.seat_teacher()
        kid = await rooms.seat_pupil()
        outcome = await rooms.services.chat.send(kid.actor, HELD_TEXT, None)
        await rooms.moderation.queue.approve(first.actor, outcome.message_id, None)
        with pytest.raises(AlreadyDecided) as late:
            await rooms.moderation.queue.reject(
                second.actor, outcome.message_id, ModerationReason.OTHER
            )
        assert late.value.code is ErrorCode.CONFLICT
        assert await stored(rooms.db, outcome.message_id) == ("posted", HELD_TEXT)

    async def test_a_decision_the_room_could_not_hear_is_undone_and_can_be_made_again(
        self, rooms: ModeratedRooms, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        teacher = await rooms.seat_teacher()
        kid = await rooms.seat_pupil()
        other = await rooms.seat_pupil()
        outcome = await rooms.services.chat.send(kid.actor, HELD_TEXT, None)
        working = rooms.store.commit

        async def unreachable(*args: object, **kwargs: object) -> list[int] | None:
            raise ClusterUnavailable("room state is unavailable")

        monkeypatch.setattr(rooms.store, "commit", unreachable)
        with pytest.raises(ClusterUnavailable):
            await rooms.moderation.queue.approve(teacher.actor, outcome.message_id, None)
        # Not posted behind the room's back: it still waits, nobody saw it.
        assert await stored(rooms.db, outcome.message_id) == ("held", HELD_TEXT)
        assert await history_states(rooms, other) == []
        assert rooms.texts_seen_by(other) == []
        held = await rooms.moderation.queue.list_held(teacher.actor)
        assert [m.message_id for m in held.messages] == [outcome.message_id]

        monkeypatch.setattr(rooms.store, "commit", working)
        await rooms.moderation.queue.approve(teacher.actor, outcome.message_id, None)
        assert rooms.texts_seen_by(other) == [HELD_TEXT]
        assert await history_states(rooms, other) == [("posted", HELD_TEXT)]

    @pytest.mark.parametrize("second_approves", [True, False])
    async def test_two_teachers_deciding_at_the_same_moment_tell_the_room_once(
        self, rooms: ModeratedRooms, second_approves: bool
    ) -> None:
        first = await rooms.seat_teacher()
        second = await rooms.seat_teacher()
        kid = await rooms.seat_pupil()
        other = await rooms.seat_pupil()
        outcome = await rooms.services.chat.send(kid.actor, HELD_TEXT, None)
        queue = rooms.moderation.queue
        rival = (
            queue.approve(second.actor, outcome.message_id, None)
            if second_approves
            else queue.reject(second.actor, outcome.message_id, ModerationReason.OTHER)
        )
        results = await asyncio.gather(
            queue.approve(first.actor, outcome.message_id, None), rival, return_exceptions=True
        )
        assert sum(isinstance(r, AlreadyDecided) for r in results) == 1
        assert not [
            r for r in results if isinstance(r, BaseException) and not isinstance(r, AlreadyDecided)
        ]
        status, _ = await stored(rooms.db, outcome.message_id)
        (resolved,) = data_of(rooms.seen_by(first), "moderation.held_resolved")
        # What the room heard is what the database kept, once.
        if status == "posted":
            assert resolved["outcome"] == "approved"
            assert rooms.texts_seen_by(other) == [HELD_TEXT]
        else:
            assert (status, resolved["outcome"]) == ("rejected", "rejected")
            assert rooms.texts_seen_by(other) == []

    async def test_an_approved_message_keeps_its_place_live_and_in_the_history(
        self, rooms: ModeratedRooms, clock: FakeClock
    ) -> None:
        teacher = await rooms.seat_teacher()
        kid = await rooms.seat_pupil()
        other = await rooms.seat_pupil()
        clock.advance(1)
        await rooms.services.chat.send(other.actor, "first", None)
        clock.advance(1)
        held = await rooms.services.chat.send(kid.actor, HELD_TEXT, None)
        for text in ("while it waited", "and again"):
            clock.advance(1)
            await rooms.services.chat.send(other.actor, text, None)
        clock.advance(60)
        await rooms.moderation.queue.approve(teacher.actor, held.message_id, None)

        in_history = [text for _, text in await history_states(rooms, other)]
        assert in_history == ["first", HELD_TEXT, "while it waited", "and again"]
        live = data_of(rooms.seen_by(other), POSTED)
        # It arrives last, with the time it was sent: placed by sent_at, as the
        # protocol asks of clients, the live view is the history.
        assert live[-1]["message_id"] == held.message_id
        assert live[-1]["sent_at"] < live[-2]["sent_at"]
        placed = sorted(live, key=lambda event: event["sent_at"])
        assert [event["text"] for event in placed] == in_history

    async def test_only_teachers_decide_and_only_on_this_sessions_messages(
        self, rooms: ModeratedRooms
    ) -> None:
        await rooms.seat_teacher()
        kid = await rooms.seat_pupil()
        outcome = await rooms.services.chat.send(kid.actor, HELD_TEXT, None)
        with pytest.raises(Forbidden):
            await rooms.moderation.queue.approve(kid.actor, outcome.message_id, None)
        teacher = await rooms.seat_teacher()
        with pytest.raises(NotFound):
            await rooms.moderation.queue.approve(teacher.actor, MessageId("nope"), None)

    async def test_premoderation_all_holds_every_pupil_message_but_no_teachers(
        self, rooms: ModeratedRooms
    ) -> None:
        from moderation import Premoderation
        from moderation.chat import PolicyChanges

        teacher = await rooms.seat_teacher()
        kid = await rooms.seat_pupil()
        await rooms.moderation.sanctions.set_policy(
            teacher.actor, PolicyChanges(premoderation=Premoderation.ALL)
        )
        assert (await rooms.services.chat.send(kid.actor, CLEAN_TEXT, None)).is_held
        assert not (await rooms.services.chat.send(teacher.actor, CLEAN_TEXT, None)).is_held
