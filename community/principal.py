"""Who is calling: an account (``Principal``) or a school's tool (``Integration``).

Both are built by the server from a verified token or key, and read fresh
from the database on every request, so that a suspension or a change of role
takes effect at once rather than at the token's expiry.
"""

from __future__ import annotations

from dataclasses import dataclass

from protocol.api.accounts import AccountKind, AccountStatus
from protocol.ids import ApiKeyId, SchoolId, UserId

ACTIVE_STATES = frozenset({AccountStatus.VALIDATED, AccountStatus.ACTIVE})


@dataclass(frozen=True, slots=True)
class Principal:
    """An authenticated account."""

    user_id: UserId
    kind: AccountKind
    status: AccountStatus
    school_id: SchoolId | None
    """Teachers' and pupils' school; None for staff."""
    country_code: str | None
    """The school's country, or an NSO admin's country."""
    is_school_admin: bool = False

    @property
    def is_active(self) -> bool:
        """Validated teacher, or active pupil or staff member."""
        return self.status in ACTIVE_STATES

    @property
    def is_validated_teacher(self) -> bool:
        return self.kind is AccountKind.TEACHER and self.status is AccountStatus.VALIDATED

    @property
    def is_pupil(self) -> bool:
        return self.kind is AccountKind.PUPIL

    @property
    def is_platform_admin(self) -> bool:
        return self.kind is AccountKind.PLATFORM_ADMIN and self.is_active

    def administers_country(self, country_code: str) -> bool:
        """Whether this is an active NSO admin of that country, or a platform admin."""
        if self.is_platform_admin:
            return True
        return (
            self.kind is AccountKind.NSO_ADMIN
            and self.is_active
            and self.country_code == country_code
        )


@dataclass(frozen=True, slots=True)
class Integration:
    """A school's own tool, authenticated by one of the school's API keys."""

    api_key_id: ApiKeyId
    school_id: SchoolId
    scopes: frozenset[str]
