"""Live rooms over HTTP: join tokens, ad-hoc rooms, sessions, attendance and bans."""

from __future__ import annotations

from datetime import datetime

from ..base import ResponseModel


class LiveRoomView(ResponseModel):
    """A room a teacher opened on the spot for the project's teachers."""

    room_id: str
    project_id: str
    kind: str
    """``adhoc``."""
    created_at: datetime


class RoomSessionView(ResponseModel):
    """One live session of a room."""

    session_id: str
    room_id: str
    started_at: datetime
    ended_at: datetime | None = None
    """Absent while it runs."""


class RoomSessionListView(ResponseModel):
    sessions: list[RoomSessionView]
    """Newest first."""


class AttendanceLineView(ResponseModel):
    """One stay of a participant in a session."""

    participant_id: str
    user_id: str
    display_name: str
    """From the project's roster at the time of the report."""
    role: str
    school_id: str | None = None
    joined_at: datetime
    left_at: datetime | None = None
    """Absent while they are still there."""
    seconds: int
    leave_reason: str | None = None
    """``left``, ``disconnected``, ``kicked``, ``banned`` or ``ended``."""


class AttendanceReportView(ResponseModel):
    """Every stay of one session, first joined first."""

    room_id: str
    session: RoomSessionView
    lines: list[AttendanceLineView]


class BanView(ResponseModel):
    user_id: str
    banned_by: str
    banned_at: datetime


class BanListView(ResponseModel):
    bans: list[BanView]
