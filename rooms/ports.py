"""What live rooms need from the rest of the community domain, and nothing more.

Projects, their members and their scheduled meetings belong to
``community.projects``; rooms only ask three questions through this
Protocol. The server wires the community's implementation; tests use a small
fake. A room whose meeting cannot be resolved is refused (``not_found``):
there is no permissive default.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol

from protocol.ids import ProjectId, RoomId, SchoolId, UserId


class MemberRole(StrEnum):
    """A project member's role, as far as live rooms care."""

    ADMIN = "admin"
    """Teacher admin of the project (founders and partner teachers)."""
    TEACHER = "teacher"
    PUPIL = "pupil"
    OBSERVER = "observer"
    """Observers and guests of the project."""


@dataclass(frozen=True, slots=True)
class Member:
    """A member of a project."""

    user_id: UserId
    project_id: ProjectId
    role: MemberRole
    school_id: SchoolId | None
    display_name: str
    """From the school's roster (a pupil's pseudonym); shown in the room."""


@dataclass(frozen=True, slots=True)
class MeetingRef:
    """The scheduled meeting (or ad-hoc room) behind a live room."""

    room_id: RoomId
    project_id: ProjectId
    series_id: str
    """Bans hold for the series (a single meeting: its own id)."""
    invited_roles: frozenset[MemberRole]
    """Member roles on the roster (admins are always on it)."""
    invited_users: frozenset[UserId] = frozenset()
    """Members on the roster by name, whatever their role."""

    def has_on_roster(self, member: Member) -> bool:
        """Whether ``member`` is expected (everyone else waits in the lobby)."""
        return (
            member.role is MemberRole.ADMIN
            or member.role in self.invited_roles
            or member.user_id in self.invited_users
        )


class RoomDirectory(Protocol):
    """Projects, members and meetings, read fresh on each call."""

    async def find_meeting(self, room_id: RoomId) -> MeetingRef | None:
        """The meeting whose live room this is, or None."""
        ...

    async def membership(self, project_id: ProjectId, user_id: UserId) -> Member | None:
        """The user's membership of the project, or None."""
        ...

    async def list_members(self, project_id: ProjectId) -> Sequence[Member]:
        """Every member of the project."""
        ...


class NoMeetings:
    """A ``RoomDirectory`` that knows no meeting and no member.

    Used until the community's project directory is wired: every scheduled
    room is refused with ``not_found`` rather than opened to anyone.
    """

    async def find_meeting(self, room_id: RoomId) -> MeetingRef | None:
        return None

    async def membership(self, project_id: ProjectId, user_id: UserId) -> Member | None:
        return None

    async def list_members(self, project_id: ProjectId) -> Sequence[Member]:
        return ()
