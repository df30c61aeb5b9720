"""Who may moderate a project's content outside a live room (HTTP).

Inside a room the room's current roles decide (``rooms.ChatService.context``);
outside it, the project's membership does: its teachers moderate its forum
and its words, its teacher admins read its reports. Anyone else gets the same
``not_found`` as for a project that does not exist.
"""

from __future__ import annotations

from community import Principal, ProjectDirectory, ProjectMember
from protocol.api.projects import ProjectStatus, SpaceRole
from protocol.errors import Forbidden, NotFound
from protocol.ids import ProjectId

TEACHER_ROLES = frozenset({SpaceRole.TEACHER_ADMIN, SpaceRole.TEACHER})
SPACE_STATUSES = frozenset({ProjectStatus.ACTIVE, ProjectStatus.CLOSED, ProjectStatus.ARCHIVED})


async def require_project_teacher(
    directory: ProjectDirectory,
    actor: Principal,
    project_id: ProjectId,
    *,
    admin: bool = False,
    writing: bool = False,
) -> ProjectMember:
    """The actor's membership, if they are one of the project's teachers.

    Args:
        admin: Only teacher admins.
        writing: The project must be active (not closed or archived).

    Raises:
        NotFound: No such project (with a space), or not a member.
        Forbidden: Not a teacher (admin) of the project, or the project is not active.
    """
    member = await directory.membership(project_id, actor.user_id) if actor.is_active else None
    if member is None or member.project_status not in SPACE_STATUSES:
        raise NotFound("no such project")
    allowed = {SpaceRole.TEACHER_ADMIN} if admin else TEACHER_ROLES
    if member.role not in allowed:
        raise Forbidden("only the project's teachers may do this")
    if writing and member.project_status is not ProjectStatus.ACTIVE:
        raise Forbidden("the project is not active")
    return member
