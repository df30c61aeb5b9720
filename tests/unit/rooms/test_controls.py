"""Teacher controls, and the rule that pupils never hold any of them."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import pytest

from protocol.api.grants import RoomRole
from protocol.errors import ErrorCode, Forbidden
from protocol.events.models import LobbyMode
from rooms import MemberRole, RoomActor
from tests.unit.rooms.harness import Rooms

Control = Callable[[Rooms, RoomActor, RoomActor], Awaitable[Any]]

CONTROLS: dict[str, Control] = {
    "lock": lambda r, me, _: r.services.controls.lock(me, True),
    "set_lobby": lambda r, me, _: r.services.controls.set_lobby_mode(me, LobbyMode.EVERYONE),
    "mute": lambda r, me, t: r.services.controls.mute(me, t.participant_id),
    "mute_all": lambda r, me, _: r.services.controls.mute_all(me, include_chat=True),
    "set_permissions": lambda r, me, t: r.services.controls.set_permissions(
        me, t.participant_id, {"speak": False}
    ),
    "set_role": lambda r, me, t: r.services.controls.set_role(
        me, t.participant_id, RoomRole.OBSERVER
    ),
    "kick": lambda r, me, t: r.services.removal.kick(me, t.participant_id),
    "ban": lambda r, me, t: r.services.removal.ban(me, t.participant_id),
    "end": lambda r, me, _: r.services.sessions.end(me),
    "lower_other_hand": lambda r, me, t: r.services.hands.lower_hand(me, t.participant_id),
    "admit": lambda r, me, t: r.services.lobby.admit(me, [t.user_id]),
    "deny": lambda r, me, t: r.services.lobby.deny(me, t.user_id),
    "poll": lambda r, me, _: r.services.polls.create(
        me, question="q", options=["a", "b"], multiple=False, anonymous=True
    ),
    "breakout": lambda r, me, _: r.services.breakouts.start(
        me, mode="mixed", groups=None, group_count=1, duration_s=None
    ),
    "end_breakout": lambda r, me, _: r.services.breakouts.end(me),
    "visit": lambda r, me, _: r.services.breakouts.visit(me, None),
}


@pytest.mark.parametrize("control", sorted(CONTROLS))
async def test_a_pupil_can_never_use_a_teacher_control(rooms: Rooms, control: str) -> None:
    host = await rooms.join(await rooms.teacher())
    pupil = await rooms.join(await rooms.pupil())
    await rooms.services.hands.raise_hand(host)
    rooms.events()
    before = await rooms.store.load(rooms.room)
    with pytest.raises(Forbidden) as refused:
        await CONTROLS[control](rooms, pupil, host)
    assert refused.value.code is ErrorCode.FORBIDDEN
    assert await rooms.store.load(rooms.room) == before
    assert rooms.events() == []


@pytest.mark.parametrize("control", ["mute", "set_permissions", "set_role", "kick", "ban"])
async def test_a_co_teacher_cannot_act_on_a_host(rooms: Rooms, control: str) -> None:
    host = await rooms.join(await rooms.teacher())
    co = await rooms.join(await rooms.person(MemberRole.TEACHER))
    assert (await rooms.participant(co)).role is RoomRole.CO_TEACHER
    before = await rooms.store.load(rooms.room)
    with pytest.raises(Forbidden):
        await CONTROLS[control](rooms, co, host)
    assert await rooms.store.load(rooms.room) == before


async def test_hosts_cannot_act_on_each_other(rooms: Rooms) -> None:
    host = await rooms.join(await rooms.teacher())
    partner = await rooms.join(await rooms.teacher())
    with pytest.raises(Forbidden):
        await rooms.services.removal.kick(partner, host.participant_id)


async def test_mute_takes_the_microphone_only(rooms: Rooms) -> None:
    host = await rooms.join(await rooms.teacher())
    pupil = await rooms.join(await rooms.pupil())
    rooms.events()
    await rooms.services.controls.mute(host, pupil.participant_id)
    (changed,) = rooms.events()
    assert changed.name == "participant.permissions_changed"
    assert changed.data["reason"] == "muted"
    assert changed.data["permissions"]["may_speak"] is False
    assert changed.data["permissions"]["may_chat"] is True


async def test_mute_all_mutes_present_pupils_and_those_who_join_later(rooms: Rooms) -> None:
    host = await rooms.join(await rooms.teacher())
    co = await rooms.join(await rooms.person(MemberRole.TEACHER))
    pupil = await rooms.join(await rooms.pupil())
    rooms.events()
    await rooms.services.controls.mute_all(host, include_chat=True)
    events = rooms.events()
    assert [e.name for e in events] == ["room.all_muted", "participant.permissions_changed"]
    assert events[1].data["participant_id"] == pupil.participant_id
    assert (await rooms.participant(co)).perms.speak
    later = await rooms.participant(await rooms.join(await rooms.pupil()))
    assert not later.perms.speak and not later.perms.chat


async def test_permissions_stay_within_the_role_ceiling(rooms: Rooms) -> None:
    host = await rooms.join(await rooms.teacher())
    observer = await rooms.join(await rooms.person(MemberRole.OBSERVER))
    before = await rooms.store.load(rooms.room)
    with pytest.raises(Forbidden):
        await rooms.services.controls.set_permissions(
            host, observer.participant_id, {"speak": True}
        )
    assert await rooms.store.load(rooms.room) == before
    pupil = await rooms.join(await rooms.pupil())
    await rooms.services.controls.set_permissions(host, pupil.participant_id, {"screen": True})
    assert (await rooms.participant(pupil)).perms.screen


async def test_a_pupil_stays_a_pupil(rooms: Rooms) -> None:
    host = await rooms.join(await rooms.teacher())
    pupil = await rooms.join(await rooms.pupil())
    for role in (RoomRole.HOST, RoomRole.CO_TEACHER, RoomRole.OBSERVER):
        with pytest.raises(Forbidden):
            await rooms.services.controls.set_role(host, pupil.participant_id, role)
    assert (await rooms.participant(pupil)).role is RoomRole.PUPIL


async def test_a_demoted_co_teacher_loses_the_controls_at_once(rooms: Rooms) -> None:
    host = await rooms.join(await rooms.teacher())
    co = await rooms.join(await rooms.person(MemberRole.TEACHER))
    await rooms.services.controls.lock(co, True)
    rooms.events()
    await rooms.services.controls.set_role(host, co.participant_id, RoomRole.OBSERVER)
    (changed,) = rooms.events()
    assert changed.name == "participant.role_changed"
    assert changed.effects == [{"op": "staff", "participant": co.participant_id, "on": False}]
    with pytest.raises(Forbidden):
        await rooms.services.controls.mute_all(co, include_chat=False)


async def test_a_teacher_present_only_as_observer_does_not_hold_off_the_failsafe(
    rooms: Rooms,
) -> None:
    host_person = await rooms.teacher()
    host = await rooms.join(host_person)
    observer_teacher = await rooms.join(
        await rooms.person(MemberRole.TEACHER), role=RoomRole.OBSERVER
    )
    await rooms.services.sessions.leave(
        rooms.room, host_person.user_id, conn_id=host.conn_id, reason="left"
    )
    rooms.clock.advance(rooms.settings.teacher_absent_grace_s + 1)
    await rooms.services.timers.tick(rooms.room)
    view = await rooms.services.kernel.view(rooms.room)
    assert view.meta.teacher_absent
    assert view.participant(observer_teacher.participant_id).is_present  # type: ignore[union-attr]
