"""The project's audit log: every change of membership or role, and its reading.

Entries go to the storage audit log with ``scope_type = "project"``; they
carry ids and role names only, never names or text. The project's teacher
admins read them through :class:`ProjectAuditReader`.
"""

from __future__ import annotations

from datetime import datetime

from protocol.ids import ProjectId, UserId
from storage import Database, UnitOfWork
from storage.records import AuditRecord, Slice

from ..principal import Principal
from .access import enter_space, require
from .roles import Action

SCOPE = "project"
MAX_PAGE = 100


async def record(
    uow: UnitOfWork,
    *,
    at: datetime,
    actor_id: UserId | None,
    action: str,
    project_id: ProjectId,
    subject_type: str = "user",
    subject_id: str,
    details: dict[str, str] | None = None,
) -> None:
    """Append one entry about a project (in the caller's transaction)."""
    await uow.audit.add_entry(
        at=at,
        actor_id=actor_id,
        action=action,
        subject_type=subject_type,
        subject_id=subject_id,
        scope_type=SCOPE,
        scope_id=project_id,
        details=details or {},
    )


class ProjectAuditReader:
    """Reads a project's audit log for its teacher admins."""

    def __init__(self, *, db: Database) -> None:
        self._db = db

    async def list_entries(
        self, actor: Principal, project_id: ProjectId, *, cursor: str | None, limit: int
    ) -> Slice[AuditRecord]:
        """Newest first.

        Raises:
            NotFound: Not a member (or no such project).
            Forbidden: Not a teacher admin.
        """
        async with self._db.transaction("projects.audit") as uow:
            seat = await enter_space(uow, project_id, actor)
            require(seat, Action.READ_AUDIT)
            return await uow.audit.list_entries(
                scope_type=SCOPE, scope_id=project_id, cursor=cursor, limit=min(limit, MAX_PAGE)
            )
