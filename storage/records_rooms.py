"""Frozen records of live rooms that repositories return."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from protocol.api.projects import ProjectStatus, SpaceRole
from protocol.api.spaces import MeetingAudience
from protocol.ids import ProjectId, RoomId, SchoolId, UserId

from .records import AuthSubjectRecord


@dataclass(frozen=True, slots=True)
class LiveRoomRecord:
    id: RoomId
    project_id: ProjectId
    kind: str
    created_by: UserId
    created_at: datetime


@dataclass(frozen=True, slots=True)
class RoomSessionRecord:
    id: str
    room_id: RoomId
    project_id: ProjectId
    started_at: datetime
    ended_at: datetime | None


@dataclass(frozen=True, slots=True)
class AttendanceRecord:
    session_id: str
    participant_id: str
    user_id: UserId
    role: str
    school_id: SchoolId | None
    joined_at: datetime
    left_at: datetime | None
    leave_reason: str | None


@dataclass(frozen=True, slots=True)
class BanRecord:
    series_id: str
    room_id: RoomId
    user_id: UserId
    banned_by: UserId
    banned_at: datetime


@dataclass(frozen=True, slots=True)
class RoomTargetRecord:
    """What a room id names: an ad-hoc room or a scheduled meeting's room."""

    series_id: str
    """Bans hold for it: the ad-hoc room's id, or the meeting's."""
    project_id: ProjectId
    adhoc: bool
    audience: MeetingAudience | None
    """The meeting's audience (None for an ad-hoc room)."""
    project_status: ProjectStatus | None
    """None when the project row is gone."""
    user_invited: bool
    """Whether the meeting names the reading user among its chosen invitees."""


@dataclass(frozen=True, slots=True)
class EntryMemberRecord:
    """A membership as a connection's admission reads it (what a room's
    ``Member`` shows, nothing more)."""

    project_id: ProjectId
    user_id: UserId
    role: SpaceRole
    school_id: SchoolId
    display_name: str
    """A teacher's name, a pupil's pseudonym."""


@dataclass(frozen=True, slots=True)
class RoomEntryRecord:
    """Everything a connection's admission reads, read at once (``find_entry``)."""

    subject: AuthSubjectRecord | None
    """The account (None: gone)."""
    target: RoomTargetRecord | None
    """The room (None: no such room)."""
    member: EntryMemberRecord | None
    """The account's membership of the room's project (None: not a member)."""
    banned: bool
    """An active ban of the account from the room's series."""
