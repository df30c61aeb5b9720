"""A small read API for the live rooms: who belongs to a project, and which
project (and audience) stands behind a meeting's room.

The live rooms check "the project membership behind the meeting" before
anything else: ``find_meeting_by_room`` gives the meeting, its project and
the project's state; ``membership`` gives the caller's role, kind and school
(or None); :func:`may_join_meeting` combines them with the same rule that
decides who sees the meeting in the space.
"""

from __future__ import annotations

from dataclasses import dataclass

from protocol.api.projects import MemberKind, ProjectStatus, SpaceRole
from protocol.ids import ProjectId, RoomId, SchoolId, UserId
from storage import Database
from storage.records_projects import MeetingRecord, MemberRecord

from .roles import SPACE_STATUSES, may_see_meeting


@dataclass(frozen=True, slots=True)
class ProjectMember:
    """One member of a project, as the live rooms need them."""

    project_id: ProjectId
    user_id: UserId
    role: SpaceRole
    kind: MemberKind
    school_id: SchoolId
    country_code: str
    display_name: str
    """A teacher's name, a pupil's pseudonym."""
    project_status: ProjectStatus

    @property
    def is_pupil(self) -> bool:
        return self.kind is MemberKind.PUPIL


def _member(record: MemberRecord, status: ProjectStatus) -> ProjectMember:
    return ProjectMember(
        project_id=record.project_id,
        user_id=record.user_id,
        role=record.role,
        kind=record.kind,
        school_id=record.school_id,
        country_code=record.country_code,
        display_name=record.display_name,
        project_status=status,
    )


def may_join_meeting(meeting: MeetingRecord, member: ProjectMember | None) -> bool:
    """Whether this member may be in this meeting's room: a member of the
    meeting's own project, whose space exists, and in the meeting's audience."""
    if member is None or member.project_id != meeting.project_id:
        return False
    if member.project_status not in SPACE_STATUSES:
        return False
    return may_see_meeting(
        member.role,
        member.user_id,
        audience=meeting.audience,
        invited_user_ids=meeting.invited_user_ids,
    )


class ProjectDirectory:
    """Read-only answers about projects, without an acting principal."""

    def __init__(self, *, db: Database) -> None:
        self._db = db

    async def membership(self, project_id: ProjectId, user_id: UserId) -> ProjectMember | None:
        """The account's membership of the project, or None (also for an unknown project)."""
        async with self._db.transaction("projects.directory.membership") as uow:
            project = await uow.projects.find_project(project_id)
            if project is None:
                return None
            record = await uow.projects.find_member(project_id, user_id)
        return None if record is None else _member(record, project.status)

    async def list_members(self, project_id: ProjectId) -> tuple[ProjectMember, ...]:
        """Every member of the project (empty for an unknown project)."""
        async with self._db.transaction("projects.directory.members") as uow:
            project = await uow.projects.find_project(project_id)
            if project is None:
                return ()
            records = await uow.projects.list_members(project_id)
        return tuple(_member(r, project.status) for r in records)

    async def find_meeting_by_room(self, room_id: RoomId) -> MeetingRecord | None:
        """The meeting that opens this room (with its project's state), or None."""
        async with self._db.transaction("projects.directory.meeting") as uow:
            return await uow.spaces.find_meeting_by_room(room_id)
