"""The one gate in front of every project space: membership, then the role's rights.

Membership is the root of access. Anyone who is not a member of a project's
space (a pupil of another project, a teacher of another school, an NSO admin)
gets the very same ``NotFound`` for it as for a project that does not exist,
so that ids reveal nothing; the check runs before anything else is read.
"""

from __future__ import annotations

from dataclasses import dataclass

from protocol.errors import Forbidden, NotFound
from protocol.ids import ProjectId
from storage import UnitOfWork
from storage.records_projects import MemberRecord, ProjectRecord

from ..principal import Principal
from .errors import SpaceReadOnly
from .roles import READ_ONLY_STATUSES, SPACE_STATUSES, Action, may

NOT_FOUND_MESSAGE = "no such project"


def hidden() -> NotFound:
    """The one answer for a project or content the caller may not see."""
    return NotFound(NOT_FOUND_MESSAGE)


@dataclass(frozen=True, slots=True)
class Seat:
    """A member in a project whose space exists."""

    project: ProjectRecord
    member: MemberRecord


async def enter_space(
    uow: UnitOfWork, project_id: ProjectId, actor: Principal, *, lock: bool = False
) -> Seat:
    """The caller's seat in the project's space.

    Raises:
        NotFound: No such project, no space yet, or the caller is not a member.
    """
    if not actor.is_active:
        raise hidden()
    project = await uow.projects.find_project(project_id, lock=lock)
    if project is None or project.status not in SPACE_STATUSES:
        raise hidden()
    member = await uow.projects.find_member(project_id, actor.user_id)
    if member is None:
        raise hidden()
    return Seat(project, member)


def require(seat: Seat, action: Action) -> None:
    """Raises: Forbidden: the member's role does not allow ``action``."""
    if not may(seat.member.role, action):
        raise Forbidden(
            "your role in this project does not allow this",
            details={"action": action.value, "role": seat.member.role.value},
        )


def require_writable(seat: Seat) -> None:
    """Raises: SpaceReadOnly: the project is closed or archived."""
    if seat.project.status in READ_ONLY_STATUSES:
        raise SpaceReadOnly(
            f"the project is {seat.project.status.value}; its space is read-only",
            details={"status": seat.project.status.value},
        )
