"""Joining, waiting, leaving, resuming and ending a session."""

from __future__ import annotations

import pytest

from protocol.api.grants import RoomRole
from protocol.errors import ErrorCode, Forbidden, NotFound
from protocol.events.models import LobbyMode, LobbyReason
from protocol.events.rooms import ResumePoint
from protocol.ids import RoomId
from rooms import MemberRole, RoomActor
from rooms.errors import RoomClosed, RoomFull, RoomLocked
from rooms.settings import RoomSettings
from tests.unit.rooms.harness import SCHOOL_B, Rooms


class TestAdmission:
    async def test_an_unknown_room_and_a_stranger_get_the_same_not_found(
        self, rooms: Rooms
    ) -> None:
        stranger = await rooms.person(MemberRole.PUPIL, project=rooms.project)
        rooms.directory.remove_member(rooms.project, stranger.user_id)
        with pytest.raises(NotFound) as unknown:
            await rooms.knock(stranger, room=RoomId(rooms.room + "-nope"))
        with pytest.raises(NotFound) as foreign:
            await rooms.knock(stranger)
        assert unknown.value.message == foreign.value.message
        assert await rooms.version() == 0

    async def test_a_pupil_token_claiming_host_is_refused(self, rooms: Rooms) -> None:
        pupil = await rooms.pupil()
        with pytest.raises(Forbidden):
            await rooms.knock(pupil, role=RoomRole.HOST)
        assert await rooms.version() == 0

    async def test_an_observer_member_cannot_come_as_co_teacher(self, rooms: Rooms) -> None:
        observer = await rooms.person(MemberRole.OBSERVER)
        with pytest.raises(Forbidden):
            await rooms.knock(observer, role=RoomRole.CO_TEACHER)


class TestJoin:
    async def test_the_first_teacher_opens_a_session_and_joins(self, rooms: Rooms) -> None:
        teacher = await rooms.teacher()
        outcome, _ = await rooms.knock(teacher)
        assert outcome.participant is not None and outcome.new_session
        assert outcome.participant.role is RoomRole.HOST
        (joined,) = rooms.events()
        assert joined.name == "participant.joined"
        assert joined.data["seq"] == 1
        assert joined.data["participant"]["display_name"] == teacher.member.display_name

    async def test_a_pupil_before_any_teacher_waits_then_is_let_in_when_one_comes(
        self, rooms: Rooms
    ) -> None:
        pupil = await rooms.pupil()
        outcome, _ = await rooms.knock(pupil)
        assert outcome.participant is None
        assert outcome.lobby_reason is LobbyReason.TEACHER_ABSENT
        assert rooms.names() == ["lobby.knocked"]
        await rooms.join(await rooms.teacher())
        assert rooms.names() == [
            "participant.joined",
            "room.teacher_absent_changed",
            "lobby.left",
            "lobby.admitted",
        ]
        again, _ = await rooms.knock(pupil)
        assert again.participant is not None

    async def test_someone_off_the_roster_waits_in_the_lobby(self, rooms: Rooms) -> None:
        rooms.meeting = rooms.directory.add_meeting(
            rooms.project, invited_roles=frozenset({MemberRole.TEACHER})
        )
        await rooms.join(await rooms.teacher())
        outcome, _ = await rooms.knock(await rooms.pupil())
        assert outcome.lobby_reason is LobbyReason.NOT_ON_ROSTER

    async def test_lobby_for_everyone_holds_pupils_but_not_teachers(self, rooms: Rooms) -> None:
        host = await rooms.join(await rooms.teacher())
        await rooms.services.controls.set_lobby_mode(host, LobbyMode.EVERYONE)
        waiting, _ = await rooms.knock(await rooms.pupil())
        assert waiting.lobby_reason is LobbyReason.LOBBY_ON
        co, _ = await rooms.knock(await rooms.person(MemberRole.TEACHER))
        assert co.participant is not None

    async def test_a_locked_room_refuses_newcomers_but_not_returning_ones(
        self, rooms: Rooms
    ) -> None:
        host = await rooms.join(await rooms.teacher())
        pupil = await rooms.pupil()
        inside = await rooms.join(pupil)
        await rooms.services.controls.lock(host, True)
        rooms.events()
        before = await rooms.version()
        with pytest.raises(RoomLocked) as refused:
            await rooms.knock(await rooms.pupil())
        assert refused.value.code is ErrorCode.ROOM_LOCKED
        assert await rooms.version() == before and rooms.events() == []
        await rooms.services.sessions.leave(
            rooms.room, pupil.user_id, conn_id=inside.conn_id, reason="disconnected"
        )
        back, _ = await rooms.knock(pupil)
        assert back.participant is not None
        teacher_in_locked_room, _ = await rooms.knock(await rooms.person(MemberRole.TEACHER))
        assert teacher_in_locked_room.participant is not None

    async def test_a_returning_participant_keeps_their_permissions(self, rooms: Rooms) -> None:
        host = await rooms.join(await rooms.teacher())
        pupil = await rooms.pupil()
        first = await rooms.join(pupil)
        await rooms.services.controls.mute(host, first.participant_id)
        await rooms.services.sessions.leave(
            rooms.room, pupil.user_id, conn_id=first.conn_id, reason="disconnected"
        )
        second = await rooms.join(pupil)
        assert second.participant_id == first.participant_id
        assert not (await rooms.participant(second)).perms.speak

    async def test_a_second_connection_replaces_the_first(self, rooms: Rooms) -> None:
        await rooms.join(await rooms.teacher())
        pupil = await rooms.pupil()
        first = await rooms.join(pupil)
        rooms.events()
        second = await rooms.join(pupil)
        left, joined = rooms.events()
        assert (left.name, left.data["reason"]) == ("participant.left", "replaced")
        assert left.effects == [{"op": "evict_conn", "conn": first.conn_id}]
        assert joined.name == "participant.joined"
        # The old connection's late disconnect changes nothing.
        before = await rooms.version()
        gone = await rooms.services.sessions.leave(
            rooms.room, pupil.user_id, conn_id=first.conn_id, reason="disconnected"
        )
        assert gone is None and await rooms.version() == before
        assert (await rooms.participant(second)).is_present

    async def test_a_full_room_refuses_pupils(self, db, clock) -> None:  # type: ignore[no-untyped-def]
        small = Rooms(db, clock, RoomSettings(max_participants=2))
        await small.start()
        try:
            await small.join(await small.teacher())
            await small.join(await small.pupil())
            with pytest.raises(RoomFull):
                await small.knock(await small.pupil())
        finally:
            await small.close()


class TestLeave:
    async def test_leaving_lowers_the_hand_and_marks_the_participant_away(
        self, rooms: Rooms
    ) -> None:
        await rooms.join(await rooms.teacher())
        pupil = await rooms.pupil()
        actor = await rooms.join(pupil)
        await rooms.services.hands.raise_hand(actor)
        rooms.events()
        await rooms.services.sessions.leave(
            rooms.room, pupil.user_id, conn_id=actor.conn_id, reason="disconnected"
        )
        lowered, left = rooms.events()
        assert (lowered.name, lowered.data["queue"]) == ("hand.lowered", [])
        assert (left.name, left.data["reason"]) == ("participant.left", "disconnected")
        participant = await rooms.participant(actor)
        assert not participant.is_present and participant.conn_id is None

    async def test_a_lobby_waiter_who_disconnects_is_gone_from_the_lobby(
        self, rooms: Rooms
    ) -> None:
        pupil = await rooms.pupil()
        _, conn_id = await rooms.knock(pupil)
        rooms.events()
        await rooms.services.sessions.leave(
            rooms.room, pupil.user_id, conn_id=conn_id, reason="disconnected"
        )
        (left,) = rooms.events()
        assert (left.name, left.data["reason"]) == ("lobby.left", "gone")


class TestCatchUp:
    async def test_a_resume_within_the_window_replays_what_was_missed(self, rooms: Rooms) -> None:
        host = await rooms.join(await rooms.teacher())
        pupil = await rooms.join(await rooms.pupil())
        snap = await rooms.services.sessions.snapshot(pupil)
        await rooms.services.hands.raise_hand(pupil)
        await rooms.services.controls.lock(host, True)
        caught = await rooms.services.sessions.catch_up(
            pupil, ResumePoint(session_id=snap.session_id, seq=snap.seq)
        )
        assert caught.snapshot is None and caught.replay is not None
        assert [e.event for e in caught.replay] == ["hand.raised", "room.lock_changed"]
        assert [e.data["seq"] for e in caught.replay] == [snap.seq + 1, snap.seq + 2]

    async def test_the_replay_leaves_out_what_the_pupil_may_not_see(self, rooms: Rooms) -> None:
        await rooms.join(await rooms.teacher())
        pupil = await rooms.join(await rooms.pupil())
        snap = await rooms.services.sessions.snapshot(pupil)
        await rooms.services.controls.set_lobby_mode(
            await rooms.join(await rooms.person(MemberRole.TEACHER)), LobbyMode.EVERYONE
        )
        await rooms.knock(await rooms.pupil(SCHOOL_B))
        caught = await rooms.services.sessions.catch_up(
            pupil, ResumePoint(session_id=snap.session_id, seq=snap.seq)
        )
        assert caught.replay is not None
        names = [e.event for e in caught.replay]
        assert "lobby.knocked" not in names
        assert names == ["participant.joined", "room.lobby_mode_changed"]

    async def test_another_session_or_a_gap_gets_a_snapshot(self, rooms: Rooms) -> None:
        await rooms.join(await rooms.teacher())
        pupil = await rooms.join(await rooms.pupil())
        caught = await rooms.services.sessions.catch_up(
            pupil, ResumePoint(session_id="older-session", seq=1)
        )
        assert caught.replay is None and caught.snapshot is not None
        assert caught.snapshot.you == pupil.participant_id
        assert caught.snapshot.lobby == []
        for _ in range(60):
            await rooms.services.hands.raise_hand(pupil)
            await rooms.services.hands.lower_hand(pupil, None)
        caught = await rooms.services.sessions.catch_up(
            pupil, ResumePoint(session_id=caught.snapshot.session_id, seq=1)
        )
        assert caught.snapshot is not None


class TestEnd:
    async def test_ending_tells_and_evicts_everyone_and_keeps_pupils_out(
        self, rooms: Rooms
    ) -> None:
        host = await rooms.join(await rooms.teacher())
        pupil = await rooms.pupil()
        await rooms.join(pupil)
        waiting = await rooms.pupil()
        await rooms.services.controls.set_lobby_mode(host, LobbyMode.EVERYONE)
        await rooms.knock(waiting)
        rooms.events()
        await rooms.services.sessions.end(host)
        events = rooms.events()
        assert [e.name for e in events] == ["room.ended", "room.ended"]
        assert events[0].audience == f"user:{waiting.user_id}"
        assert events[-1].effects == [{"op": "evict_all"}]
        with pytest.raises(RoomClosed):
            await rooms.knock(pupil)
        restarted, _ = await rooms.knock(await rooms.teacher())
        assert restarted.new_session and restarted.participant is not None

    async def test_a_pupil_cannot_end_the_session(self, rooms: Rooms) -> None:
        await rooms.join(await rooms.teacher())
        pupil = await rooms.join(await rooms.pupil())
        rooms.events()
        before = await rooms.version()
        with pytest.raises(Forbidden):
            await rooms.services.sessions.end(pupil)
        assert await rooms.version() == before and rooms.events() == []

    async def test_a_stale_connection_cannot_act(self, rooms: Rooms) -> None:
        host = await rooms.join(await rooms.teacher())
        stale = RoomActor(host.room_id, host.user_id, host.participant_id, "old-conn")
        with pytest.raises(Exception) as caught:
            await rooms.services.controls.lock(stale, True)
        assert getattr(caught.value, "code", None) is ErrorCode.NOT_IN_ROOM
