"""Invitations: the co-founder's answer, and later partners and guests.

The co-founder's acceptance starts the project (at once, or after the NSO
approvals where configured); declining it ends the project as declined.
Once a project is active, its teacher admins invite their own contacts,
validated teachers, as partners (teacher admin or teacher) or guests
(observer or guest); each joins only by accepting. A membership never
exists without the invitee's acceptance.
"""

from __future__ import annotations

import logging
from datetime import datetime

from cluster import Clock
from protocol.api.accounts import AccountStatus
from protocol.api.projects import (
    InvitationKind,
    InvitationStatus,
    MemberKind,
    ProjectStatus,
    SpaceRole,
)
from protocol.errors import Conflict, InvalidPayload, NotFound
from protocol.ids import ProjectId, UserId, new_id
from storage import Database, UnitOfWork
from storage.records_projects import InvitationRecord, ProjectRecord

from ..clock import utc_now
from ..errors import InvalidTransition
from ..principal import Principal
from . import audit
from .access import enter_space, require, require_writable
from .errors import AlreadyMember, NotAContact, PartnerNotEligible
from .lifecycle import activate
from .ports import ContactChecker
from .roles import ADULT_ROLES, Action, invitation_kind_for

logger = logging.getLogger(__name__)


class InvitationService:
    """Sends, answers and withdraws invitations."""

    def __init__(self, *, db: Database, contacts: ContactChecker, clock: Clock) -> None:
        self._db = db
        self._contacts = contacts
        self._clock = clock

    async def invite(
        self, actor: Principal, project_id: ProjectId, invitee_id: UserId, role: SpaceRole
    ) -> InvitationRecord:
        """Invite a contact to an active project.

        Raises:
            NotFound: Not a member of the project.
            Forbidden: Not a teacher admin.
            SpaceReadOnly: The project is closed or archived.
            InvalidPayload: A pupil's role.
            AlreadyMember: Already a member, or already invited.
            NotAContact: The invitee is not the caller's contact.
            PartnerNotEligible: The invitee is not a validated teacher.
        """
        if role not in ADULT_ROLES:
            raise InvalidPayload(
                "teachers are invited with a teacher's role", details={"field": "role"}
            )
        now = utc_now(self._clock)
        async with self._db.transaction("projects.invite") as uow:
            seat = await enter_space(uow, project_id, actor, lock=True)
            require(seat, Action.MANAGE_MEMBERS)
            require_writable(seat)
            if await uow.projects.find_member(project_id, invitee_id) is not None:
                raise AlreadyMember("already a member of this project")
            if await uow.projects.find_pending_invitation(project_id, invitee_id) is not None:
                raise AlreadyMember("already invited to this project")
            if not await self._contacts.are_contacts(actor.user_id, invitee_id):
                raise NotAContact("only your contacts can be invited")
            teacher = await uow.accounts.find_teacher(invitee_id)
            if teacher is None or teacher.status is not AccountStatus.VALIDATED:
                raise PartnerNotEligible("only validated teachers can be invited")
            invitation_id = new_id()
            kind = invitation_kind_for(role)
            await uow.projects.add_invitation(
                invitation_id=invitation_id,
                project_id=project_id,
                invitee_id=invitee_id,
                inviter_id=actor.user_id,
                kind=kind,
                role=role,
                now=now,
            )
            await audit.record(
                uow,
                at=now,
                actor_id=actor.user_id,
                action="project.invitation_sent",
                project_id=project_id,
                subject_id=invitee_id,
                details={"invitation_id": invitation_id, "kind": kind.value, "role": role.value},
            )
            found = await uow.projects.find_invitation(invitation_id)
        assert found is not None
        return found

    async def list_mine(self, actor: Principal) -> tuple[InvitationRecord, ...]:
        """The caller's pending invitations."""
        async with self._db.transaction("projects.my_invitations") as uow:
            return await uow.projects.list_invitations(invitee_id=actor.user_id)

    async def list_for_project(
        self, actor: Principal, project_id: ProjectId
    ) -> tuple[InvitationRecord, ...]:
        """A project's pending invitations, for its teacher admins.

        Raises:
            NotFound: Not a member.
            Forbidden: Not a teacher admin.
        """
        async with self._db.transaction("projects.invitations") as uow:
            seat = await enter_space(uow, project_id, actor)
            require(seat, Action.MANAGE_MEMBERS)
            return await uow.projects.list_invitations(project_id=project_id)

    async def _own_pending(
        self, uow: UnitOfWork, actor: Principal, invitation_id: str
    ) -> tuple[InvitationRecord, ProjectRecord]:
        invitation = await uow.projects.find_invitation(invitation_id)
        if invitation is None or invitation.invitee_id != actor.user_id:
            raise NotFound("no such invitation")
        if invitation.status is not InvitationStatus.PENDING:
            raise InvalidTransition(f"this invitation is already {invitation.status.value}")
        project = await uow.projects.find_project(invitation.project_id, lock=True)
        assert project is not None
        return invitation, project

    async def accept(self, actor: Principal, invitation_id: str) -> ProjectRecord:
        """Accept an invitation: join the project (and start it, for the co-founder).

        Raises:
            NotFound: No such invitation for the caller.
            InvalidTransition: Already answered, or the project moved on.
            PartnerNotEligible: The caller is not (or no longer) a validated teacher.
            AlreadyMember: Already a member.
        """
        now = utc_now(self._clock)
        async with self._db.transaction("projects.accept_invitation") as uow:
            invitation, project = await self._own_pending(uow, actor, invitation_id)
            teacher = await uow.accounts.find_teacher(actor.user_id)
            if teacher is None or teacher.status is not AccountStatus.VALIDATED:
                raise PartnerNotEligible("only validated teachers join projects")
            if invitation.kind is InvitationKind.CO_FOUNDER:
                if project.status is not ProjectStatus.PENDING_PARTNER:
                    raise InvalidTransition("this project no longer waits for its co-founder")
                kind = MemberKind.CO_FOUNDER
            else:
                if project.status is not ProjectStatus.ACTIVE:
                    raise InvalidTransition(f"the project is {project.status.value}")
                kind = (
                    MemberKind.PARTNER
                    if invitation.kind is InvitationKind.PARTNER
                    else MemberKind.GUEST
                )
            if await uow.projects.find_member(project.id, actor.user_id) is not None:
                raise AlreadyMember("already a member of this project")
            await uow.projects.add_member(
                project_id=project.id,
                user_id=actor.user_id,
                kind=kind,
                role=invitation.role,
                school_id=teacher.school_id,
                country_code=teacher.country_code,
                added_by=invitation.inviter_id,
                now=now,
            )
            await uow.projects.set_invitation_status(invitation_id, InvitationStatus.ACCEPTED, now)
            await audit.record(
                uow,
                at=now,
                actor_id=actor.user_id,
                action="project.member_added",
                project_id=project.id,
                subject_id=actor.user_id,
                details={
                    "kind": kind.value,
                    "role": invitation.role.value,
                    "invitation_id": invitation_id,
                },
            )
            if kind is MemberKind.CO_FOUNDER:
                await self._start(uow, project, actor, now)
            updated = await uow.projects.find_project(project.id)
        assert updated is not None
        logger.info("invitation accepted", extra={"project_id": project.id})
        return updated

    @staticmethod
    async def _start(
        uow: UnitOfWork, project: ProjectRecord, actor: Principal, now: datetime
    ) -> None:
        if project.needs_nso_approval:
            await uow.projects.set_status(project.id, ProjectStatus.PENDING_NSO, now)
            for country in project.countries:
                await uow.projects.add_approval(project.id, country)
        else:
            await activate(uow, project, actor_id=actor.user_id, now=now)

    async def decline(self, actor: Principal, invitation_id: str) -> InvitationRecord:
        """Decline an invitation; the co-founder's refusal ends the project as declined.

        Raises:
            NotFound: No such invitation for the caller.
            InvalidTransition: Already answered.
        """
        now = utc_now(self._clock)
        async with self._db.transaction("projects.decline_invitation") as uow:
            invitation, project = await self._own_pending(uow, actor, invitation_id)
            await uow.projects.set_invitation_status(invitation_id, InvitationStatus.DECLINED, now)
            if (
                invitation.kind is InvitationKind.CO_FOUNDER
                and project.status is ProjectStatus.PENDING_PARTNER
            ):
                await uow.projects.set_status(project.id, ProjectStatus.DECLINED, now)
            await audit.record(
                uow,
                at=now,
                actor_id=actor.user_id,
                action="project.invitation_declined",
                project_id=project.id,
                subject_id=actor.user_id,
                details={"invitation_id": invitation_id, "kind": invitation.kind.value},
            )
            found = await uow.projects.find_invitation(invitation_id)
        assert found is not None
        return found

    async def withdraw(self, actor: Principal, project_id: ProjectId, invitation_id: str) -> None:
        """Withdraw a pending partner or guest invitation.

        Raises:
            NotFound: Not a member, or no such invitation in this project.
            Forbidden: Not a teacher admin.
            InvalidTransition: Already answered, or the co-founder's invitation.
        """
        now = utc_now(self._clock)
        async with self._db.transaction("projects.withdraw_invitation") as uow:
            seat = await enter_space(uow, project_id, actor)
            require(seat, Action.MANAGE_MEMBERS)
            invitation = await uow.projects.find_invitation(invitation_id)
            if invitation is None or invitation.project_id != project_id:
                raise NotFound("no such invitation")
            if invitation.status is not InvitationStatus.PENDING:
                raise InvalidTransition(f"this invitation is already {invitation.status.value}")
            if invitation.kind is InvitationKind.CO_FOUNDER:
                raise Conflict("the co-founder's invitation cannot be withdrawn")
            await uow.projects.set_invitation_status(invitation_id, InvitationStatus.WITHDRAWN, now)
            await audit.record(
                uow,
                at=now,
                actor_id=actor.user_id,
                action="project.invitation_withdrawn",
                project_id=project_id,
                subject_id=invitation.invitee_id,
                details={"invitation_id": invitation_id},
            )
