"""The project space as one member sees it: its name, state, the member's role and rights."""

from __future__ import annotations

from dataclasses import dataclass

from protocol.api.projects import ProjectStatus
from protocol.api.spaces import SpaceStatus
from protocol.ids import ProjectId
from storage import Database
from storage.records_projects import MemberRecord, ProjectRecord, SpaceRecord

from ..principal import Principal
from .access import enter_space
from .roles import capabilities
from .settings import ProjectSettings

SPACE_STATUS = {
    ProjectStatus.ACTIVE: SpaceStatus.OPEN,
    ProjectStatus.CLOSED: SpaceStatus.CLOSED,
    ProjectStatus.ARCHIVED: SpaceStatus.ARCHIVED,
}


@dataclass(frozen=True, slots=True)
class SpaceOverview:
    space: SpaceRecord
    project: ProjectRecord
    member: MemberRecord
    status: SpaceStatus
    may: list[str]
    quota_bytes: int


class SpaceService:
    """Reads a space's overview."""

    def __init__(self, *, db: Database, settings: ProjectSettings) -> None:
        self._db = db
        self._settings = settings

    async def overview(self, actor: Principal, project_id: ProjectId) -> SpaceOverview:
        """Raises: NotFound: not a member (or no such project, or no space yet)."""
        async with self._db.transaction("spaces.overview") as uow:
            seat = await enter_space(uow, project_id, actor)
            space = await uow.projects.find_space(project_id)
        assert space is not None, "an active project always has its space"
        read_only = seat.project.status is not ProjectStatus.ACTIVE
        return SpaceOverview(
            space=space,
            project=seat.project,
            member=seat.member,
            status=SPACE_STATUS[seat.project.status],
            may=[] if read_only else capabilities(seat.member.role),
            quota_bytes=self._settings.project_quota_bytes,
        )
