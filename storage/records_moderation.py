"""Frozen records of moderation that repositories return."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, NamedTuple

from protocol.ids import MessageId, ProjectId, RoomId, SchoolId, UserId


@dataclass(frozen=True, slots=True)
class ChatMessageRecord:
    """One stored chat message (see ``storage.tables.moderation.ChatMessage``)."""

    id: int
    """Its place in the room's order."""
    message_id: MessageId
    room_id: RoomId
    session_id: str
    project_id: ProjectId
    school_id: SchoolId | None
    participant_id: str
    sender_user_id: UserId | None
    sender_role: str
    channel: str
    group_id: str | None
    peer_user_id: UserId | None
    peer_participant_id: str | None
    status: str
    text: str | None
    client_msg_id: str | None
    sent_at: datetime
    links_allowed: bool
    edited: bool
    hold_reason: str | None
    findings: tuple[Mapping[str, Any], ...]
    decided_by: UserId | None
    decided_at: datetime | None


class NewChatMessage(NamedTuple):
    """What the gate stores for a message the pipeline let through or held.

    A named tuple, not a frozen dataclass: the gate makes one for every
    message, and a frozen dataclass sets each of its 19 fields through
    ``object.__setattr__`` (about 25k instructions a message under callgrind).
    Immutable all the same; compare it by its fields, never with a plain tuple.
    """

    message_id: MessageId
    room_id: RoomId
    session_id: str
    project_id: ProjectId
    school_id: SchoolId | None
    participant_id: str
    sender_user_id: UserId
    sender_role: str
    channel: str
    group_id: str | None
    peer_user_id: UserId | None
    peer_participant_id: str | None
    status: str
    text: str
    client_msg_id: str | None
    sent_at: datetime
    links_allowed: bool
    hold_reason: str | None = None
    findings: Sequence[Mapping[str, Any]] = ()


@dataclass(frozen=True, slots=True)
class HistoryViewer:
    """Whose history is asked for: what they may see of the session's messages."""

    user_id: UserId
    is_staff: bool
    group_id: str | None
    """Their breakout group now (its messages join the main room's)."""


@dataclass(frozen=True, slots=True)
class ChatReportRecord:
    id: int
    report_id: str
    message_id: MessageId
    room_id: RoomId
    session_id: str
    project_id: ProjectId
    reporter_user_id: UserId
    reporter_participant_id: str
    reason: str
    status: str
    created_at: datetime
    resolved_by: UserId | None
    resolved_at: datetime | None


@dataclass(frozen=True, slots=True)
class ChatRoomSettingsRecord:
    room_id: RoomId
    premoderation: str
    personal_data: str
    links_allowed: bool
    slow_mode_s: float | None
    allowed_domains: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class ProjectTermRecord:
    project_id: ProjectId
    text: str
    severity: str
    added_by: UserId
    added_at: datetime


@dataclass(frozen=True, slots=True)
class HeldContentRecord:
    id: int
    held_id: str
    project_id: ProjectId
    kind: str
    author_user_id: UserId
    school_id: SchoolId | None
    target_id: str | None
    title: str | None
    body: str | None
    extra: Mapping[str, Any]
    reason: str
    findings: tuple[Mapping[str, Any], ...]
    status: str
    created_at: datetime
    decided_by: UserId | None
    decided_at: datetime | None
