"""Moderation's entries in the audit log: who did what, to which message, when and why.

Entries go to the storage audit log in the project's scope, so the project's
teacher admins read them with the rest of the project's log. They carry ids,
action names and reason codes, never message text or names.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from protocol.ids import ProjectId, UserId
from storage import UnitOfWork

SCOPE = "project"


async def record(
    uow: UnitOfWork,
    *,
    at: datetime,
    actor_id: UserId | None,
    action: str,
    project_id: ProjectId,
    subject_type: str,
    subject_id: str,
    reason: str | None = None,
    details: dict[str, Any] | None = None,
) -> None:
    """Append one entry (in the caller's transaction).

    The reason is also in ``details``, which the project's audit view shows.
    """
    shown = dict(details or {})
    if reason is not None:
        shown["reason"] = reason
    await uow.audit.add_entry(
        at=at,
        actor_id=actor_id,
        action=action,
        subject_type=subject_type,
        subject_id=subject_id,
        scope_type=SCOPE,
        scope_id=project_id,
        reason=reason,
        details=shown,
    )
