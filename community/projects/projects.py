"""Founding projects, reading them, editing their description, closing and archiving.

A validated teacher founds a project with exactly one of their contacts, a
validated teacher of another school, as co-founder. The project is European
when the two schools are in different countries and national otherwise;
that scope is frozen here and never recomputed, so partners who join later
never change it. The project then waits for the co-founder (see
``invitations.py``) and, where configured, for the national support
organisations (see ``approvals.py``).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from cluster import Clock
from protocol.api.accounts import AccountStatus
from protocol.api.projects import InvitationKind, MemberKind, ProjectStatus, SpaceRole
from protocol.errors import Forbidden
from protocol.ids import ProjectId, UserId, new_id
from storage import Database, UnitOfWork
from storage.records import Slice
from storage.records_projects import MemberRecord, ProjectRecord

from ..clock import utc_now
from ..errors import InvalidTransition
from ..principal import Principal
from . import audit
from .access import enter_space, hidden, require, require_writable
from .errors import FoundingPairInvalid, NotAContact, PartnerNotEligible
from .fields import ProjectForm, clean_fields
from .ports import ContactChecker
from .roles import Action, may_transition, scope_for
from .settings import ProjectSettings

logger = logging.getLogger(__name__)

MAX_PAGE = 100


@dataclass(frozen=True, slots=True)
class ProjectSight:
    """A project and the caller's membership of it, if any."""

    project: ProjectRecord
    member: MemberRecord | None


def _require_founding_teacher(actor: Principal) -> None:
    if not actor.is_validated_teacher or actor.school_id is None:
        raise Forbidden("only validated teachers found projects")


class ProjectService:
    """Projects themselves: found, read, list, edit, close, archive."""

    def __init__(
        self,
        *,
        db: Database,
        contacts: ContactChecker,
        clock: Clock,
        settings: ProjectSettings,
    ) -> None:
        self._db = db
        self._contacts = contacts
        self._clock = clock
        self._settings = settings

    async def found(
        self, actor: Principal, form: ProjectForm, *, co_founder_ids: Sequence[UserId]
    ) -> ProjectRecord:
        """Found a project with one contact as co-founder; it waits for their answer.

        Raises:
            Forbidden: The caller is not a validated teacher.
            InvalidPayload: Bad fields.
            FoundingPairInvalid: Not exactly one co-founder, oneself, or a
                co-founder of the founder's own school.
            NotAContact: The co-founder is not an accepted contact.
            PartnerNotEligible: The co-founder is not a validated teacher.
        """
        _require_founding_teacher(actor)
        fields = clean_fields(form)
        if len(set(co_founder_ids)) != 1 or len(co_founder_ids) != 1:
            raise FoundingPairInvalid(
                "a project is founded by exactly one founder and one co-founder",
                details={"co_founders": len(co_founder_ids)},
            )
        co_founder_id = co_founder_ids[0]
        if co_founder_id == actor.user_id:
            raise FoundingPairInvalid("the co-founder must be another teacher")
        if not await self._contacts.are_contacts(actor.user_id, co_founder_id):
            raise NotAContact("the co-founder must be one of your contacts")
        now = utc_now(self._clock)
        async with self._db.transaction("projects.found") as uow:
            founder = await uow.accounts.find_teacher(actor.user_id)
            co_founder = await uow.accounts.find_teacher(co_founder_id)
            if founder is None:
                raise Forbidden("only validated teachers found projects")
            if co_founder is None or co_founder.status is not AccountStatus.VALIDATED:
                raise PartnerNotEligible("the co-founder must be a validated teacher")
            # [U] "different schools": the notes require different people; we
            # also require different schools, as a partnership is between schools.
            if co_founder.school_id == founder.school_id:
                raise FoundingPairInvalid("the co-founder must teach at another school")
            project_id = ProjectId(new_id())
            project = await uow.projects.add_project(
                project_id=project_id,
                fields=fields,
                scope=scope_for(founder.country_code, co_founder.country_code),
                founder_id=actor.user_id,
                founder_country=founder.country_code,
                co_founder_id=co_founder_id,
                co_founder_country=co_founder.country_code,
                needs_nso_approval=self._settings.require_nso_approval,
                now=now,
            )
            await uow.projects.add_member(
                project_id=project_id,
                user_id=actor.user_id,
                kind=MemberKind.FOUNDER,
                role=SpaceRole.TEACHER_ADMIN,
                school_id=founder.school_id,
                country_code=founder.country_code,
                added_by=actor.user_id,
                now=now,
            )
            invitation_id = new_id()
            await uow.projects.add_invitation(
                invitation_id=invitation_id,
                project_id=project_id,
                invitee_id=co_founder_id,
                inviter_id=actor.user_id,
                kind=InvitationKind.CO_FOUNDER,
                role=SpaceRole.TEACHER_ADMIN,
                now=now,
            )
            await audit.record(
                uow,
                at=now,
                actor_id=actor.user_id,
                action="project.member_added",
                project_id=project_id,
                subject_id=actor.user_id,
                details={"kind": MemberKind.FOUNDER.value, "role": SpaceRole.TEACHER_ADMIN.value},
            )
            await audit.record(
                uow,
                at=now,
                actor_id=actor.user_id,
                action="project.invitation_sent",
                project_id=project_id,
                subject_id=co_founder_id,
                details={"invitation_id": invitation_id, "kind": InvitationKind.CO_FOUNDER.value},
            )
        logger.info("project founded", extra={"project_id": project_id, "scope": project.scope})
        return project

    async def get(self, actor: Principal, project_id: ProjectId) -> ProjectSight:
        """A project for its members, its co-founder while invited, and the NSO
        admins of its founders' countries; anyone else gets ``NotFound``.

        Raises:
            NotFound: No such project, or the caller may not see it.
        """
        async with self._db.transaction("projects.get") as uow:
            project = await uow.projects.find_project(project_id)
            if project is None or not actor.is_active:
                raise hidden()
            member = await uow.projects.find_member(project_id, actor.user_id)
            if member is not None or await self._may_see_unseated(uow, actor, project):
                return ProjectSight(project, member)
        raise hidden()

    @staticmethod
    async def _may_see_unseated(uow: UnitOfWork, actor: Principal, project: ProjectRecord) -> bool:
        if any(actor.administers_country(c) for c in project.countries):
            return True
        invitation = await uow.projects.find_pending_invitation(project.id, actor.user_id)
        return invitation is not None

    async def list_mine(
        self, actor: Principal, *, include_archived: bool, cursor: str | None, limit: int
    ) -> Slice[ProjectRecord]:
        """The caller's projects (member, or co-founder still invited), newest first."""
        async with self._db.transaction("projects.list_mine") as uow:
            return await uow.projects.list_projects_of(
                actor.user_id,
                include_archived=include_archived,
                cursor=cursor,
                limit=min(limit, MAX_PAGE),
            )

    async def update(
        self, actor: Principal, project_id: ProjectId, form: ProjectForm
    ) -> ProjectRecord:
        """Replace the describing fields (the caller merges partial edits).

        Raises:
            NotFound: Not a member.
            Forbidden: Not a teacher admin.
            SpaceReadOnly: Closed or archived.
            InvalidPayload: Bad fields.
        """
        fields = clean_fields(form)
        now = utc_now(self._clock)
        async with self._db.transaction("projects.update") as uow:
            seat = await enter_space(uow, project_id, actor)
            require(seat, Action.EDIT_PROJECT)
            require_writable(seat)
            await uow.projects.update_fields(project_id, fields, now)
            await uow.projects.update_space(
                project_id, name=fields.title, description=fields.description
            )
            updated = await uow.projects.find_project(project_id)
        assert updated is not None
        return updated

    async def set_status(
        self,
        actor: Principal,
        project_id: ProjectId,
        target: Literal[ProjectStatus.CLOSED, ProjectStatus.ARCHIVED],
    ) -> ProjectRecord:
        """Close (read-only) or archive (read-only, hidden from default lists).

        Raises:
            NotFound: Not a member.
            Forbidden: Not a teacher admin.
            InvalidTransition: Not from the current state (e.g. reopening).
        """
        now = utc_now(self._clock)
        async with self._db.transaction("projects.set_status") as uow:
            seat = await enter_space(uow, project_id, actor, lock=True)
            require(seat, Action.EDIT_PROJECT)
            if not may_transition(seat.project.status, target):
                raise InvalidTransition(
                    f"a {seat.project.status.value} project cannot become {target.value}"
                )
            await uow.projects.set_status(project_id, target, now)
            await audit.record(
                uow,
                at=now,
                actor_id=actor.user_id,
                action=f"project.{target.value}",
                project_id=project_id,
                subject_type="project",
                subject_id=project_id,
            )
            updated = await uow.projects.find_project(project_id)
        assert updated is not None
        return updated

    async def sight(self, actor: Principal, project: ProjectRecord) -> ProjectSight:
        """The caller's membership of a project they just changed."""
        async with self._db.transaction("projects.sight") as uow:
            return ProjectSight(project, await uow.projects.find_member(project.id, actor.user_id))
