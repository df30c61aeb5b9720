"""``CommunityDirectory``: the rooms' ``RoomDirectory`` over the community's projects.

A thin adapter: it asks ``community.ProjectDirectory`` and translates its
answers into what live rooms need. Rooms open only for active projects;
a meeting's audience becomes its roster (members outside it may still
knock, and wait in the lobby for a teacher's decision).
"""

from __future__ import annotations

from collections.abc import Sequence

from community import ProjectDirectory, ProjectMember
from protocol.api.projects import ProjectStatus, SpaceRole
from protocol.api.spaces import MeetingAudience
from protocol.ids import ProjectId, RoomId, UserId
from storage.records_rooms import EntryMemberRecord, RoomTargetRecord

from .ports import MeetingRef, Member, MemberRole

MEMBER_ROLES: dict[SpaceRole, MemberRole] = {
    SpaceRole.TEACHER_ADMIN: MemberRole.ADMIN,
    SpaceRole.TEACHER: MemberRole.TEACHER,
    SpaceRole.OBSERVER: MemberRole.OBSERVER,
    SpaceRole.GUEST: MemberRole.OBSERVER,
    SpaceRole.PUPIL_ADMIN: MemberRole.PUPIL,
    SpaceRole.PUPIL: MemberRole.PUPIL,
}

ROSTER_ROLES: dict[MeetingAudience, frozenset[MemberRole]] = {
    MeetingAudience.ALL_MEMBERS: frozenset(MemberRole),
    MeetingAudience.TEACHERS: frozenset(
        {MemberRole.ADMIN, MemberRole.TEACHER, MemberRole.OBSERVER}
    ),
    MeetingAudience.CHOSEN: frozenset({MemberRole.ADMIN}),
}


def _member(member: ProjectMember | EntryMemberRecord) -> Member:
    return Member(
        user_id=member.user_id,
        project_id=member.project_id,
        role=MEMBER_ROLES[member.role],
        school_id=member.school_id,
        display_name=member.display_name,
    )


class CommunityDirectory:
    """Implements ``rooms.ports.RoomDirectory`` with the community's projects.

    Args:
        projects: The community's read API of projects.
    """

    def __init__(self, projects: ProjectDirectory) -> None:
        self._projects = projects

    async def find_meeting(self, room_id: RoomId) -> MeetingRef | None:
        """See ``RoomDirectory.find_meeting``."""
        meeting = await self._projects.find_meeting_by_room(room_id)
        if meeting is None or meeting.project_status is not ProjectStatus.ACTIVE:
            return None
        return MeetingRef(
            room_id=meeting.room_id,
            project_id=meeting.project_id,
            series_id=meeting.id,
            invited_roles=ROSTER_ROLES[meeting.audience],
            invited_users=frozenset(meeting.invited_user_ids)
            if meeting.audience is MeetingAudience.CHOSEN
            else frozenset(),
        )

    async def membership(self, project_id: ProjectId, user_id: UserId) -> Member | None:
        """See ``RoomDirectory.membership``."""
        member = await self._projects.membership(project_id, user_id)
        if member is None or member.project_status is not ProjectStatus.ACTIVE:
            return None
        return _member(member)

    async def list_members(self, project_id: ProjectId) -> Sequence[Member]:
        """See ``RoomDirectory.list_members``."""
        return [_member(m) for m in await self._projects.list_members(project_id)]

    def entry_of(
        self,
        room_id: RoomId,
        user_id: UserId,
        target: RoomTargetRecord,
        member: EntryMemberRecord | None,
    ) -> tuple[MeetingRef | None, Member | None]:
        """The answers of ``find_meeting`` and ``membership`` for rows that the
        admission read itself, in one statement with the account and the ban
        (storage ``find_entry``): the projects live in the same database, so
        this directory's data can join that statement.

        The ad-hoc room's ``MeetingRef`` is the admission's to build; this gives
        the meeting's (None for an ad-hoc target). The roster of chosen
        invitees names ``user_id`` alone, when invited: the statement reads
        whether the reading user is invited, not the whole list, and a
        ticket's meeting only ever answers for its own member.
        """
        active = target.project_status is ProjectStatus.ACTIVE
        meeting = None
        if not target.adhoc and active and target.audience is not None:
            chosen = target.audience is MeetingAudience.CHOSEN and target.user_invited
            meeting = MeetingRef(
                room_id=room_id,
                project_id=target.project_id,
                series_id=target.series_id,
                invited_roles=ROSTER_ROLES[target.audience],
                invited_users=frozenset({user_id}) if chosen else frozenset(),
            )
        return meeting, (_member(member) if member is not None and active else None)
