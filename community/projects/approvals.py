"""National support organisations' approval of new projects (where configured).

When ``require_nso_approval`` is on, a project whose co-founder accepted waits
for one decision per founders' country (one for a national project, two for
a European one). Only an NSO admin of that country (or a platform admin)
decides it. The project becomes active when every decision is an approval,
and rejected as soon as one is a rejection.
"""

from __future__ import annotations

import logging
from typing import Literal

from cluster import Clock
from protocol.api.projects import ApprovalDecision, ProjectStatus
from protocol.errors import Forbidden, NotFound
from protocol.ids import ProjectId
from storage import Database
from storage.records import Slice
from storage.records_projects import ApprovalRecord

from ..clock import utc_now
from ..errors import InvalidTransition
from ..principal import Principal
from . import audit
from .lifecycle import activate

logger = logging.getLogger(__name__)

MAX_PAGE = 100


class ApprovalService:
    """Lists and decides the approvals of an NSO's country."""

    def __init__(self, *, db: Database, clock: Clock) -> None:
        self._db = db
        self._clock = clock

    async def list_pending(
        self, actor: Principal, *, country_code: str | None, cursor: str | None, limit: int
    ) -> Slice[ApprovalRecord]:
        """Pending approvals of the caller's country (any country for a platform admin).

        Raises:
            Forbidden: Not an NSO or platform admin.
        """
        if not actor.is_platform_admin:
            if actor.country_code is None or not actor.administers_country(actor.country_code):
                raise Forbidden("only national support organisations approve projects")
            country_code = actor.country_code
        async with self._db.transaction("projects.pending_approvals") as uow:
            return await uow.projects.list_pending_approvals(
                country_code=country_code, cursor=cursor, limit=min(limit, MAX_PAGE)
            )

    async def decide(
        self,
        actor: Principal,
        project_id: ProjectId,
        country_code: str,
        decision: Literal[ApprovalDecision.APPROVED, ApprovalDecision.REJECTED],
        *,
        note: str | None,
    ) -> tuple[ApprovalRecord, ...]:
        """Record one country's decision and move the project on.

        Raises:
            NotFound: No such project waiting for that country, or not the
                caller's country (answered alike).
            InvalidTransition: Already decided, or the project no longer waits.
        """
        country_code = country_code.upper()
        if not actor.administers_country(country_code):
            raise NotFound("no such approval")
        now = utc_now(self._clock)
        async with self._db.transaction("projects.decide_approval") as uow:
            project = await uow.projects.find_project(project_id, lock=True)
            approvals = (
                {}
                if project is None
                else {a.country_code: a for a in await uow.projects.list_approvals_of(project_id)}
            )
            current = approvals.get(country_code)
            if project is None or current is None:
                raise NotFound("no such approval")
            if current.decision is not ApprovalDecision.PENDING:
                raise InvalidTransition(f"this approval is already {current.decision.value}")
            if project.status is not ProjectStatus.PENDING_NSO:
                raise InvalidTransition(f"the project is {project.status.value}")
            await uow.projects.decide_approval(
                project_id,
                country_code,
                decision=decision,
                decided_by=actor.user_id,
                note=note,
                now=now,
            )
            await audit.record(
                uow,
                at=now,
                actor_id=actor.user_id,
                action=f"project.nso_{decision.value}",
                project_id=project_id,
                subject_type="project",
                subject_id=project_id,
                details={"country_code": country_code},
            )
            others = [a for c, a in approvals.items() if c != country_code]
            if decision is ApprovalDecision.REJECTED:
                await uow.projects.set_status(project_id, ProjectStatus.REJECTED, now)
            elif all(a.decision is ApprovalDecision.APPROVED for a in others):
                await activate(uow, project, actor_id=actor.user_id, now=now)
            result = await uow.projects.list_approvals_of(project_id)
        logger.info(
            "project approval decided",
            extra={"project_id": project_id, "country": country_code, "decision": decision},
        )
        return result
