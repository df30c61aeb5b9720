"""Administrators: the platform admin (made from the CLI) and NSO admins.

A platform admin creates the admins of each country's national support
organisation; the very first platform admin is created with
``jumelage admin create``, which calls :meth:`StaffService.create_admin`
without an actor.
"""

from __future__ import annotations

from dataclasses import dataclass

from cluster import Clock
from protocol.api.accounts import AccountKind, AccountStatus
from protocol.errors import Forbidden, InvalidPayload
from protocol.ids import UserId, new_id
from storage import Database, DuplicateKey
from storage.records import StaffRecord

from ..auth.passwords import PasswordHasher, check_password_policy, generate_password
from ..clock import utc_now
from ..countries import country_table
from ..principal import Principal
from ..settings import AccountSettings
from .names import clean_display_text
from .registration import MAX_NAME_LEN, normalise_email

STAFF_KINDS = frozenset({AccountKind.NSO_ADMIN, AccountKind.PLATFORM_ADMIN})


@dataclass(frozen=True, slots=True)
class CreatedStaff:
    """A new admin account and, when generated, its one-time password."""

    record: StaffRecord
    generated_password: str | None


class StaffService:
    """Creates administrator accounts."""

    def __init__(
        self,
        *,
        db: Database,
        hasher: PasswordHasher,
        clock: Clock,
        settings: AccountSettings,
    ) -> None:
        self._db = db
        self._hasher = hasher
        self._clock = clock
        self._settings = settings

    async def create_admin(
        self,
        actor: Principal | None,
        *,
        kind: AccountKind,
        email: str,
        full_name: str,
        country_code: str | None,
        password: str | None,
    ) -> CreatedStaff:
        """Create an NSO admin (of one country) or a platform admin.

        Args:
            actor: The platform admin creating it; None from the CLI.
            password: Chosen password, or None to generate one.

        Raises:
            Forbidden: The actor is not a platform admin.
            InvalidPayload: Bad kind, e-mail, name or country.
            WeakPassword: The chosen password is refused.
            Conflict: The e-mail address already has an account.
        """
        if actor is not None and not actor.is_platform_admin:
            raise Forbidden("only a platform admin creates administrators")
        if kind not in STAFF_KINDS:
            raise InvalidPayload(
                "kind must be nso_admin or platform_admin", details={"field": "kind"}
            )
        email = normalise_email(email)
        name = clean_display_text(full_name, field="full_name", max_len=MAX_NAME_LEN)
        country = None
        if kind is AccountKind.NSO_ADMIN:
            found = country_table().find(country_code or "")
            if found is None or not found.is_participating(utc_now(self._clock).date()):
                raise InvalidPayload(
                    "an NSO admin needs a participating country",
                    details={"field": "country_code"},
                )
            country = found.code
        generated = None
        if password is None:
            password = generated = generate_password()
        check_password_policy(
            password,
            min_length=self._settings.password_min_length,
            context=[email.split("@")[0]],
        )
        password_hash = await self._hasher.hash(password)
        user_id = UserId(new_id())
        now = utc_now(self._clock)
        try:
            async with self._db.transaction("accounts.create_admin") as uow:
                await uow.accounts.add_user(
                    user_id=user_id,
                    kind=kind,
                    status=AccountStatus.ACTIVE,
                    login=email,
                    password_hash=password_hash,
                    now=now,
                )
                await uow.accounts.add_staff(user_id=user_id, full_name=name, country_code=country)
                await uow.audit.add_entry(
                    at=now,
                    actor_id=None if actor is None else actor.user_id,
                    action=f"{kind.value}.created",
                    subject_type="user",
                    subject_id=user_id,
                    scope_type="country" if country else None,
                    scope_id=country,
                )
                record = await uow.accounts.find_staff(user_id)
        except DuplicateKey as exc:
            raise DuplicateKey("this e-mail address already has an account") from exc
        assert record is not None
        return CreatedStaff(record=record, generated_password=generated)
