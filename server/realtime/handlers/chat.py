"""The room chat: sending (through the moderation pipeline, ``rooms.ChatGate``),
history, and reporting a message to the room's teachers."""

from __future__ import annotations

from cluster import RateRule
from protocol.events.chat import (
    ChatAccepted,
    ChatHistory,
    ChatPage,
    ReportAccepted,
    ReportMessage,
    SendChat,
)
from protocol.ids import MessageId

from .. import limits
from ..dispatcher import Call, CommandTable, Rule

commands = CommandTable()
REPORT = RateRule("rt.report", capacity=5, refill_per_s=0.1)
"""Reports: a few at once, then one every ten seconds."""


@commands.command(SendChat, rule=Rule.PARTICIPANT, rate=limits.CHAT)
async def send(call: Call, cmd: SendChat) -> ChatAccepted:
    outcome = await call.rooms.chat.send(
        call.actor, cmd.text, cmd.client_msg_id, channel=cmd.channel, to=cmd.to_participant_id
    )
    return ChatAccepted(
        message_id=outcome.message_id,
        seq=outcome.seq,
        held=outcome.is_held,
        duplicate=outcome.is_duplicate,
    )


@commands.command(ChatHistory, rule=Rule.PARTICIPANT, rate=limits.SESSION)
async def history(call: Call, cmd: ChatHistory) -> ChatPage:
    moderation = call.realtime.services.moderation
    return await moderation.history.page(call.actor, cmd.before, cmd.limit)


@commands.command(ReportMessage, rule=Rule.PARTICIPANT, rate=REPORT)
async def report(call: Call, cmd: ReportMessage) -> ReportAccepted:
    reports = call.realtime.services.moderation.reports
    report_id = await reports.report(call.actor, MessageId(cmd.message_id), cmd.reason)
    return ReportAccepted(report_id=report_id)
