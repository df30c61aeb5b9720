"""Attendance: every join and leave of a session, and the teachers' report.

Stays are written to the database when someone joins or leaves (never on the
chat path). The room's state is the truth of who is present; a stay that
cannot be written is logged with its ids and counted, and the join or leave
itself still happens: a pupil is not kept out of a lesson by a database
hiccup. Names are not stored with the stays; the report reads them from the
project's roster when it is made.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from cluster import Clock
from community import Principal
from community.clock import utc_now
from protocol.errors import CodedError, NotFound
from protocol.ids import ProjectId, RoomId, SchoolId, UserId
from storage import Database
from storage.records_rooms import RoomSessionRecord

from .admission import Admission
from .model import Participant
from .views import at

logger = logging.getLogger(__name__)

REMOVED_NAME = "(removed account)"


class AttendanceBook:
    """Writes sessions and stays as rooms change.

    Args:
        db: The database.
    """

    def __init__(self, db: Database) -> None:
        self._db = db
        self.failures = 0
        """Writes that failed (each logged with its ids)."""

    async def joined(
        self,
        *,
        room_id: RoomId,
        project_id: str,
        session_id: str,
        new_session: bool,
        session_started_at: float,
        participant: Participant,
        now: float,
    ) -> None:
        """Record a stay's start (and the session's, for its first join)."""
        try:
            async with self._db.transaction("rooms.attendance_join") as uow:
                if new_session:
                    await uow.rooms.add_session(
                        session_id=session_id,
                        room_id=room_id,
                        project_id=ProjectId(project_id),
                        started_at=at(session_started_at),
                    )
                await uow.rooms.add_attendance(
                    session_id=session_id,
                    participant_id=participant.participant_id,
                    user_id=participant.user_id,
                    role=participant.role.value,
                    school_id=participant.school_id,
                    joined_at=at(now),
                )
        except CodedError as exc:
            self._failed("join", exc, room_id, session_id, participant.participant_id)

    async def left(
        self,
        *,
        room_id: RoomId,
        session_id: str,
        participant_id: str | None,
        now: float,
        reason: str,
        session_ended: bool = False,
    ) -> None:
        """Close a participant's open stay (None: everyone's), and the session if it ended."""
        try:
            async with self._db.transaction("rooms.attendance_leave") as uow:
                await uow.rooms.close_attendance(
                    session_id=session_id,
                    participant_id=participant_id,
                    left_at=at(now),
                    reason=reason,
                )
                if session_ended:
                    await uow.rooms.end_session(session_id, at(now))
        except CodedError as exc:
            self._failed("leave", exc, room_id, session_id, participant_id)

    def _failed(
        self,
        what: str,
        exc: CodedError,
        room_id: RoomId,
        session_id: str,
        participant_id: str | None,
    ) -> None:
        self.failures += 1
        logger.error(
            "attendance %s not recorded: %s",
            what,
            exc.code.value,
            extra={
                "room_id": room_id,
                "session_id": session_id,
                "participant_id": participant_id,
            },
        )


@dataclass(frozen=True, slots=True)
class AttendanceLine:
    """One stay in a session, with the participant's roster name."""

    participant_id: str
    user_id: UserId
    display_name: str
    role: str
    school_id: SchoolId | None
    joined_at: datetime
    left_at: datetime | None
    """None while they are still there."""
    seconds: int
    """Length of the stay (so far)."""
    leave_reason: str | None


@dataclass(frozen=True, slots=True)
class AttendanceReport:
    """Every stay of one session."""

    room_id: RoomId
    session: RoomSessionRecord
    lines: tuple[AttendanceLine, ...]


class AttendanceReports:
    """What the project's teachers may read about past and current sessions.

    Args:
        db: The database.
        admission: Resolves rooms and checks teachers.
        clock: For the length of stays still open.
    """

    def __init__(self, *, db: Database, admission: Admission, clock: Clock) -> None:
        self._db = db
        self._admission = admission
        self._clock = clock

    async def sessions(self, actor: Principal, room_id: RoomId) -> list[RoomSessionRecord]:
        """A room's sessions, newest first.

        Raises:
            NotFound: No such room, or not a member of its project.
            Forbidden: Not one of the project's teachers.
        """
        await self._admission.require_teacher(actor, room_id)
        async with self._db.transaction("rooms.list_sessions") as uow:
            return await uow.rooms.list_sessions(room_id)

    async def report(self, actor: Principal, room_id: RoomId, session_id: str) -> AttendanceReport:
        """Every stay of a session, first joined first.

        Raises:
            NotFound: No such room or session, or not a member of its project.
            Forbidden: Not one of the project's teachers.
        """
        meeting, _ = await self._admission.require_teacher(actor, room_id)
        async with self._db.transaction("rooms.attendance_report") as uow:
            session = await uow.rooms.find_session(session_id)
            if session is None or session.room_id != room_id:
                raise NotFound("no such session")
            stays = await uow.rooms.list_attendance(session_id)
        members = await self._admission.list_members(meeting.project_id)
        now = utc_now(self._clock)
        lines = []
        for stay in stays:
            member = members.get(stay.user_id)
            left_at = stay.left_at or session.ended_at
            end = left_at or now
            lines.append(
                AttendanceLine(
                    participant_id=stay.participant_id,
                    user_id=stay.user_id,
                    display_name=REMOVED_NAME if member is None else member.display_name,
                    role=stay.role,
                    school_id=stay.school_id,
                    joined_at=stay.joined_at,
                    left_at=left_at,
                    seconds=max(0, round((end - stay.joined_at).total_seconds())),
                    leave_reason=stay.leave_reason,
                )
            )
        return AttendanceReport(room_id=room_id, session=session, lines=tuple(lines))
