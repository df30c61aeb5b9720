"""Frozen records of live rooms that repositories return."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from protocol.ids import ProjectId, RoomId, SchoolId, UserId


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
