"""The plain room chat (the moderation pipeline plugs into ``rooms.ChatGate``)."""

from __future__ import annotations

from protocol.events.chat import ChatAccepted, SendChat

from .. import limits
from ..dispatcher import Call, CommandTable, Rule

commands = CommandTable()


@commands.command(SendChat, rule=Rule.PARTICIPANT, rate=limits.CHAT)
async def send(call: Call, cmd: SendChat) -> ChatAccepted:
    outcome = await call.rooms.chat.send(call.actor, cmd.text, cmd.client_msg_id)
    return ChatAccepted(message_id=outcome.message_id, seq=outcome.seq, held=outcome.is_held)
