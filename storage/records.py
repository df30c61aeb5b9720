"""Plain frozen records that repositories return.

ORM objects never leave ``storage``: the domain sees only these, so it never
meets lazy loading, sessions or SQL.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Generic, TypeVar

from protocol.api.accounts import AccountKind, AccountStatus
from protocol.ids import ApiKeyId, SchoolId, UserId

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Slice(Generic[T]):
    """One page of a list and the cursor that continues it."""

    items: tuple[T, ...]
    next_cursor: str | None


@dataclass(frozen=True, slots=True)
class SchoolRecord:
    id: SchoolId
    name: str
    country_code: str
    city: str
    school_type: str
    age_min: int
    age_max: int
    languages: tuple[str, ...]
    created_at: datetime


@dataclass(frozen=True, slots=True)
class UserRecord:
    id: UserId
    kind: AccountKind
    status: AccountStatus
    token_epoch: int
    created_at: datetime
    last_login_at: datetime | None


@dataclass(frozen=True, slots=True)
class AuthSubjectRecord:
    """What authorisation needs to know about an account, read in one query."""

    user_id: UserId
    kind: AccountKind
    status: AccountStatus
    token_epoch: int
    school_id: SchoolId | None
    country_code: str | None
    is_school_admin: bool


@dataclass(frozen=True, slots=True)
class CredentialRecord:
    user_id: UserId
    login: str
    password_hash: str


@dataclass(frozen=True, slots=True)
class TeacherRecord:
    user_id: UserId
    email: str
    full_name: str
    school_id: SchoolId
    country_code: str
    role_at_school: str
    is_school_admin: bool
    status: AccountStatus
    decided_by: UserId | None
    decided_at: datetime | None
    status_reason: str | None
    created_at: datetime


@dataclass(frozen=True, slots=True)
class StaffRecord:
    user_id: UserId
    kind: AccountKind
    status: AccountStatus
    email: str
    full_name: str
    country_code: str | None


@dataclass(frozen=True, slots=True)
class PupilRecord:
    user_id: UserId
    login: str
    display_name: str
    school_id: SchoolId
    class_label: str
    created_by: UserId
    status: AccountStatus
    created_at: datetime


@dataclass(frozen=True, slots=True)
class RefreshTokenRecord:
    id: str
    user_id: UserId
    family_id: str
    issued_at: datetime
    expires_at: datetime
    used_at: datetime | None
    revoked_at: datetime | None


@dataclass(frozen=True, slots=True)
class ApiKeyRecord:
    id: ApiKeyId
    school_id: SchoolId
    name: str
    prefix: str
    secret_hash: str
    scopes: tuple[str, ...]
    created_by: UserId
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None


@dataclass(frozen=True, slots=True)
class AuditRecord:
    id: int
    at: datetime
    actor_id: UserId | None
    action: str
    subject_type: str
    subject_id: str
    scope_type: str | None
    scope_id: str | None
    reason: str | None
    details: dict[str, Any] = field(default_factory=dict)
