"""Tables of live rooms: ad-hoc rooms, sessions, attendance and bans.

The live state of a room (roster, lobby, hands...) is not here: it lives in
the cluster's room state. Only what must outlast a session is: who attended
when, and who is banned. Rows hold ids only; names come from the community
when a report is made, so erasing a user erases them from reports too (rows
referencing users cascade).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from ..types import UtcDateTime
from .base import Base

ID = String(36)
ROOM_ID = String(64)


class LiveRoom(Base):
    """A room a project's teacher opened on the spot (scheduled rooms are meetings)."""

    __tablename__ = "live_rooms"

    id: Mapped[str] = mapped_column(ROOM_ID, primary_key=True)
    project_id: Mapped[str] = mapped_column(ID, index=True)
    kind: Mapped[str] = mapped_column(String(20))
    created_by: Mapped[str] = mapped_column(ID)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)


class RoomSession(Base):
    """One live session of a room, from its first join to its end."""

    __tablename__ = "room_sessions"
    __table_args__ = (Index("ix_room_sessions_room", "room_id", "started_at"),)

    id: Mapped[str] = mapped_column(ID, primary_key=True)
    room_id: Mapped[str] = mapped_column(ROOM_ID)
    project_id: Mapped[str] = mapped_column(ID)
    started_at: Mapped[datetime] = mapped_column(UtcDateTime)
    ended_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)


class Attendance(Base):
    """One stay of a participant in a session: joined, then left (or still there)."""

    __tablename__ = "room_attendance"
    __table_args__ = (Index("ix_room_attendance_session", "session_id", "participant_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    session_id: Mapped[str] = mapped_column(ForeignKey("room_sessions.id", ondelete="CASCADE"))
    participant_id: Mapped[str] = mapped_column(String(64))
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(String(20))
    school_id: Mapped[str | None] = mapped_column(ID, nullable=True)
    joined_at: Mapped[datetime] = mapped_column(UtcDateTime)
    left_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    leave_reason: Mapped[str | None] = mapped_column(String(20), nullable=True)


class RoomBan(Base):
    """A user kept out of a room (or a meeting series) until a teacher lifts it."""

    __tablename__ = "room_bans"
    __table_args__ = (Index("ix_room_bans_series_user", "series_id", "user_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    series_id: Mapped[str] = mapped_column(ROOM_ID)
    room_id: Mapped[str] = mapped_column(ROOM_ID)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    banned_by: Mapped[str] = mapped_column(ID)
    banned_at: Mapped[datetime] = mapped_column(UtcDateTime)
    lifted_by: Mapped[str | None] = mapped_column(ID, nullable=True)
    lifted_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
