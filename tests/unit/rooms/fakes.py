"""A hand-written ``RoomDirectory`` for tests of live rooms.

It holds the projects' members and meetings that a test declares, and knows
nothing else: an undeclared room or member is unknown, as in production.
"""

from __future__ import annotations

from collections.abc import Sequence

from protocol.ids import ProjectId, RoomId, SchoolId, UserId, new_id
from rooms import MeetingRef, Member, MemberRole

EVERY_ROLE = frozenset(MemberRole)


class FakeDirectory:
    """Implements ``rooms.RoomDirectory`` from what a test declares."""

    def __init__(self) -> None:
        self.meetings: dict[RoomId, MeetingRef] = {}
        self.members: dict[tuple[ProjectId, UserId], Member] = {}
        self.calls = 0

    def add_meeting(
        self,
        project_id: ProjectId,
        *,
        room_id: RoomId | None = None,
        invited_roles: frozenset[MemberRole] = EVERY_ROLE,
        invited_users: frozenset[UserId] = frozenset(),
        series_id: str | None = None,
    ) -> MeetingRef:
        room_id = room_id or RoomId(new_id())
        meeting = MeetingRef(
            room_id=room_id,
            project_id=project_id,
            series_id=series_id or room_id,
            invited_roles=invited_roles,
            invited_users=invited_users,
        )
        self.meetings[room_id] = meeting
        return meeting

    def add_member(
        self,
        project_id: ProjectId,
        user_id: UserId,
        role: MemberRole,
        *,
        school_id: SchoolId | None = None,
        display_name: str = "Member",
    ) -> Member:
        member = Member(
            user_id=user_id,
            project_id=project_id,
            role=role,
            school_id=school_id,
            display_name=display_name,
        )
        self.members[(project_id, user_id)] = member
        return member

    def remove_member(self, project_id: ProjectId, user_id: UserId) -> None:
        self.members.pop((project_id, user_id), None)

    async def find_meeting(self, room_id: RoomId) -> MeetingRef | None:
        self.calls += 1
        return self.meetings.get(room_id)

    async def membership(self, project_id: ProjectId, user_id: UserId) -> Member | None:
        self.calls += 1
        return self.members.get((project_id, user_id))

    async def list_members(self, project_id: ProjectId) -> Sequence[Member]:
        self.calls += 1
        return [m for (p, _), m in self.members.items() if p == project_id]
