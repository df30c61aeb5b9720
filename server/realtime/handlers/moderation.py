"""The teachers' moderation of a room's chat: held queue, sanctions, reports, settings.

Every command is for the room's teachers (the domain checks the current role
again); each makes one call to ``services.moderation``.
"""

from __future__ import annotations

from moderation import PersonalDataPolicy, Premoderation
from moderation.chat import PolicyChanges, clean_domains
from protocol.events.base import EmptyResult
from protocol.events.chat import ChatPolicyView
from protocol.events.moderation import (
    Approved,
    ApproveMessage,
    ClearChat,
    DeleteMessage,
    HeldList,
    ListHeld,
    ListReports,
    MuteInChat,
    RejectMessage,
    ReportList,
    ResolveReport,
    SetChatPolicy,
    UnmuteInChat,
)
from protocol.ids import MessageId

from .. import limits
from ..dispatcher import Call, CommandTable, Rule

commands = CommandTable()
DONE = EmptyResult()


@commands.command(ListHeld, rule=Rule.TEACHER, rate=limits.TEACHER)
async def list_held(call: Call, cmd: ListHeld) -> HeldList:
    return await call.realtime.services.moderation.queue.list_held(call.actor)


@commands.command(ApproveMessage, rule=Rule.TEACHER, rate=limits.TEACHER)
async def approve(call: Call, cmd: ApproveMessage) -> Approved:
    queue = call.realtime.services.moderation.queue
    return await queue.approve(call.actor, MessageId(cmd.message_id), cmd.text)


@commands.command(RejectMessage, rule=Rule.TEACHER, rate=limits.TEACHER)
async def reject(call: Call, cmd: RejectMessage) -> EmptyResult:
    queue = call.realtime.services.moderation.queue
    await queue.reject(call.actor, MessageId(cmd.message_id), cmd.reason)
    return DONE


@commands.command(DeleteMessage, rule=Rule.TEACHER, rate=limits.TEACHER)
async def delete(call: Call, cmd: DeleteMessage) -> EmptyResult:
    sanctions = call.realtime.services.moderation.sanctions
    await sanctions.delete(call.actor, MessageId(cmd.message_id), cmd.reason)
    return DONE


@commands.command(MuteInChat, rule=Rule.TEACHER, rate=limits.TEACHER)
async def mute(call: Call, cmd: MuteInChat) -> EmptyResult:
    sanctions = call.realtime.services.moderation.sanctions
    await sanctions.mute(call.actor, cmd.participant_id, cmd.duration_s, cmd.reason)
    return DONE


@commands.command(UnmuteInChat, rule=Rule.TEACHER, rate=limits.TEACHER)
async def unmute(call: Call, cmd: UnmuteInChat) -> EmptyResult:
    sanctions = call.realtime.services.moderation.sanctions
    await sanctions.mute(call.actor, cmd.participant_id, None, None)
    return DONE


@commands.command(SetChatPolicy, rule=Rule.TEACHER, rate=limits.TEACHER)
async def set_policy(call: Call, cmd: SetChatPolicy) -> ChatPolicyView:
    changes = PolicyChanges(
        locked=cmd.locked,
        slow_mode_s=None if cmd.slow_mode_s is None else float(cmd.slow_mode_s),
        links_allowed=cmd.links_allowed,
        direct_messages=cmd.direct_messages,
        premoderation=None if cmd.premoderation is None else Premoderation(cmd.premoderation),
        personal_data=None if cmd.personal_data is None else PersonalDataPolicy(cmd.personal_data),
        allowed_domains=None if cmd.allowed_domains is None else clean_domains(cmd.allowed_domains),
    )
    return await call.realtime.services.moderation.sanctions.set_policy(call.actor, changes)


@commands.command(ClearChat, rule=Rule.TEACHER, rate=limits.TEACHER)
async def clear(call: Call, cmd: ClearChat) -> EmptyResult:
    await call.realtime.services.moderation.sanctions.clear(call.actor, cmd.reason)
    return DONE


@commands.command(ListReports, rule=Rule.TEACHER, rate=limits.TEACHER)
async def list_reports(call: Call, cmd: ListReports) -> ReportList:
    return await call.realtime.services.moderation.reports.list_reports(call.actor)


@commands.command(ResolveReport, rule=Rule.TEACHER, rate=limits.TEACHER)
async def resolve_report(call: Call, cmd: ResolveReport) -> EmptyResult:
    reports = call.realtime.services.moderation.reports
    await reports.resolve(call.actor, cmd.report_id, cmd.outcome)
    return DONE
