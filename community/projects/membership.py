"""Members of a project space: pupils added, roles changed, members removed.

Only teacher admins manage members, and only teacher admins add pupils, and
only pupils of their own school (a pupil of another school is answered as
if it did not exist, as everywhere else). The founder and the co-founder are
protected: always teacher admins, never removed, not even by themselves.
Every change is written to the project's audit log in the same transaction.
"""

from __future__ import annotations

from collections.abc import Sequence

from cluster import Clock
from protocol.api.accounts import AccountStatus
from protocol.api.projects import MemberKind, ProjectStatus, SpaceRole
from protocol.errors import InvalidPayload, NotFound
from protocol.ids import ProjectId, UserId
from storage import Database
from storage.records_projects import MemberRecord

from ..clock import utc_now
from ..principal import Principal
from . import audit
from .access import enter_space, require, require_writable
from .errors import AlreadyMember, FounderProtected, PartnerNotEligible, SpaceReadOnly
from .roles import PUPIL_ROLES, Action, fits_member, is_founder, kind_for_role


class MembershipService:
    """Lists members, adds pupils, changes roles, removes members."""

    def __init__(self, *, db: Database, clock: Clock) -> None:
        self._db = db
        self._clock = clock

    async def list_members(
        self, actor: Principal, project_id: ProjectId
    ) -> tuple[MemberRecord, ...]:
        """Every member, founders first.

        Raises:
            NotFound: Not a member.
        """
        async with self._db.transaction("projects.members") as uow:
            await enter_space(uow, project_id, actor)
            return await uow.projects.list_members(project_id)

    async def add_pupils(
        self,
        actor: Principal,
        project_id: ProjectId,
        pupil_ids: Sequence[UserId],
        role: SpaceRole = SpaceRole.PUPIL,
    ) -> tuple[MemberRecord, ...]:
        """Add pupils of the caller's own school, all or none.

        Raises:
            NotFound: Not a member; or one of the ids is not an active pupil
                of the caller's school.
            Forbidden: Not a teacher admin.
            SpaceReadOnly: The project is closed or archived.
            InvalidPayload: Not a pupil's role, or the same pupil twice.
            AlreadyMember: One of the pupils is already a member.
        """
        if role not in PUPIL_ROLES:
            raise InvalidPayload("pupils get a pupil's role", details={"field": "role"})
        if len(set(pupil_ids)) != len(pupil_ids):
            raise InvalidPayload("a pupil is listed twice", details={"field": "user_ids"})
        now = utc_now(self._clock)
        async with self._db.transaction("projects.add_pupils") as uow:
            seat = await enter_space(uow, project_id, actor, lock=True)
            require(seat, Action.ADD_PUPILS)
            require_writable(seat)
            pupils = []
            for pupil_id in pupil_ids:
                pupil = await uow.accounts.find_pupil(pupil_id)
                if pupil is None or pupil.school_id != seat.member.school_id:
                    raise NotFound("no such pupil in your school", details={"user_id": pupil_id})
                if pupil.status is not AccountStatus.ACTIVE:
                    raise PartnerNotEligible("this pupil's account is disabled")
                if await uow.projects.find_member(project_id, pupil_id) is not None:
                    raise AlreadyMember("this pupil is already a member")
                pupils.append(pupil)
            for pupil in pupils:
                await uow.projects.add_member(
                    project_id=project_id,
                    user_id=pupil.user_id,
                    kind=MemberKind.PUPIL,
                    role=role,
                    school_id=pupil.school_id,
                    country_code=seat.member.country_code,
                    added_by=actor.user_id,
                    now=now,
                )
                await audit.record(
                    uow,
                    at=now,
                    actor_id=actor.user_id,
                    action="project.member_added",
                    project_id=project_id,
                    subject_id=pupil.user_id,
                    details={"kind": MemberKind.PUPIL.value, "role": role.value},
                )
            members = await uow.projects.list_members(project_id)
        added = {p.user_id for p in pupils}
        return tuple(m for m in members if m.user_id in added)

    async def change_role(
        self, actor: Principal, project_id: ProjectId, user_id: UserId, role: SpaceRole
    ) -> MemberRecord:
        """Give a member another role of their kind (pupil roles for pupils).

        Raises:
            NotFound: Not a member, or no such member.
            Forbidden: Not a teacher admin.
            FounderProtected: The member is the founder or the co-founder.
            SpaceReadOnly: The project is closed or archived.
            InvalidPayload: A pupil's role for an adult or the reverse.
        """
        now = utc_now(self._clock)
        async with self._db.transaction("projects.change_role") as uow:
            seat = await enter_space(uow, project_id, actor, lock=True)
            require(seat, Action.MANAGE_MEMBERS)
            target = await uow.projects.find_member(project_id, user_id)
            if target is None:
                raise NotFound("no such member")
            if is_founder(target.kind):
                raise FounderProtected("the founders always stay teacher admins")
            require_writable(seat)
            if not fits_member(role, is_pupil=target.kind is MemberKind.PUPIL):
                raise InvalidPayload(
                    "pupils hold pupil roles and teachers teacher roles", details={"field": "role"}
                )
            if role is not target.role:
                await uow.projects.set_role(project_id, user_id, role, kind_for_role(role))
                await audit.record(
                    uow,
                    at=now,
                    actor_id=actor.user_id,
                    action="project.member_role_changed",
                    project_id=project_id,
                    subject_id=user_id,
                    details={"from": target.role.value, "to": role.value},
                )
            updated = await uow.projects.find_member(project_id, user_id)
        assert updated is not None
        return updated

    async def remove(self, actor: Principal, project_id: ProjectId, user_id: UserId) -> None:
        """Remove a member; a member may also remove themselves (leave).

        Raises:
            NotFound: Not a member, or no such member.
            Forbidden: Removing someone else without being a teacher admin.
            FounderProtected: The member is the founder or the co-founder.
            SpaceReadOnly: The project is closed or archived.
        """
        now = utc_now(self._clock)
        leaving = user_id == actor.user_id
        async with self._db.transaction("projects.remove_member") as uow:
            seat = await enter_space(uow, project_id, actor, lock=True)
            if not leaving:
                require(seat, Action.MANAGE_MEMBERS)
            target = await uow.projects.find_member(project_id, user_id)
            if target is None:
                raise NotFound("no such member")
            if is_founder(target.kind):
                raise FounderProtected("the founders cannot be removed from their project")
            if seat.project.status is not ProjectStatus.ACTIVE:
                raise SpaceReadOnly(f"the project is {seat.project.status.value}")
            await uow.projects.delete_member(project_id, user_id)
            await audit.record(
                uow,
                at=now,
                actor_id=actor.user_id,
                action="project.member_left" if leaving else "project.member_removed",
                project_id=project_id,
                subject_id=user_id,
                details={"kind": target.kind.value, "role": target.role.value},
            )
