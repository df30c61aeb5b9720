"""The teachers' side of the chat: the held queue, sanctions, reports and chat settings.

Every command here is for the room's teachers (hosts and co-teachers); every
event reaches the teachers only, through the room's sequenced log, so a
teacher who reconnects resumes the queue with the rest of the room. Each
action is written to the project's audit log (ids and reason codes only).
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Annotated, ClassVar, Literal

from pydantic import BaseModel, Field

from .base import ClientEvent, EmptyResult, ServerEvent, WireId, WireModel, wire_enum
from .chat import ChatChannel, ChatPersonalData, ChatPolicyView, ChatPremoderation, ReportReason
from .text import ChatText

MAX_MUTE_S = 24 * 3600
MAX_ALLOWED_DOMAINS = 20
MAX_DOMAIN_LEN = 100


class ModerationReason(StrEnum):
    """Why a teacher acted (a closed set: the audit log never holds free text)."""

    UNKIND = "unkind"
    INAPPROPRIATE = "inappropriate"
    PERSONAL_DATA = "personal_data"
    UNSAFE = "unsafe"
    OFF_TOPIC = "off_topic"
    SPAM = "spam"
    OTHER = "other"


# -- records -------------------------------------------------------------------


class FindingView(WireModel):
    """What a check found in a held message (teachers only)."""

    check: str
    """``content`` or ``personal_data``."""
    kind: str
    """A term's category, or a kind of personal data."""
    detail: str = ""
    """The listed term, or the kind of number; never more of the pupil's text."""


class HeldMessageView(WireModel):
    """A message waiting for a teacher."""

    message_id: str
    participant_id: str
    channel: ChatChannel
    to_participant_id: str | None = None
    group_id: str | None = None
    text: str
    """Plain text: never render it as HTML."""
    sent_at: datetime
    reason: str
    """``flagged_word``, ``personal_data`` or ``premoderation``."""
    findings: list[FindingView] = Field(default_factory=list)


class HeldList(WireModel):
    messages: list[HeldMessageView]
    """Oldest first."""


class ReportView(WireModel):
    """A participant's report of a message."""

    report_id: str
    message_id: str
    reporter_participant_id: str
    reason: ReportReason
    status: Literal["open", "dismissed", "actioned"]
    created_at: datetime


class ReportList(WireModel):
    reports: list[ReportView]
    """Oldest first."""


class Approved(WireModel):
    message_id: str
    seq: int | None = None
    """The sequence number of the message as it reached the room's teachers (or the
    group, or the thread)."""


# -- commands ------------------------------------------------------------------


class ListHeld(ClientEvent):
    """The messages waiting for a teacher in this session."""

    name: ClassVar[str] = "moderation.list_held"
    result: ClassVar[type[BaseModel] | None] = HeldList


class ApproveMessage(ClientEvent):
    """Deliver a waiting message, as written or edited."""

    name: ClassVar[str] = "moderation.approve"
    result: ClassVar[type[BaseModel] | None] = Approved

    message_id: WireId
    text: ChatText | None = None
    """The edited text; absent to approve the message as written."""


class RejectMessage(ClientEvent):
    """Refuse a waiting message: nobody but its sender ever saw it."""

    name: ClassVar[str] = "moderation.reject"
    result: ClassVar[type[BaseModel] | None] = EmptyResult

    message_id: WireId
    reason: Annotated[ModerationReason, wire_enum(ModerationReason)] = ModerationReason.OTHER


class DeleteMessage(ClientEvent):
    """Delete a posted message: everyone, late joiners included, sees a tombstone."""

    name: ClassVar[str] = "moderation.delete"
    result: ClassVar[type[BaseModel] | None] = EmptyResult

    message_id: WireId
    reason: Annotated[ModerationReason, wire_enum(ModerationReason)] = ModerationReason.OTHER


class MuteInChat(ClientEvent):
    """Stop a pupil (or observer) writing in the chat for a while."""

    name: ClassVar[str] = "moderation.mute"
    result: ClassVar[type[BaseModel] | None] = EmptyResult

    participant_id: WireId
    duration_s: Annotated[int, Field(ge=10, le=MAX_MUTE_S)] = 300
    reason: Annotated[ModerationReason, wire_enum(ModerationReason)] = ModerationReason.OTHER


class UnmuteInChat(ClientEvent):
    """Let a muted participant write again."""

    name: ClassVar[str] = "moderation.unmute"
    result: ClassVar[type[BaseModel] | None] = EmptyResult

    participant_id: WireId


class SetChatPolicy(ClientEvent):
    """Change some of the room's chat settings (absent fields stay as they are)."""

    name: ClassVar[str] = "moderation.set_policy"
    result: ClassVar[type[BaseModel] | None] = ChatPolicyView

    locked: bool | None = None
    slow_mode_s: Annotated[int, Field(ge=0, le=3600)] | None = None
    """0 turns slow mode off."""
    links_allowed: bool | None = None
    direct_messages: bool | None = None
    premoderation: Annotated[ChatPremoderation, wire_enum(ChatPremoderation)] | None = None
    personal_data: Annotated[ChatPersonalData, wire_enum(ChatPersonalData)] | None = None
    allowed_domains: (
        Annotated[
            list[Annotated[str, Field(min_length=3, max_length=MAX_DOMAIN_LEN)]],
            Field(max_length=MAX_ALLOWED_DOMAINS),
        ]
        | None
    ) = None
    """Link hosts pupils may post without a hold (``wikipedia.org`` covers its subdomains)."""


class ClearChat(ClientEvent):
    """Clear the chat for everyone (teachers keep the messages in the transcript)."""

    name: ClassVar[str] = "moderation.clear"
    result: ClassVar[type[BaseModel] | None] = EmptyResult

    reason: Annotated[ModerationReason, wire_enum(ModerationReason)] = ModerationReason.OTHER


class ListReports(ClientEvent):
    """Reports of this session's messages, open ones included."""

    name: ClassVar[str] = "moderation.list_reports"
    result: ClassVar[type[BaseModel] | None] = ReportList


class ResolveReport(ClientEvent):
    """Close a report."""

    name: ClassVar[str] = "moderation.resolve_report"
    result: ClassVar[type[BaseModel] | None] = EmptyResult

    report_id: WireId
    outcome: Literal["dismissed", "actioned"]


# -- events (teachers only) ----------------------------------------------------


class MessageHeld(ServerEvent):
    """A message waits for a teacher's decision."""

    name: ClassVar[str] = "moderation.message_held"

    message: HeldMessageView


class HeldResolved(ServerEvent):
    """A teacher approved or refused a waiting message (it leaves the queue)."""

    name: ClassVar[str] = "moderation.held_resolved"

    message_id: str
    outcome: Literal["approved", "rejected"]
    by_participant_id: str


class ReportFiled(ServerEvent):
    """Someone reported a message."""

    name: ClassVar[str] = "moderation.report_filed"

    report: ReportView


class ReportResolved(ServerEvent):
    """A teacher closed a report."""

    name: ClassVar[str] = "moderation.report_resolved"

    report_id: str
    outcome: Literal["dismissed", "actioned"]
    by_participant_id: str
