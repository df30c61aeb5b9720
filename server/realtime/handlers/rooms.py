"""Joining, leaving, snapshots, and the teacher controls of the room."""

from __future__ import annotations

from protocol.events.models import JoinResult, JoinStatus, RoomSnapshot
from protocol.events.rooms import (
    BanParticipant,
    EndRoom,
    JoinRoom,
    KickParticipant,
    LeaveRoom,
    LiftBan,
    LockRoom,
    MuteAll,
    MuteParticipant,
    SetLobbyMode,
    SetPermissions,
    SetRole,
    SyncRoom,
)
from protocol.ids import UserId

from .. import limits
from ..connections import group_channel, room_channel, staff_channel
from ..dispatcher import Call, CommandTable, Rule

commands = CommandTable()
READMIT_AFTER_S = 60.0
"""A join re-checks membership and bans unless the socket was admitted this recently
(the first join follows the connect's own check by milliseconds)."""
PERMISSION_FIELDS = {
    "may_speak": "speak",
    "may_video": "video",
    "may_screen": "screen",
    "may_draw": "draw",
    "may_chat": "chat",
}


@commands.command(JoinRoom, rule=Rule.CONNECTED, rate=limits.SESSION)
async def join(call: Call, cmd: JoinRoom) -> JoinResult:
    conn = call.conn
    clock = call.realtime.services.cluster.clock
    if clock.monotonic() - conn.admitted_at > READMIT_AFTER_S:
        # Membership and bans may have changed since the socket connected.
        conn.ticket = await call.rooms.admission.admit(
            user_id=conn.user_id,
            kind=conn.kind,
            room_id=conn.room_id,
            role=conn.ticket.role,
            grants=conn.ticket.grants,
        )
        conn.admitted_at = clock.monotonic()
    ticket = conn.ticket
    outcome = await call.rooms.sessions.join(
        ticket, conn_id=conn.conn_id, node_id=call.realtime.services.cluster.node_id
    )
    if outcome.participant is None:
        return JoinResult(
            status=JoinStatus.WAITING,
            session_id=outcome.session_id,
            lobby_reason=outcome.lobby_reason,
        )
    participant = outcome.participant
    conn.participant_id = participant.participant_id
    conn.is_staff = participant.is_staff
    conn.group_id = participant.group_id
    realtime = call.realtime
    await realtime.set_channel(conn, room_channel(conn.room_id), True)
    await realtime.set_channel(conn, staff_channel(conn.room_id), conn.is_staff)
    if conn.group_id is not None:
        await realtime.set_channel(conn, group_channel(conn.room_id, conn.group_id), True)
    caught = await call.rooms.sessions.catch_up(conn.actor, cmd.resume)
    return JoinResult(
        status=JoinStatus.JOINED,
        session_id=outcome.session_id,
        participant_id=participant.participant_id,
        replay=caught.replay,
        snapshot=caught.snapshot,
    )


@commands.command(LeaveRoom, rule=Rule.PARTICIPANT, rate=limits.SESSION)
async def leave(call: Call, cmd: LeaveRoom) -> None:
    conn = call.conn
    await call.rooms.sessions.leave(conn.room_id, conn.user_id, conn_id=conn.conn_id, reason="left")
    await call.realtime.evict(conn)


@commands.command(SyncRoom, rule=Rule.PARTICIPANT, rate=limits.SESSION)
async def sync(call: Call, cmd: SyncRoom) -> RoomSnapshot:
    return await call.rooms.sessions.snapshot(call.actor)


@commands.command(LockRoom, rule=Rule.TEACHER, rate=limits.TEACHER)
async def lock(call: Call, cmd: LockRoom) -> None:
    await call.rooms.controls.lock(call.actor, cmd.locked)


@commands.command(EndRoom, rule=Rule.TEACHER, rate=limits.TEACHER)
async def end(call: Call, cmd: EndRoom) -> None:
    await call.rooms.sessions.end(call.actor)


@commands.command(SetLobbyMode, rule=Rule.TEACHER, rate=limits.TEACHER)
async def set_lobby(call: Call, cmd: SetLobbyMode) -> None:
    await call.rooms.controls.set_lobby_mode(call.actor, cmd.mode)


@commands.command(MuteAll, rule=Rule.TEACHER, rate=limits.TEACHER)
async def mute_all(call: Call, cmd: MuteAll) -> None:
    await call.rooms.controls.mute_all(call.actor, include_chat=cmd.include_chat)


@commands.command(MuteParticipant, rule=Rule.TEACHER, rate=limits.TEACHER)
async def mute(call: Call, cmd: MuteParticipant) -> None:
    await call.rooms.controls.mute(call.actor, cmd.participant_id)


@commands.command(SetPermissions, rule=Rule.TEACHER, rate=limits.TEACHER)
async def set_permissions(call: Call, cmd: SetPermissions) -> None:
    changes = {
        domain: value
        for wire, domain in PERMISSION_FIELDS.items()
        if (value := getattr(cmd, wire)) is not None
    }
    await call.rooms.controls.set_permissions(call.actor, cmd.participant_id, changes)


@commands.command(SetRole, rule=Rule.HOST, rate=limits.TEACHER)
async def set_role(call: Call, cmd: SetRole) -> None:
    await call.rooms.controls.set_role(call.actor, cmd.participant_id, cmd.role)


@commands.command(KickParticipant, rule=Rule.TEACHER, rate=limits.TEACHER)
async def kick(call: Call, cmd: KickParticipant) -> None:
    await call.rooms.removal.kick(call.actor, cmd.participant_id)


@commands.command(BanParticipant, rule=Rule.TEACHER, rate=limits.TEACHER)
async def ban(call: Call, cmd: BanParticipant) -> None:
    await call.rooms.removal.ban(call.actor, cmd.participant_id)


@commands.command(LiftBan, rule=Rule.TEACHER, rate=limits.TEACHER)
async def lift_ban(call: Call, cmd: LiftBan) -> None:
    await call.rooms.removal.lift_ban(call.actor, UserId(cmd.user_id))
