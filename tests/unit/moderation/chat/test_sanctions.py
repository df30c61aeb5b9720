"""Teachers' sanctions and settings: delete, mute, lock, clear, slow mode, links, audit."""

from __future__ import annotations

import pytest

from cluster import ClusterUnavailable
from moderation import MessageRejected, Premoderation
from moderation.chat import PolicyChanges
from moderation.chat.errors import AlreadyDecided, ChatLocked, ChatMuted
from protocol.errors import ErrorCode, Forbidden, NotFound
from protocol.events.moderation import ModerationReason
from storage import Database
from tests.unit.moderation.chat.harness import POSTED, ModeratedRooms, data_of
from tests.unit.moderation.chat.test_queue import history_states, stored

REASON = ModerationReason.UNKIND


async def audit_actions(db: Database, project_id: str) -> list[tuple[str, str | None, str | None]]:
    async with db.transaction("test.audit") as uow:
        page = await uow.audit.list_entries(
            scope_type="project", scope_id=project_id, cursor=None, limit=100
        )
    return [(e.action, e.actor_id, e.reason) for e in reversed(page.items)]


class TestDelete:
    async def test_a_deleted_message_is_a_tombstone_for_everyone_late_joiners_included(
        self, rooms: ModeratedRooms
    ) -> None:
        teacher = await rooms.seat_teacher()
        kid = await rooms.seat_pupil()
        other = await rooms.seat_pupil()
        sent = await rooms.services.chat.send(kid.actor, "you are silly", None)
        await rooms.moderation.sanctions.delete(teacher.actor, sent.message_id, REASON)
        for seat in (kid, other, teacher):
            (gone,) = data_of(rooms.seen_by(seat), "chat.message_deleted")
            assert gone["message_id"] == sent.message_id
        late = await rooms.seat_pupil()
        for seat in (kid, other, teacher, late):
            assert await history_states(rooms, seat) == [("deleted", None)]
        assert await stored(rooms.db, sent.message_id) == ("deleted", None)

    async def test_the_room_log_replays_a_tombstone_under_the_same_seq_never_the_text(
        self, rooms: ModeratedRooms
    ) -> None:
        teacher = await rooms.seat_teacher()
        kid = await rooms.seat_pupil()
        kept = await rooms.services.chat.send(kid.actor, "hello", None)
        rude = await rooms.services.chat.send(kid.actor, "you are silly", None)
        before = await rooms.store.since(rooms.room, 0)
        assert before is not None

        await rooms.moderation.sanctions.delete(teacher.actor, rude.message_id, REASON)

        after = await rooms.store.since(rooms.room, 0)
        assert after is not None
        assert "silly" not in str(after)
        # Gap-free: the same numbers, one tombstone more at the end.
        assert [e.seq for e in after] == [e.seq for e in before] + [before[-1].seq + 1]
        replaced = next(e for e in after if e.seq == rude.seq)
        assert (replaced.name, replaced.audience) == ("chat.message_deleted", "all")
        assert replaced.payload == f'{{"seq":{rude.seq},"message_id":"{rude.message_id}"}}'
        untouched = next(e for e in after if e.seq == kept.seq)
        assert untouched.name == POSTED and "hello" in untouched.payload

    async def test_an_approved_then_deleted_message_leaves_no_text_in_the_held_notices(
        self, rooms: ModeratedRooms
    ) -> None:
        teacher = await rooms.seat_teacher()
        kid = await rooms.seat_pupil()
        held = await rooms.services.chat.send(kid.actor, "my email is tom.smith@gmail.com", None)
        await rooms.moderation.queue.approve(teacher.actor, held.message_id, None)
        await rooms.moderation.sanctions.delete(teacher.actor, held.message_id, REASON)
        logged = await rooms.store.since(rooms.room, 0)
        assert logged is not None
        assert "tom.smith" not in str(logged)
        names = [e.name for e in logged]
        assert "moderation.message_held" not in names and "chat.message_held" not in names

    async def test_a_delete_the_room_could_not_hear_is_kept_and_deleting_again_tells_it_once(
        self, rooms: ModeratedRooms, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        teacher = await rooms.seat_teacher()
        kid = await rooms.seat_pupil()
        sent = await rooms.services.chat.send(kid.actor, "you are silly", None)

        async def unreachable(*args: object, **kwargs: object) -> list[int]:
            raise ClusterUnavailable("room state is unavailable")

        for down in ("redact", "commit"):
            with monkeypatch.context() as patched:
                patched.setattr(rooms.store, down, unreachable)
                with pytest.raises(ClusterUnavailable):
                    await rooms.moderation.sanctions.delete(teacher.actor, sent.message_id, REASON)
            # Kept: no history shows the text; the room was not told.
            assert await stored(rooms.db, sent.message_id) == ("deleted", None)
            assert await history_states(rooms, await rooms.seat_pupil()) == [("deleted", None)]
            assert data_of(rooms.seen_by(kid), "chat.message_deleted") == []

        await rooms.moderation.sanctions.delete(teacher.actor, sent.message_id, REASON)
        assert len(data_of(rooms.seen_by(kid), "chat.message_deleted")) == 1
        logged = await rooms.store.since(rooms.room, 0)
        assert logged is not None and "silly" not in str(logged)
        with pytest.raises(AlreadyDecided):
            await rooms.moderation.sanctions.delete(teacher.actor, sent.message_id, REASON)
        assert len(data_of(rooms.seen_by(kid), "chat.message_deleted")) == 1
        deleted = [a for a, _, _ in await audit_actions(rooms.db, rooms.project)]
        assert deleted.count("chat.message_deleted") == 1

    async def test_deleting_twice_or_a_waiting_message_is_a_conflict(
        self, rooms: ModeratedRooms
    ) -> None:
        teacher = await rooms.seat_teacher()
        kid = await rooms.seat_pupil()
        sent = await rooms.services.chat.send(kid.actor, "hello", None)
        await rooms.moderation.sanctions.delete(teacher.actor, sent.message_id, REASON)
        with pytest.raises(AlreadyDecided):
            await rooms.moderation.sanctions.delete(teacher.actor, sent.message_id, REASON)
        held = await rooms.services.chat.send(kid.actor, "my email is a.b@gmail.com", None)
        with pytest.raises(AlreadyDecided):
            await rooms.moderation.sanctions.delete(teacher.actor, held.message_id, REASON)

    async def test_a_pupil_cannot_delete(self, rooms: ModeratedRooms) -> None:
        await rooms.seat_teacher()
        kid = await rooms.seat_pupil()
        sent = await rooms.services.chat.send(kid.actor, "hello", None)
        with pytest.raises(Forbidden):
            await rooms.moderation.sanctions.delete(kid.actor, sent.message_id, REASON)
        assert await stored(rooms.db, sent.message_id) == ("posted", "hello")


class TestMuteAndLock:
    async def test_a_muted_pupil_cannot_write_until_the_time_is_over(
        self, rooms: ModeratedRooms
    ) -> None:
        teacher = await rooms.seat_teacher()
        kid = await rooms.seat_pupil()
        other = await rooms.seat_pupil()
        await rooms.moderation.sanctions.mute(teacher.actor, kid.actor.participant_id, 60, REASON)
        (told,) = data_of(rooms.seen_by(kid), "chat.mute_changed")
        assert told["participant_id"] == kid.actor.participant_id and told["until"]
        assert data_of(rooms.seen_by(other), "chat.mute_changed") == []
        with pytest.raises(ChatMuted) as muted:
            await rooms.services.chat.send(kid.actor, "hello", None)
        assert muted.value.code is ErrorCode.CHAT_MUTED
        assert 0 < muted.value.details["retry_after_s"] <= 60
        page = await rooms.moderation.history.page(kid.actor, None, 10)
        assert page.muted_until is not None
        await rooms.services.chat.send(other.actor, "I can still write", None)
        rooms.clock.advance(61)
        await rooms.services.chat.send(kid.actor, "back again", None)

    async def test_unmute_lets_the_pupil_write_at_once(self, rooms: ModeratedRooms) -> None:
        teacher = await rooms.seat_teacher()
        kid = await rooms.seat_pupil()
        sanctions = rooms.moderation.sanctions
        await sanctions.mute(teacher.actor, kid.actor.participant_id, 600, REASON)
        await sanctions.mute(teacher.actor, kid.actor.participant_id, None, None)
        await rooms.services.chat.send(kid.actor, "hello", None)

    async def test_teachers_cannot_be_muted(self, rooms: ModeratedRooms) -> None:
        teacher = await rooms.seat_teacher()
        colleague = await rooms.seat_teacher()
        with pytest.raises(Forbidden):
            await rooms.moderation.sanctions.mute(
                teacher.actor, colleague.actor.participant_id, 60, REASON
            )
        with pytest.raises(NotFound):
            await rooms.moderation.sanctions.mute(teacher.actor, "nobody", 60, REASON)

    async def test_a_locked_chat_takes_teachers_only(self, rooms: ModeratedRooms) -> None:
        teacher = await rooms.seat_teacher()
        kid = await rooms.seat_pupil()
        view = await rooms.moderation.sanctions.set_policy(
            teacher.actor, PolicyChanges(locked=True)
        )
        assert view.locked
        (changed,) = data_of(rooms.seen_by(kid), "chat.policy_changed")
        assert changed["policy"]["locked"] is True
        with pytest.raises(ChatLocked):
            await rooms.services.chat.send(kid.actor, "hello", None)
        await rooms.services.chat.send(teacher.actor, "listen, please", None)
        await rooms.moderation.sanctions.set_policy(teacher.actor, PolicyChanges(locked=False))
        await rooms.services.chat.send(kid.actor, "hello", None)
        assert rooms.texts_seen_by(kid) == ["listen, please", "hello"]


class TestClear:
    async def test_clear_empties_the_participants_history_but_not_the_transcript(
        self, rooms: ModeratedRooms
    ) -> None:
        teacher = await rooms.seat_teacher()
        kid = await rooms.seat_pupil()
        first = await rooms.services.chat.send(kid.actor, "one", None)
        await rooms.services.chat.send(kid.actor, "two", None)
        await rooms.moderation.sanctions.delete(teacher.actor, first.message_id, REASON)
        cleared = await rooms.moderation.sanctions.clear(teacher.actor, REASON)
        assert cleared == 2
        assert len(data_of(rooms.seen_by(kid), "chat.cleared")) == 1
        # A reconnecting client replays no cleared text: each message is a clear.
        logged = await rooms.store.since(rooms.room, 0)
        assert logged is not None and "two" not in str([e.payload for e in logged])
        assert [e.name for e in logged if e.name.startswith("chat.")] == [
            "chat.message_deleted", "chat.cleared", "chat.message_deleted", "chat.cleared",
        ]  # fmt: skip
        for seat in (kid, teacher, await rooms.seat_pupil()):
            assert await history_states(rooms, seat) == []
        await rooms.services.chat.send(kid.actor, "three", None)
        assert await history_states(rooms, kid) == [("posted", "three")]
        transcript = await rooms.moderation.transcripts.export(
            teacher.principal, rooms.room, await rooms.session_id()
        )
        assert [(line.state, line.text) for line in transcript.lines] == [
            ("cleared", None),
            ("cleared", "two"),
            ("posted", "three"),
        ]

    async def test_a_clear_the_room_could_not_hear_is_kept_and_clearing_again_tells_it(
        self, rooms: ModeratedRooms, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        teacher = await rooms.seat_teacher()
        kid = await rooms.seat_pupil()
        await rooms.services.chat.send(kid.actor, "you are silly", None)

        async def unreachable(*args: object, **kwargs: object) -> list[int]:
            raise ClusterUnavailable("room state is unavailable")

        with monkeypatch.context() as patched:
            patched.setattr(rooms.store, "commit", unreachable)
            with pytest.raises(ClusterUnavailable):
                await rooms.moderation.sanctions.clear(teacher.actor, REASON)
        # Kept: no history shows it; the room was not told.
        assert await history_states(rooms, await rooms.seat_pupil()) == []
        assert data_of(rooms.seen_by(kid), "chat.cleared") == []

        assert await rooms.moderation.sanctions.clear(teacher.actor, REASON) == 0
        assert len(data_of(rooms.seen_by(kid), "chat.cleared")) == 1
        logged = await rooms.store.since(rooms.room, 0)
        assert logged is not None and "silly" not in str(logged)


class TestSettings:
    async def test_slow_mode_refuses_a_pupils_second_message_in_the_period(
        self, rooms: ModeratedRooms
    ) -> None:
        teacher = await rooms.seat_teacher()
        kid = await rooms.seat_pupil()
        await rooms.moderation.sanctions.set_policy(teacher.actor, PolicyChanges(slow_mode_s=30))
        await rooms.services.chat.send(kid.actor, "one", None)
        with pytest.raises(MessageRejected) as slow:
            await rooms.services.chat.send(kid.actor, "two", None)
        assert slow.value.details["reason"] == "slow_mode"
        await rooms.services.chat.send(teacher.actor, "teachers are not slowed", None)
        rooms.clock.advance(31)
        await rooms.services.chat.send(kid.actor, "three", None)
        await rooms.moderation.sanctions.set_policy(teacher.actor, PolicyChanges(slow_mode_s=0))
        await rooms.services.chat.send(kid.actor, "four", None)

    async def test_links_are_marked_clickable_only_when_a_teacher_allows_them(
        self, rooms: ModeratedRooms
    ) -> None:
        teacher = await rooms.seat_teacher()
        kid = await rooms.seat_pupil()
        await rooms.services.chat.send(kid.actor, "before", None)
        await rooms.moderation.sanctions.set_policy(
            teacher.actor, PolicyChanges(links_allowed=True)
        )
        await rooms.services.chat.send(kid.actor, "after", None)
        posted = data_of(rooms.seen_by(kid), POSTED)
        assert [(p["text"], p["links_allowed"]) for p in posted] == [
            ("before", False),
            ("after", True),
        ]

    async def test_lasting_settings_carry_to_the_next_session_and_switches_do_not(
        self, rooms: ModeratedRooms
    ) -> None:
        teacher = await rooms.seat_teacher()
        changes = PolicyChanges(
            premoderation=Premoderation.ALL, locked=True, direct_messages=True, links_allowed=True
        )
        await rooms.moderation.sanctions.set_policy(teacher.actor, changes)
        await rooms.services.sessions.end(teacher.actor)
        teacher = await rooms.seat_teacher()
        kid = await rooms.seat_pupil()
        page = await rooms.moderation.history.page(kid.actor, None, 10)
        assert page.policy is not None
        assert (page.policy.premoderation.value, page.policy.links_allowed) == ("all", True)
        assert (page.policy.locked, page.policy.direct_messages) == (False, False)
        assert (await rooms.services.chat.send(kid.actor, "hello", None)).is_held


async def test_every_action_is_in_the_projects_audit_log_with_who_and_why(
    rooms: ModeratedRooms,
) -> None:
    teacher = await rooms.seat_teacher()
    kid = await rooms.seat_pupil()
    sanctions, queue = rooms.moderation.sanctions, rooms.moderation.queue
    posted = await rooms.services.chat.send(kid.actor, "hello", None)
    held = await rooms.services.chat.send(kid.actor, "my email is a.b@gmail.com", None)
    again = await rooms.services.chat.send(kid.actor, "my email is c.d@gmail.com", None)
    await queue.approve(teacher.actor, held.message_id, "edited")
    await queue.reject(teacher.actor, again.message_id, ModerationReason.PERSONAL_DATA)
    await sanctions.delete(teacher.actor, posted.message_id, REASON)
    await sanctions.mute(teacher.actor, kid.actor.participant_id, 60, ModerationReason.SPAM)
    await sanctions.mute(teacher.actor, kid.actor.participant_id, None, None)
    await sanctions.set_policy(teacher.actor, PolicyChanges(locked=True))
    await sanctions.clear(teacher.actor, ModerationReason.OFF_TOPIC)
    actor = teacher.person.user_id
    assert await audit_actions(rooms.db, rooms.project) == [
        ("chat.message_edited", actor, "personal_data"),
        ("chat.message_rejected", actor, "personal_data"),
        ("chat.message_deleted", actor, "unkind"),
        ("chat.muted", actor, "spam"),
        ("chat.unmuted", actor, None),
        ("chat.policy_changed", actor, None),
        ("chat.cleared", actor, "off_topic"),
    ]
