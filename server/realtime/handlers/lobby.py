"""Letting people in from the lobby, or turning them away."""

from __future__ import annotations

from protocol.events.lobby import AdmitFromLobby, DenyFromLobby
from protocol.ids import UserId

from .. import limits
from ..dispatcher import Call, CommandTable, Rule

commands = CommandTable()


@commands.command(AdmitFromLobby, rule=Rule.TEACHER, rate=limits.TEACHER)
async def admit(call: Call, cmd: AdmitFromLobby) -> None:
    await call.rooms.lobby.admit(call.actor, [UserId(u) for u in cmd.user_ids])


@commands.command(DenyFromLobby, rule=Rule.TEACHER, rate=limits.TEACHER)
async def deny(call: Call, cmd: DenyFromLobby) -> None:
    await call.rooms.lobby.deny(call.actor, UserId(cmd.user_id))
