"""Projects: the project rows, membership, invitations, NSO approvals and spaces."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import Select, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from protocol.api.accounts import AccountKind
from protocol.api.projects import (
    ApprovalDecision,
    InvitationKind,
    InvitationStatus,
    MemberKind,
    ProjectScope,
    ProjectStatus,
    SpaceRole,
)
from protocol.ids import ProjectId, SchoolId, UserId

from ..pagination import cursor_datetime, decode_cursor, encode_cursor
from ..records import Slice
from ..records_projects import (
    ApprovalRecord,
    Author,
    InvitationRecord,
    MemberRecord,
    ProjectFields,
    ProjectRecord,
    SpaceRecord,
)
from ..tables.accounts import Pupil, Staff, Teacher, User
from ..tables.projects import (
    Project,
    ProjectApproval,
    ProjectInvitation,
    ProjectMember,
    ProjectSpace,
)

UNKNOWN_AUTHOR = "former member"


def _project(row: Project) -> ProjectRecord:
    return ProjectRecord(
        id=ProjectId(row.id),
        fields=ProjectFields(
            title=row.title,
            description=row.description,
            subjects=tuple(row.subjects),
            languages=tuple(row.languages),
            age_min=row.age_min,
            age_max=row.age_max,
            tools=tuple(row.tools),
            aims=row.aims,
            work_process=row.work_process,
            expected_results=row.expected_results,
        ),
        scope=ProjectScope(row.scope),
        status=ProjectStatus(row.status),
        founder_id=UserId(row.founder_id),
        founder_country=row.founder_country,
        co_founder_id=UserId(row.co_founder_id),
        co_founder_country=row.co_founder_country,
        needs_nso_approval=row.needs_nso_approval,
        storage_used_bytes=row.storage_used_bytes,
        created_at=row.created_at,
        activated_at=row.activated_at,
        closed_at=row.closed_at,
        archived_at=row.archived_at,
    )


async def load_authors(session: AsyncSession, user_ids: Iterable[str]) -> dict[str, Author]:
    """Display names and pupil-ness of these accounts, in one query.

    An account that no longer exists is labelled as a former member, so that
    content outlives its author without naming anyone.
    """
    wanted = sorted(set(user_ids))
    found: dict[str, Author] = {}
    if wanted:
        query = (
            select(User.id, User.kind, Teacher.full_name, Pupil.display_name, Staff.full_name)
            .outerjoin(Teacher, Teacher.user_id == User.id)
            .outerjoin(Pupil, Pupil.user_id == User.id)
            .outerjoin(Staff, Staff.user_id == User.id)
            .where(User.id.in_(wanted))
        )
        for user_id, kind, teacher, pupil, staff in (await session.execute(query)).all():
            found[user_id] = Author(
                user_id=UserId(user_id),
                display_name=teacher or pupil or staff or UNKNOWN_AUTHOR,
                is_pupil=kind == AccountKind.PUPIL.value,
            )
    return {
        uid: found.get(uid, Author(UserId(uid), UNKNOWN_AUTHOR, is_pupil=False)) for uid in wanted
    }


def _field_values(fields: ProjectFields) -> dict[str, Any]:
    """The describing fields as column values (tags as JSON lists)."""
    return {
        "title": fields.title,
        "description": fields.description,
        "subjects": list(fields.subjects),
        "languages": list(fields.languages),
        "age_min": fields.age_min,
        "age_max": fields.age_max,
        "tools": list(fields.tools),
        "aims": fields.aims,
        "work_process": fields.work_process,
        "expected_results": fields.expected_results,
    }


class SqlProjectRepo:
    """Projects, members, invitations, approvals and spaces."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    # -- projects ---------------------------------------------------------

    async def add_project(
        self,
        *,
        project_id: ProjectId,
        fields: ProjectFields,
        scope: ProjectScope,
        founder_id: UserId,
        founder_country: str,
        co_founder_id: UserId,
        co_founder_country: str,
        needs_nso_approval: bool,
        now: datetime,
    ) -> ProjectRecord:
        row = Project(
            id=project_id,
            **_field_values(fields),
            scope=scope.value,
            status=ProjectStatus.PENDING_PARTNER.value,
            founder_id=founder_id,
            founder_country=founder_country,
            co_founder_id=co_founder_id,
            co_founder_country=co_founder_country,
            needs_nso_approval=needs_nso_approval,
            storage_used_bytes=0,
            created_at=now,
            updated_at=now,
        )
        self._session.add(row)
        await self._session.flush()
        return _project(row)

    async def find_project(
        self, project_id: ProjectId, *, lock: bool = False
    ) -> ProjectRecord | None:
        """The project; ``lock`` holds its row until the transaction ends
        (PostgreSQL), so that membership and quota checks cannot race."""
        query = select(Project).where(Project.id == project_id)
        if lock:
            query = query.with_for_update()
        row = await self._session.scalar(query)
        return None if row is None else _project(row)

    async def update_fields(
        self, project_id: ProjectId, fields: ProjectFields, now: datetime
    ) -> None:
        await self._session.execute(
            update(Project)
            .where(Project.id == project_id)
            .values(**_field_values(fields), updated_at=now)
        )

    async def set_status(self, project_id: ProjectId, status: ProjectStatus, now: datetime) -> None:
        values: dict[str, object] = {"status": status.value, "updated_at": now}
        stamp = {
            ProjectStatus.ACTIVE: "activated_at",
            ProjectStatus.CLOSED: "closed_at",
            ProjectStatus.ARCHIVED: "archived_at",
        }.get(status)
        if stamp is not None:
            values[stamp] = now
        await self._session.execute(update(Project).where(Project.id == project_id).values(values))

    async def add_storage_used(self, project_id: ProjectId, delta_bytes: int) -> None:
        await self._session.execute(
            update(Project)
            .where(Project.id == project_id)
            .values(storage_used_bytes=Project.storage_used_bytes + delta_bytes)
        )

    async def list_projects_of(
        self,
        user_id: UserId,
        *,
        include_archived: bool,
        cursor: str | None,
        limit: int,
    ) -> Slice[ProjectRecord]:
        """Projects the account is a member of, or founded, newest first."""
        member_of = select(ProjectMember.project_id).where(ProjectMember.user_id == user_id)
        query = select(Project).where(
            Project.id.in_(member_of)
            | (Project.founder_id == user_id)
            | (
                (Project.co_founder_id == user_id)
                & (Project.status == ProjectStatus.PENDING_PARTNER.value)
            )
        )
        if not include_archived:
            query = query.where(Project.status != ProjectStatus.ARCHIVED.value)
        return await self._page(query, cursor, limit)

    async def _page(
        self, query: Select[Project], cursor: str | None, limit: int
    ) -> Slice[ProjectRecord]:
        if cursor is not None:
            created, last_id = decode_cursor(cursor, 2, kinds=(str, str))
            created_at = cursor_datetime(created)
            query = query.where(
                (Project.created_at < created_at)
                | ((Project.created_at == created_at) & (Project.id < last_id))
            )
        order = (Project.created_at.desc(), Project.id.desc())
        rows = (await self._session.scalars(query.order_by(*order).limit(limit + 1))).all()
        page = [_project(r) for r in rows[:limit]]
        next_cursor = (
            encode_cursor(page[-1].created_at.isoformat(), page[-1].id)
            if len(rows) > limit
            else None
        )
        return Slice(tuple(page), next_cursor)

    # -- members ----------------------------------------------------------

    async def add_member(
        self,
        *,
        project_id: ProjectId,
        user_id: UserId,
        kind: MemberKind,
        role: SpaceRole,
        school_id: SchoolId,
        country_code: str,
        added_by: UserId | None,
        now: datetime,
    ) -> None:
        self._session.add(
            ProjectMember(
                project_id=project_id,
                user_id=user_id,
                kind=kind.value,
                role=role.value,
                school_id=school_id,
                country_code=country_code,
                added_by=added_by,
                joined_at=now,
            )
        )
        await self._session.flush()

    def _member_query(self) -> Select[ProjectMember, str | None]:
        return (
            select(ProjectMember, func.coalesce(Teacher.full_name, Pupil.display_name))
            .outerjoin(Teacher, Teacher.user_id == ProjectMember.user_id)
            .outerjoin(Pupil, Pupil.user_id == ProjectMember.user_id)
        )

    @staticmethod
    def _member(row: ProjectMember, name: str | None) -> MemberRecord:
        return MemberRecord(
            project_id=ProjectId(row.project_id),
            user_id=UserId(row.user_id),
            kind=MemberKind(row.kind),
            role=SpaceRole(row.role),
            school_id=SchoolId(row.school_id),
            country_code=row.country_code,
            display_name=name or UNKNOWN_AUTHOR,
            joined_at=row.joined_at,
            added_by=None if row.added_by is None else UserId(row.added_by),
        )

    async def find_member(self, project_id: ProjectId, user_id: UserId) -> MemberRecord | None:
        query = self._member_query().where(
            ProjectMember.project_id == project_id, ProjectMember.user_id == user_id
        )
        row = (await self._session.execute(query)).one_or_none()
        return None if row is None else self._member(*row)

    async def list_members(self, project_id: ProjectId) -> tuple[MemberRecord, ...]:
        """Members in the order they joined (founders first)."""
        query = (
            self._member_query()
            .where(ProjectMember.project_id == project_id)
            .order_by(ProjectMember.joined_at, ProjectMember.user_id)
        )
        return tuple(self._member(*r) for r in (await self._session.execute(query)).all())

    async def set_role(
        self, project_id: ProjectId, user_id: UserId, role: SpaceRole, kind: MemberKind
    ) -> None:
        await self._session.execute(
            update(ProjectMember)
            .where(ProjectMember.project_id == project_id, ProjectMember.user_id == user_id)
            .values(role=role.value, kind=kind.value)
        )

    async def delete_member(self, project_id: ProjectId, user_id: UserId) -> None:
        member = await self._session.get(ProjectMember, (project_id, user_id))
        if member is not None:
            await self._session.delete(member)
            await self._session.flush()

    # -- invitations ------------------------------------------------------

    async def add_invitation(
        self,
        *,
        invitation_id: str,
        project_id: ProjectId,
        invitee_id: UserId,
        inviter_id: UserId,
        kind: InvitationKind,
        role: SpaceRole,
        now: datetime,
    ) -> None:
        self._session.add(
            ProjectInvitation(
                id=invitation_id,
                project_id=project_id,
                invitee_id=invitee_id,
                inviter_id=inviter_id,
                kind=kind.value,
                role=role.value,
                status=InvitationStatus.PENDING.value,
                created_at=now,
            )
        )
        await self._session.flush()

    def _invitation_query(self) -> Select[ProjectInvitation, str]:
        return select(ProjectInvitation, Project.title).join(
            Project, Project.id == ProjectInvitation.project_id
        )

    @staticmethod
    def _invitation(row: ProjectInvitation, title: str) -> InvitationRecord:
        return InvitationRecord(
            id=row.id,
            project_id=ProjectId(row.project_id),
            project_title=title,
            invitee_id=UserId(row.invitee_id),
            inviter_id=UserId(row.inviter_id),
            kind=InvitationKind(row.kind),
            role=SpaceRole(row.role),
            status=InvitationStatus(row.status),
            created_at=row.created_at,
            decided_at=row.decided_at,
        )

    async def find_invitation(self, invitation_id: str) -> InvitationRecord | None:
        query = self._invitation_query().where(ProjectInvitation.id == invitation_id)
        row = (await self._session.execute(query)).one_or_none()
        return None if row is None else self._invitation(*row)

    async def find_pending_invitation(
        self, project_id: ProjectId, invitee_id: UserId
    ) -> InvitationRecord | None:
        query = self._invitation_query().where(
            ProjectInvitation.project_id == project_id,
            ProjectInvitation.invitee_id == invitee_id,
            ProjectInvitation.status == InvitationStatus.PENDING.value,
        )
        row = (await self._session.execute(query.limit(1))).one_or_none()
        return None if row is None else self._invitation(*row)

    async def list_invitations(
        self,
        *,
        invitee_id: UserId | None = None,
        project_id: ProjectId | None = None,
        pending_only: bool = True,
    ) -> tuple[InvitationRecord, ...]:
        query = self._invitation_query()
        if invitee_id is not None:
            query = query.where(ProjectInvitation.invitee_id == invitee_id)
        if project_id is not None:
            query = query.where(ProjectInvitation.project_id == project_id)
        if pending_only:
            query = query.where(ProjectInvitation.status == InvitationStatus.PENDING.value)
        query = query.order_by(ProjectInvitation.created_at, ProjectInvitation.id)
        return tuple(self._invitation(*r) for r in (await self._session.execute(query)).all())

    async def set_invitation_status(
        self, invitation_id: str, status: InvitationStatus, now: datetime
    ) -> None:
        await self._session.execute(
            update(ProjectInvitation)
            .where(ProjectInvitation.id == invitation_id)
            .values(status=status.value, decided_at=now)
        )

    # -- approvals --------------------------------------------------------

    async def add_approval(self, project_id: ProjectId, country_code: str) -> None:
        self._session.add(
            ProjectApproval(
                project_id=project_id,
                country_code=country_code,
                decision=ApprovalDecision.PENDING.value,
            )
        )
        await self._session.flush()

    def _approval_query(self) -> Select[ProjectApproval, str]:
        return select(ProjectApproval, Project.title).join(
            Project, Project.id == ProjectApproval.project_id
        )

    @staticmethod
    def _approval(row: ProjectApproval, title: str) -> ApprovalRecord:
        return ApprovalRecord(
            project_id=ProjectId(row.project_id),
            project_title=title,
            country_code=row.country_code,
            decision=ApprovalDecision(row.decision),
            decided_by=None if row.decided_by is None else UserId(row.decided_by),
            decided_at=row.decided_at,
            note=row.note,
        )

    async def list_approvals_of(self, project_id: ProjectId) -> tuple[ApprovalRecord, ...]:
        query = (
            self._approval_query()
            .where(ProjectApproval.project_id == project_id)
            .order_by(ProjectApproval.country_code)
        )
        return tuple(self._approval(*r) for r in (await self._session.execute(query)).all())

    async def list_pending_approvals(
        self, *, country_code: str | None, cursor: str | None, limit: int
    ) -> Slice[ApprovalRecord]:
        """Pending decisions of projects waiting for their NSOs, oldest first."""
        query = self._approval_query().where(
            ProjectApproval.decision == ApprovalDecision.PENDING.value,
            Project.status == ProjectStatus.PENDING_NSO.value,
        )
        if country_code is not None:
            query = query.where(ProjectApproval.country_code == country_code)
        if cursor is not None:
            created, last_id, last_country = decode_cursor(cursor, 3, kinds=(str, str, str))
            created_at = cursor_datetime(created)
            query = query.where(
                (Project.created_at > created_at)
                | ((Project.created_at == created_at) & (Project.id > last_id))
                | (
                    (Project.created_at == created_at)
                    & (Project.id == last_id)
                    & (ProjectApproval.country_code > last_country)
                )
            )
        order = (Project.created_at, Project.id, ProjectApproval.country_code)
        rows = (await self._session.execute(query.order_by(*order).limit(limit + 1))).all()
        page = [self._approval(*r) for r in rows[:limit]]
        next_cursor = None
        if len(rows) > limit:
            last_row = rows[limit - 1][0]
            project = await self._session.get(Project, last_row.project_id)
            assert project is not None
            next_cursor = encode_cursor(
                project.created_at.isoformat(), last_row.project_id, last_row.country_code
            )
        return Slice(tuple(page), next_cursor)

    async def decide_approval(
        self,
        project_id: ProjectId,
        country_code: str,
        *,
        decision: ApprovalDecision,
        decided_by: UserId,
        note: str | None,
        now: datetime,
    ) -> None:
        await self._session.execute(
            update(ProjectApproval)
            .where(
                ProjectApproval.project_id == project_id,
                ProjectApproval.country_code == country_code,
            )
            .values(decision=decision.value, decided_by=decided_by, decided_at=now, note=note)
        )

    # -- spaces -----------------------------------------------------------

    async def add_space(
        self, project_id: ProjectId, *, name: str, description: str, now: datetime
    ) -> None:
        """Create the project's space; a second one is refused by the primary key."""
        self._session.add(
            ProjectSpace(project_id=project_id, name=name, description=description, created_at=now)
        )
        await self._session.flush()

    async def find_space(self, project_id: ProjectId) -> SpaceRecord | None:
        row = await self._session.get(ProjectSpace, project_id)
        if row is None:
            return None
        return SpaceRecord(
            project_id=ProjectId(row.project_id),
            name=row.name,
            description=row.description,
            created_at=row.created_at,
        )

    async def update_space(self, project_id: ProjectId, *, name: str, description: str) -> None:
        await self._session.execute(
            update(ProjectSpace)
            .where(ProjectSpace.project_id == project_id)
            .values(name=name, description=description)
        )
