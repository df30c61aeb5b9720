"""Activation: the moment a project gets its one space.

Shared by the co-founder's acceptance (when no NSO approval is needed) and
the last NSO approval. The space's primary key is the project's id, so a
second activation could not create a second space even if a bug called it.
"""

from __future__ import annotations

from datetime import datetime

from protocol.api.projects import ProjectStatus
from protocol.ids import UserId, new_id
from storage import UnitOfWork
from storage.records_projects import ProjectRecord

from . import audit

DEFAULT_FOLDER_TITLE = "General"


async def activate(
    uow: UnitOfWork, project: ProjectRecord, *, actor_id: UserId | None, now: datetime
) -> None:
    """Make the project active and open its space with a first materials folder."""
    await uow.projects.set_status(project.id, ProjectStatus.ACTIVE, now)
    await uow.projects.add_space(
        project.id,
        name=project.fields.title,
        description=project.fields.description,
        now=now,
    )
    await uow.spaces.add_folder(
        folder_id=new_id(),
        project_id=project.id,
        title=DEFAULT_FOLDER_TITLE,
        author_id=project.founder_id,
        now=now,
    )
    await audit.record(
        uow,
        at=now,
        actor_id=actor_id,
        action="project.activated",
        project_id=project.id,
        subject_type="project",
        subject_id=project.id,
    )
