"""Accounts: their kinds and states, and the bodies of the account endpoints."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Annotated

from pydantic import Field

from ..base import PageQuery, RequestModel, ResponseModel


class AccountKind(StrEnum):
    """What an account is. A pupil never has an e-mail address."""

    TEACHER = "teacher"
    PUPIL = "pupil"
    NSO_ADMIN = "nso_admin"
    PLATFORM_ADMIN = "platform_admin"


class AccountStatus(StrEnum):
    """Where an account stands.

    Teachers move pending → validated | rejected, validated ⇄ suspended.
    Pupils and staff are active or disabled.
    """

    PENDING = "pending"
    VALIDATED = "validated"
    REJECTED = "rejected"
    SUSPENDED = "suspended"
    ACTIVE = "active"
    DISABLED = "disabled"


class RoleAtSchool(StrEnum):
    """A teacher's professional role at their school."""

    TEACHER = "teacher"
    HEAD_TEACHER = "head_teacher"
    LIBRARIAN = "librarian"
    PEDAGOGUE = "pedagogue"
    PSYCHOLOGIST = "psychologist"
    OTHER_STAFF = "other_staff"


class SchoolType(StrEnum):
    """The kind of school, as partner search filters it."""

    PRE_PRIMARY = "pre_primary"
    PRIMARY = "primary"
    LOWER_SECONDARY = "lower_secondary"
    UPPER_SECONDARY = "upper_secondary"
    VOCATIONAL = "vocational"
    SPECIAL_NEEDS = "special_needs"
    OTHER = "other"


class SchoolView(ResponseModel):
    """A school, as anyone may see it."""

    id: str
    name: str
    country_code: str
    city: str
    school_type: str
    age_min: int
    age_max: int
    languages: list[str]


class MeView(ResponseModel):
    """The caller's own account."""

    user_id: str
    kind: AccountKind
    status: AccountStatus
    display_name: str
    """A teacher's or admin's name; a pupil's pseudonym."""
    login: str
    email: str | None = None
    """Adults only."""
    school: SchoolView | None = None
    country_code: str | None = None
    is_school_admin: bool = False
    class_label: str | None = None
    """Pupils only."""


class TeacherView(ResponseModel):
    """A teacher, as their national support organisation sees them."""

    user_id: str
    email: str
    full_name: str
    school_id: str
    country_code: str
    role_at_school: str
    is_school_admin: bool
    status: AccountStatus
    status_reason: str | None = None
    decided_at: datetime | None = None
    registered_at: datetime


class TeacherListQuery(PageQuery):
    status: AccountStatus | None = None
    """Only teachers in this state (``pending`` for the validation queue)."""
    country: Annotated[str, Field(pattern=r"^[A-Z]{2}$")] | None = None
    """Platform admins only; an NSO admin always sees their own country."""


class TeacherDecisionRequest(RequestModel):
    """An NSO's decision on a teacher."""

    status: AccountStatus
    """``validated``, ``rejected`` or ``suspended``."""
    reason: Annotated[str, Field(max_length=500)] | None = None
    """Why; kept in the audit log and shown to the teacher."""


class SchoolAdminRequest(RequestModel):
    is_school_admin: bool


class CreateAdminRequest(RequestModel):
    """A platform admin creates an NSO admin (or another platform admin)."""

    kind: AccountKind
    email: Annotated[str, Field(min_length=3, max_length=254)]
    full_name: Annotated[str, Field(min_length=2, max_length=120)]
    country_code: Annotated[str, Field(pattern=r"^[A-Z]{2}$")] | None = None
    """Required for an NSO admin."""


class CreatedAdminView(ResponseModel):
    user_id: str
    kind: AccountKind
    email: str
    country_code: str | None
    one_time_password: str
    """Give it to the new admin over a safe channel; it is not shown again."""


class PupilEntry(RequestModel):
    display_name: Annotated[str, Field(min_length=1, max_length=40)] | None = None
    """A pseudonym ("Mary B."), never a full name; empty for a generated one."""


class CreatePupilsRequest(RequestModel):
    """One pupil or a whole class list."""

    class_label: Annotated[str, Field(min_length=1, max_length=40)]
    """The class as the school names it ("6B")."""
    pupils: Annotated[list[PupilEntry], Field(min_length=1, max_length=200)]


class PupilView(ResponseModel):
    """A pupil as their teachers see them."""

    user_id: str
    login: str
    display_name: str
    class_label: str
    status: AccountStatus
    created_at: datetime


class IssuedPupilView(PupilView):
    """A pupil with a password that is shown this once only."""

    password: str


class IssuedPupilsView(ResponseModel):
    pupils: list[IssuedPupilView]


class PupilListQuery(PageQuery):
    class_label: Annotated[str, Field(max_length=40)] | None = None


class PupilEnabledRequest(RequestModel):
    enabled: bool
    """False disables the account and signs the pupil out everywhere."""
