"""Teacher controls over real sockets: removal reaches the socket, and holds."""

from __future__ import annotations

import pytest

from client_sdk import CommandFailed, ConnectRefused, RealtimeClient
from protocol.events.chat import SendChat
from protocol.events.lobby import AdmitFromLobby, LobbyAdmitted, LobbyKnocked
from protocol.events.models import JoinStatus, LobbyMode, LobbyReason, RoomSnapshot
from protocol.events.rooms import (
    BanParticipant,
    EndRoom,
    KickParticipant,
    LockRoom,
    MuteParticipant,
    ParticipantLeft,
    ParticipantRemoved,
    PermissionsChanged,
    RoomEnded,
    SetLobbyMode,
    SetPermissions,
    TeacherAbsentChanged,
)
from tests.integration.realtime.live import Live, until


async def test_a_kicked_pupil_is_disconnected_and_comes_back_only_through_the_lobby(
    live: Live,
) -> None:
    teacher = await live.teacher()
    host = await live.join(teacher)
    pupil = await live.pupil(teacher)
    kid = await live.join(pupil)
    await host.send(KickParticipant(participant_id=str(kid.participant_id)))
    removed = await kid.next(ParticipantRemoved)
    assert (removed.participant_id, removed.reason) == (kid.participant_id, "kicked")
    await until(lambda: not kid.connected)
    assert kid.closed_reason == "kicked"
    again = await live.join(pupil)
    assert again.status is JoinStatus.WAITING and again.lobby_reason is LobbyReason.KICKED
    knocked = await host.next(LobbyKnocked)
    await host.send(AdmitFromLobby(user_ids=[knocked.entry.user_id]))
    await again.next(LobbyAdmitted)
    await until(lambda: again.status is JoinStatus.JOINED)
    await again.send(SendChat(text="sorry"))


async def test_a_ban_holds_against_a_new_token(live: Live) -> None:
    teacher = await live.teacher()
    host = await live.join(teacher)
    pupil = await live.pupil(teacher)
    kid = await live.join(pupil)
    await host.send(BanParticipant(participant_id=str(kid.participant_id)))
    assert (await kid.next(ParticipantRemoved)).reason == "banned"
    await until(lambda: not kid.connected)
    fresh = RealtimeClient(live.url, await live.token(pupil), reconnect=False)
    with pytest.raises(ConnectRefused) as refused:
        await fresh.connect()
    assert refused.value.code == "banned"
    await fresh.close()


async def test_a_muted_pupil_cannot_unmute_themselves(live: Live) -> None:
    teacher = await live.teacher()
    host = await live.join(teacher)
    kid = await live.join(await live.pupil(teacher))
    await host.send(MuteParticipant(participant_id=str(kid.participant_id)))
    changed = await kid.next(PermissionsChanged)
    assert changed.permissions.may_speak is False
    with pytest.raises(CommandFailed) as refused:
        await kid.send(SetPermissions(participant_id=str(kid.participant_id), may_speak=True))
    assert refused.value.code == "forbidden"


async def test_a_locked_room_refuses_a_newcomer(live: Live) -> None:
    teacher = await live.teacher()
    host = await live.join(teacher)
    await host.send(LockRoom(locked=True))
    late = live.client(await live.pupil(teacher), reconnect=False)
    with pytest.raises(CommandFailed) as refused:
        await late.connect()
    assert refused.value.code == "room_locked"


async def test_the_lobby_holds_pupils_until_a_teacher_admits_them(live: Live) -> None:
    teacher = await live.teacher()
    host = await live.join(teacher)
    await host.send(SetLobbyMode(mode=LobbyMode.EVERYONE))
    kid = await live.join(await live.pupil(teacher))
    assert kid.status is JoinStatus.WAITING
    knocked = await host.next(LobbyKnocked)
    await host.send(AdmitFromLobby(user_ids=[knocked.entry.user_id]))
    await until(lambda: kid.status is JoinStatus.JOINED)
    snapshot = await kid.next(RoomSnapshot)
    assert snapshot.you == kid.participant_id


async def test_teacher_absent_failsafe_over_sockets(live: Live) -> None:
    teacher = await live.teacher()
    host = await live.join(teacher)
    kid = await live.join(await live.pupil(teacher))
    await host.close()
    await kid.next(ParticipantLeft)
    live.world.clock.advance(live.services.settings.rooms.teacher_absent_grace_s)
    await live.services.rooms.timers.tick_due()
    assert (await kid.next(TeacherAbsentChanged)).teacher_absent is True
    with pytest.raises(CommandFailed) as frozen:
        await kid.send(SendChat(text="anyone?"))
    assert frozen.value.code == "teacher_absent"
    await live.join(teacher)
    assert (await kid.next(TeacherAbsentChanged)).teacher_absent is False
    await kid.send(SendChat(text="welcome back"))


async def test_ending_the_session_disconnects_everyone(live: Live) -> None:
    teacher = await live.teacher()
    host = await live.join(teacher)
    kid = await live.join(await live.pupil(teacher))
    await host.send(EndRoom())
    assert (await kid.next(RoomEnded)).reason == "ended_by_teacher"
    await until(lambda: not kid.connected and not host.connected)
    assert kid.closed_reason == "ended"
