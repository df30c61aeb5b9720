"""Room timers: the teacher-absent failsafe, breakout timers, empty and ended sessions.

Time moves only with the fake clock; ``tick_due`` is what every node runs.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

import pytest

from protocol.events.models import LobbyReason
from rooms import build_room_services
from rooms.errors import TeacherAbsent
from storage import Database
from tests.fakes.clock import FakeClock
from tests.unit.rooms.harness import Person, Rooms


async def leave(rooms: Rooms, person: Person, conn_id: str) -> None:
    await rooms.services.sessions.leave(
        rooms.room, person.user_id, conn_id=conn_id, reason="disconnected"
    )


async def test_the_failsafe_waits_for_the_grace_then_freezes_pupils(rooms: Rooms) -> None:
    teacher = await rooms.teacher()
    host = await rooms.join(teacher)
    pupil = await rooms.join(await rooms.pupil())
    await leave(rooms, teacher, host.conn_id)
    rooms.events()
    rooms.clock.advance(rooms.settings.teacher_absent_grace_s - 1)
    assert await rooms.services.timers.tick_due() == 0
    await rooms.services.chat.send(pupil, "still fine", None)
    rooms.clock.advance(1)
    assert await rooms.services.timers.tick_due() == 1
    names = rooms.names()
    assert names[-1] == "room.teacher_absent_changed"
    with pytest.raises(TeacherAbsent):
        await rooms.services.chat.send(pupil, "alone now", None)
    newcomer, _ = await rooms.knock(await rooms.pupil())
    assert newcomer.lobby_reason is LobbyReason.TEACHER_ABSENT
    assert await rooms.services.timers.tick_due() == 0


async def test_a_teacher_back_within_the_grace_cancels_the_failsafe(rooms: Rooms) -> None:
    teacher = await rooms.teacher()
    host = await rooms.join(teacher)
    await rooms.join(await rooms.pupil())
    await leave(rooms, teacher, host.conn_id)
    rooms.clock.advance(10)
    await rooms.join(teacher)
    rooms.clock.advance(rooms.settings.teacher_absent_grace_s)
    assert await rooms.services.timers.tick_due() == 0
    assert not (await rooms.services.kernel.view(rooms.room)).meta.teacher_absent


async def test_a_teacher_returning_lifts_the_failsafe_and_lets_waiters_in(rooms: Rooms) -> None:
    teacher = await rooms.teacher()
    host = await rooms.join(teacher)
    pupil = await rooms.join(await rooms.pupil())
    await leave(rooms, teacher, host.conn_id)
    rooms.clock.advance(rooms.settings.teacher_absent_grace_s)
    await rooms.services.timers.tick_due()
    late = await rooms.pupil()
    await rooms.knock(late)
    rooms.events()
    await rooms.join(teacher)
    assert rooms.names() == [
        "participant.joined",
        "room.teacher_absent_changed",
        "lobby.left",
        "lobby.admitted",
    ]
    await rooms.services.chat.send(pupil, "teacher is back", None)
    assert (await rooms.knock(late))[0].participant is not None


async def test_two_nodes_ticking_at_once_fire_the_failsafe_once(rooms: Rooms) -> None:
    other_node = build_room_services(
        db=rooms.db,
        state=rooms.store,
        log=rooms.store,
        clock=rooms.clock,
        directory=rooms.directory,
        settings=rooms.settings,
    )
    teacher = await rooms.teacher()
    host = await rooms.join(teacher)
    await rooms.join(await rooms.pupil())
    await leave(rooms, teacher, host.conn_id)
    rooms.events()
    rooms.clock.advance(rooms.settings.teacher_absent_grace_s)
    fired = await asyncio.gather(rooms.services.timers.tick_due(), other_node.timers.tick_due())
    assert sorted(fired) == [0, 1]
    assert rooms.names() == ["room.teacher_absent_changed"]


async def test_an_empty_session_ends_and_is_later_forgotten(rooms: Rooms) -> None:
    teacher = await rooms.teacher()
    host = await rooms.join(teacher)
    await leave(rooms, teacher, host.conn_id)
    rooms.clock.advance(rooms.settings.empty_close_s)
    await rooms.services.timers.tick_due()
    view = await rooms.services.kernel.view(rooms.room)
    assert view.meta.is_ended
    assert rooms.events()[-1].data["reason"] == "empty"
    async with rooms.db.transaction("test") as uow:
        session = await uow.rooms.find_session(view.meta.session_id)
    assert session is not None and session.ended_at is not None
    rooms.clock.advance(rooms.settings.ended_keep_s)
    await rooms.services.timers.tick_due()
    assert not (await rooms.services.kernel.view(rooms.room)).exists
    assert await rooms.store.due(rooms.clock.now() + 10**6) == []


async def test_breakout_groups_end_on_their_timer(rooms: Rooms) -> None:
    host = await rooms.join(await rooms.teacher())
    await rooms.join(await rooms.pupil())
    await rooms.join(await rooms.pupil())
    await rooms.services.breakouts.start(
        host, mode="mixed", groups=None, group_count=2, duration_s=300
    )
    rooms.events()
    rooms.clock.advance(299)
    assert await rooms.services.timers.tick_due() == 0
    rooms.clock.advance(1)
    assert await rooms.services.timers.tick_due() == 1
    (ended,) = rooms.events()
    assert (ended.name, ended.data["reason"]) == ("breakout.ended", "timer")
    assert ended.effects == [{"op": "ungroup"}]


class FakeLiveness:
    """Nodes are alive unless a test says they died."""

    def __init__(self) -> None:
        self.dead: set[str] = set()
        self.asked: list[list[str]] = []

    async def beat(self, node_id: str, ttl_s: float) -> None:
        self.dead.discard(node_id)

    async def alive(self, node_ids: Sequence[str]) -> set[str]:
        self.asked.append(list(node_ids))
        return set(node_ids) - self.dead


async def test_participants_of_a_dead_node_are_marked_away(db: Database, clock: FakeClock) -> None:
    liveness = FakeLiveness()
    rooms = Rooms(db, clock, liveness=liveness)
    await rooms.start()
    try:
        teacher = await rooms.teacher()
        host = await rooms.join(teacher, node="node-a")
        kid = await rooms.join(await rooms.pupil(), node="node-b")
        await rooms.services.hands.raise_hand(kid)
        rooms.events()
        rooms.clock.advance(rooms.settings.presence_check_s)
        assert await rooms.services.timers.tick_due() == 0
        assert liveness.asked[-1] == ["node-a", "node-b"]
        liveness.dead.add("node-b")
        rooms.clock.advance(rooms.settings.presence_check_s)
        assert await rooms.services.timers.tick_due() == 1
        lowered, left = rooms.events()
        assert lowered.name == "hand.lowered"
        assert (left.name, left.data["reason"]) == ("participant.left", "disconnected")
        assert left.effects == [{"op": "evict_conn", "conn": kid.conn_id, "rejoin": True}]
        assert not (await rooms.participant(kid)).is_present
        assert (await rooms.participant(host)).is_present
        view = await rooms.services.kernel.view(rooms.room)
        async with rooms.db.transaction("test") as uow:
            stays = await uow.rooms.list_attendance(view.meta.session_id)
        assert [s.leave_reason for s in stays if s.participant_id == kid.participant_id] == [
            "disconnected"
        ]
    finally:
        await rooms.close()


async def test_a_teacher_on_a_dead_node_starts_the_failsafe(db: Database, clock: FakeClock) -> None:
    liveness = FakeLiveness()
    rooms = Rooms(db, clock, liveness=liveness)
    await rooms.start()
    try:
        await rooms.join(await rooms.teacher(), node="node-dead")
        await rooms.join(await rooms.pupil(), node="node-a")
        liveness.dead.add("node-dead")
        rooms.clock.advance(rooms.settings.presence_check_s)
        await rooms.services.timers.tick_due()
        rooms.clock.advance(rooms.settings.teacher_absent_grace_s)
        await rooms.services.timers.tick_due()
        assert (await rooms.services.kernel.view(rooms.room)).meta.teacher_absent
    finally:
        await rooms.close()
