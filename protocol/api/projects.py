"""Projects and their membership: states, roles and the bodies of the project endpoints.

A project is founded by two validated teachers who are contacts, becomes
active when the co-founder accepts (and, where configured, when the national
support organisations of the founders' countries approve), and then has
exactly one project space whose members hold one role each.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import Field

from ..base import PageQuery, RequestModel, ResponseModel

Title = Annotated[str, Field(min_length=1, max_length=200)]
LongText = Annotated[str, Field(max_length=5000)]
Tag = Annotated[str, Field(min_length=1, max_length=60)]
Tags = Annotated[list[Tag], Field(max_length=20)]
Age = Annotated[int, Field(ge=0, le=99)]
IdText = Annotated[str, Field(min_length=1, max_length=64)]


class ProjectStatus(StrEnum):
    """Where a project stands.

    pending_partner → (co-founder accepts) → pending_nso → active, or straight
    to active when NSO approval is not required; pending_partner → declined;
    pending_nso → rejected; active → closed | archived; closed → archived.
    """

    PENDING_PARTNER = "pending_partner"
    PENDING_NSO = "pending_nso"
    ACTIVE = "active"
    DECLINED = "declined"
    REJECTED = "rejected"
    CLOSED = "closed"
    ARCHIVED = "archived"


class ProjectScope(StrEnum):
    """European when the founders' schools are in different countries; frozen at creation."""

    EUROPEAN = "european"
    NATIONAL = "national"


class MemberKind(StrEnum):
    """How someone belongs to a project."""

    FOUNDER = "founder"
    CO_FOUNDER = "co_founder"
    PARTNER = "partner"
    """A teacher invited later; a full project member."""
    GUEST = "guest"
    """A teacher who is in the project space only (observer or guest role)."""
    PUPIL = "pupil"


class SpaceRole(StrEnum):
    """A member's role in the project space."""

    TEACHER_ADMIN = "teacher_admin"
    TEACHER = "teacher"
    OBSERVER = "observer"
    PUPIL_ADMIN = "pupil_admin"
    PUPIL = "pupil"
    GUEST = "guest"


class InvitationKind(StrEnum):
    CO_FOUNDER = "co_founder"
    PARTNER = "partner"
    GUEST = "guest"


class InvitationStatus(StrEnum):
    PENDING = "pending"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    WITHDRAWN = "withdrawn"


class ApprovalDecision(StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"


class CreateProjectRequest(RequestModel):
    """A validated teacher founds a project with exactly one contact as co-founder."""

    title: Title
    description: LongText = ""
    subjects: Tags = Field(default_factory=list)
    languages: Tags = Field(default_factory=list)
    age_min: Age
    """Youngest pupils' age."""
    age_max: Age
    """Oldest pupils' age."""
    tools: Tags = Field(default_factory=list)
    aims: LongText = ""
    work_process: LongText = ""
    """What, when and how the partners collaborate."""
    expected_results: LongText = ""
    co_founders: Annotated[list[IdText], Field(min_length=1, max_length=10)]
    """Exactly one contact (a validated teacher of another school); a list so
    that a wrong count is refused with ``founding_pair_invalid``."""


class UpdateProjectRequest(RequestModel):
    """Teacher admins edit the description fields; absent fields are kept."""

    title: Title | None = None
    description: LongText | None = None
    subjects: Tags | None = None
    languages: Tags | None = None
    age_min: Age | None = None
    age_max: Age | None = None
    tools: Tags | None = None
    aims: LongText | None = None
    work_process: LongText | None = None
    expected_results: LongText | None = None


class ProjectListQuery(PageQuery):
    include_archived: bool = False
    """Archived projects are hidden unless asked for."""


class ProjectStatusRequest(RequestModel):
    status: Literal["closed", "archived"]
    """``closed``: the space becomes read-only; ``archived``: read-only and hidden."""


class ProjectView(ResponseModel):
    """A project, as its members, invitees and approving NSOs see it."""

    id: str
    title: str
    description: str
    subjects: list[str]
    languages: list[str]
    age_min: int
    age_max: int
    tools: list[str]
    aims: str
    work_process: str
    expected_results: str
    scope: ProjectScope
    status: ProjectStatus
    countries: list[str]
    """The founders' countries (one for a national project)."""
    founder_id: str
    co_founder_id: str
    needs_nso_approval: bool
    created_at: datetime
    activated_at: datetime | None = None
    closed_at: datetime | None = None
    archived_at: datetime | None = None
    my_role: SpaceRole | None = None
    """The caller's role in the space, if a member."""


class InvitePartnerRequest(RequestModel):
    """A teacher admin invites one of their contacts."""

    user_id: IdText
    role: Literal["teacher_admin", "teacher", "observer", "guest"] = "teacher"
    """Teacher admins and teachers are partners; observers and guests are in
    the space only."""


class InvitationView(ResponseModel):
    id: str
    project_id: str
    project_title: str
    invitee_id: str
    inviter_id: str
    kind: InvitationKind
    role: SpaceRole
    status: InvitationStatus
    created_at: datetime
    decided_at: datetime | None = None


class AddPupilsRequest(RequestModel):
    """A teacher admin adds pupils of their own school."""

    user_ids: Annotated[list[IdText], Field(min_length=1, max_length=200)]
    role: Literal["pupil", "pupil_admin"] = "pupil"


class ChangeRoleRequest(RequestModel):
    role: SpaceRole


class MemberView(ResponseModel):
    """A member of the project space."""

    user_id: str
    display_name: str
    """A teacher's name; a pupil's pseudonym."""
    kind: MemberKind
    role: SpaceRole
    school_id: str
    country_code: str
    joined_at: datetime


class MemberListView(ResponseModel):
    members: list[MemberView]


class ApprovalDecisionRequest(RequestModel):
    """An NSO admin's decision on a project of their country."""

    decision: Literal["approved", "rejected"]
    note: Annotated[str, Field(max_length=500)] | None = None


class ApprovalView(ResponseModel):
    project_id: str
    project_title: str
    country_code: str
    decision: ApprovalDecision
    decided_by: str | None = None
    decided_at: datetime | None = None
    note: str | None = None


class ApprovalListQuery(PageQuery):
    country: Annotated[str, Field(pattern=r"^[A-Z]{2}$")] | None = None
    """Platform admins only; an NSO admin always sees their own country."""


class ProjectAuditView(ResponseModel):
    """One change of membership or role; ids only."""

    id: int
    at: datetime
    actor_id: str | None = None
    action: str
    subject_id: str
    details: dict[str, str]


class InvitationListView(ResponseModel):
    invitations: list[InvitationView]


class ApprovalListView(ResponseModel):
    approvals: list[ApprovalView]
