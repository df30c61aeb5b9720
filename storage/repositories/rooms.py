"""Live rooms: ad-hoc rooms, sessions, attendance rows and bans."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    BindParameter,
    Select,
    and_,
    bindparam,
    exists,
    func,
    literal_column,
    select,
    true,
    union_all,
    update,
)
from sqlalchemy.ext.asyncio import AsyncSession

from protocol.api.projects import ProjectStatus, SpaceRole
from protocol.api.spaces import MeetingAudience
from protocol.ids import ProjectId, RoomId, SchoolId, UserId

from ..records_rooms import (
    AttendanceRecord,
    BanRecord,
    EntryMemberRecord,
    LiveRoomRecord,
    RoomEntryRecord,
    RoomSessionRecord,
    RoomTargetRecord,
)
from ..tables.accounts import Pupil, Teacher, User
from ..tables.projects import Meeting, MeetingInvitee, Project, ProjectMember
from ..tables.rooms import Attendance, LiveRoom, RoomBan, RoomSession
from .accounts import AUTH_SUBJECT_COLUMNS, auth_subject, with_auth_subject_joins
from .projects import UNKNOWN_AUTHOR

MAX_SESSIONS_LISTED = 200


def _entry_query() -> Select[Any]:
    """Everything a connection's admission reads, as one statement (``find_entry``).

    A connection used to cost five transactions (the account, the ad-hoc
    room, the meeting, the membership, the ban); through aiosqlite's thread
    each is several round trips that wait for a turn of a busy event loop,
    which made 10,000 connections take minutes. One statement reads the
    same rows in one snapshot: the account's auth subject (a subquery, so
    that its joins stay apart from the member's), the room id's target (the
    ad-hoc room first, as ``Admission.resolve`` looks, else the meeting),
    the project's state, the account's membership with its name, whether
    the meeting names the account among its invitees, and an active ban of
    the series. No row: the account is gone.
    """
    user_id: BindParameter[str] = bindparam("user_id")
    room_id: BindParameter[str] = bindparam("room_id")
    subject = (
        with_auth_subject_joins(select(User.id.label("user_id"), *AUTH_SUBJECT_COLUMNS))
        .where(User.id == user_id)
        .subquery("subject")
    )
    target = union_all(
        select(
            LiveRoom.id.label("series_id"),
            LiveRoom.project_id.label("project_id"),
            literal_column("1").label("adhoc"),
            literal_column("NULL").label("audience"),
        ).where(LiveRoom.id == room_id),
        select(
            Meeting.id.label("series_id"),
            Meeting.project_id.label("project_id"),
            literal_column("0").label("adhoc"),
            Meeting.audience.label("audience"),
        ).where(Meeting.room_id == room_id),
    ).subquery("target")
    invited = exists().where(
        MeetingInvitee.meeting_id == target.c.series_id, MeetingInvitee.user_id == user_id
    )
    banned = exists().where(
        RoomBan.series_id == target.c.series_id,
        RoomBan.user_id == user_id,
        RoomBan.lifted_at.is_(None),
    )
    return (
        select(
            *list(subject.c)[1:],
            target.c.series_id,
            target.c.project_id,
            target.c.adhoc,
            target.c.audience,
            Project.status,
            invited.label("invited"),
            banned.label("banned"),
            ProjectMember.role,
            ProjectMember.school_id,
            func.coalesce(Teacher.full_name, Pupil.display_name),
        )
        .select_from(subject)
        .outerjoin(target, true())
        .outerjoin(Project, Project.id == target.c.project_id)
        .outerjoin(
            ProjectMember,
            and_(
                ProjectMember.project_id == target.c.project_id,
                ProjectMember.user_id == subject.c.user_id,
            ),
        )
        .outerjoin(Teacher, Teacher.user_id == ProjectMember.user_id)
        .outerjoin(Pupil, Pupil.user_id == ProjectMember.user_id)
        .order_by(target.c.adhoc.desc())
        .limit(1)
    )


ENTRY = _entry_query()
"""``find_entry``'s statement; its parameters are ``user_id`` and ``room_id``
(``storage.entry_reads`` runs it too, straight through SQLite's driver: its
columns are plain strings and numbers, which need no conversion)."""
_SUBJECT_WIDTH = len(AUTH_SUBJECT_COLUMNS)


def entry_record(user_id: UserId, row: Any) -> RoomEntryRecord:
    """The record of one row of ``ENTRY``."""
    subject = auth_subject(user_id, row[:_SUBJECT_WIDTH])
    (series_id, project_id, adhoc, audience, status, invited, banned, *member) = row[
        _SUBJECT_WIDTH:
    ]
    if series_id is None:
        return RoomEntryRecord(subject=subject, target=None, member=None, banned=False)
    target = RoomTargetRecord(
        series_id=series_id,
        project_id=ProjectId(project_id),
        adhoc=bool(adhoc),
        audience=None if audience is None else MeetingAudience(audience),
        project_status=None if status is None else ProjectStatus(status),
        user_invited=bool(invited),
    )
    role, school_id, name = member
    record = (
        None
        if role is None or status is None
        else EntryMemberRecord(
            project_id=target.project_id,
            user_id=user_id,
            role=SpaceRole(role),
            school_id=SchoolId(school_id),
            display_name=name or UNKNOWN_AUTHOR,
        )
    )
    return RoomEntryRecord(subject=subject, target=target, member=record, banned=bool(banned))


def _room(row: LiveRoom) -> LiveRoomRecord:
    return LiveRoomRecord(
        id=RoomId(row.id),
        project_id=ProjectId(row.project_id),
        kind=row.kind,
        created_by=UserId(row.created_by),
        created_at=row.created_at,
    )


def _session(row: RoomSession) -> RoomSessionRecord:
    return RoomSessionRecord(
        id=row.id,
        room_id=RoomId(row.room_id),
        project_id=ProjectId(row.project_id),
        started_at=row.started_at,
        ended_at=row.ended_at,
    )


def _attendance(row: Attendance) -> AttendanceRecord:
    return AttendanceRecord(
        session_id=row.session_id,
        participant_id=row.participant_id,
        user_id=UserId(row.user_id),
        role=row.role,
        school_id=None if row.school_id is None else SchoolId(row.school_id),
        joined_at=row.joined_at,
        left_at=row.left_at,
        leave_reason=row.leave_reason,
    )


def _ban(row: RoomBan) -> BanRecord:
    return BanRecord(
        series_id=row.series_id,
        room_id=RoomId(row.room_id),
        user_id=UserId(row.user_id),
        banned_by=UserId(row.banned_by),
        banned_at=row.banned_at,
    )


class SqlRoomRepo:
    """Rows of live rooms that outlast their sessions."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    # -- ad-hoc rooms ---------------------------------------------------------

    async def add_room(
        self,
        *,
        room_id: RoomId,
        project_id: ProjectId,
        kind: str,
        created_by: UserId,
        now: datetime,
    ) -> LiveRoomRecord:
        row = LiveRoom(
            id=room_id, project_id=project_id, kind=kind, created_by=created_by, created_at=now
        )
        self._session.add(row)
        await self._session.flush()
        return _room(row)

    async def find_room(self, room_id: RoomId) -> LiveRoomRecord | None:
        row = await self._session.get(LiveRoom, room_id)
        return None if row is None else _room(row)

    async def find_entry(self, user_id: UserId, room_id: RoomId) -> RoomEntryRecord | None:
        """What admitting ``user_id`` to ``room_id`` needs, in one statement
        (see ``_entry_query``); None when the account is gone."""
        connection = await self._session.connection()
        row = (
            await connection.execute(ENTRY, {"user_id": user_id, "room_id": room_id})
        ).one_or_none()
        return None if row is None else entry_record(user_id, row)

    # -- sessions -------------------------------------------------------------

    async def add_session(
        self, *, session_id: str, room_id: RoomId, project_id: ProjectId, started_at: datetime
    ) -> None:
        """Record a session's start; recording it twice changes nothing."""
        if await self._session.get(RoomSession, session_id) is not None:
            return
        self._session.add(
            RoomSession(
                id=session_id, room_id=room_id, project_id=project_id, started_at=started_at
            )
        )
        await self._session.flush()

    async def end_session(self, session_id: str, ended_at: datetime) -> None:
        await self._session.execute(
            update(RoomSession)
            .where(RoomSession.id == session_id, RoomSession.ended_at.is_(None))
            .values(ended_at=ended_at)
        )

    async def find_session(self, session_id: str) -> RoomSessionRecord | None:
        row = await self._session.get(RoomSession, session_id)
        return None if row is None else _session(row)

    async def list_sessions(self, room_id: RoomId) -> list[RoomSessionRecord]:
        """A room's sessions, newest first."""
        rows = await self._session.scalars(
            select(RoomSession)
            .where(RoomSession.room_id == room_id)
            .order_by(RoomSession.started_at.desc(), RoomSession.id)
            .limit(MAX_SESSIONS_LISTED)
        )
        return [_session(r) for r in rows]

    # -- attendance -------------------------------------------------------------

    async def add_attendance(
        self,
        *,
        session_id: str,
        participant_id: str,
        user_id: UserId,
        role: str,
        school_id: SchoolId | None,
        joined_at: datetime,
    ) -> None:
        self._session.add(
            Attendance(
                session_id=session_id,
                participant_id=participant_id,
                user_id=user_id,
                role=role,
                school_id=school_id,
                joined_at=joined_at,
            )
        )
        await self._session.flush()

    async def close_attendance(
        self, *, session_id: str, participant_id: str | None, left_at: datetime, reason: str
    ) -> int:
        """Close the open stays of a participant (or, with None, of everyone).

        Returns:
            How many stays were closed.
        """
        query = update(Attendance).where(
            Attendance.session_id == session_id, Attendance.left_at.is_(None)
        )
        if participant_id is not None:
            query = query.where(Attendance.participant_id == participant_id)
        result = await self._session.execute(
            query.values(left_at=left_at, leave_reason=reason).execution_options(
                synchronize_session=False
            )
        )
        return int(result.rowcount)  # type: ignore[attr-defined]

    async def list_attendance(self, session_id: str) -> list[AttendanceRecord]:
        """Every stay of a session, in the order they began."""
        rows = await self._session.scalars(
            select(Attendance)
            .where(Attendance.session_id == session_id)
            .order_by(Attendance.joined_at, Attendance.id)
        )
        return [_attendance(r) for r in rows]

    # -- bans -------------------------------------------------------------------

    async def add_ban(
        self,
        *,
        series_id: str,
        room_id: RoomId,
        user_id: UserId,
        banned_by: UserId,
        now: datetime,
    ) -> None:
        """Ban a user; banning a banned user again changes nothing."""
        if await self.find_active_ban(series_id, user_id) is not None:
            return
        self._session.add(
            RoomBan(
                series_id=series_id,
                room_id=room_id,
                user_id=user_id,
                banned_by=banned_by,
                banned_at=now,
            )
        )
        await self._session.flush()

    async def find_active_ban(self, series_id: str, user_id: UserId) -> BanRecord | None:
        row = await self._session.scalar(
            select(RoomBan).where(
                RoomBan.series_id == series_id,
                RoomBan.user_id == user_id,
                RoomBan.lifted_at.is_(None),
            )
        )
        return None if row is None else _ban(row)

    async def lift_ban(
        self, *, series_id: str, user_id: UserId, lifted_by: UserId, now: datetime
    ) -> bool:
        """Lift a user's active ban; False when there was none."""
        result = await self._session.execute(
            update(RoomBan)
            .where(
                RoomBan.series_id == series_id,
                RoomBan.user_id == user_id,
                RoomBan.lifted_at.is_(None),
            )
            .values(lifted_at=now, lifted_by=lifted_by)
            .execution_options(synchronize_session=False)
        )
        return bool(result.rowcount)  # type: ignore[attr-defined]

    async def list_bans(self, series_id: str) -> list[BanRecord]:
        """Active bans of a series, oldest first."""
        rows = await self._session.scalars(
            select(RoomBan)
            .where(RoomBan.series_id == series_id, RoomBan.lifted_at.is_(None))
            .order_by(RoomBan.banned_at, RoomBan.id)
        )
        return [_ban(r) for r in rows]
