"""What an account sees of itself, and an adult changing their own password."""

from __future__ import annotations

from dataclasses import dataclass

from cluster import Clock
from protocol.api.accounts import AccountKind, AccountStatus
from protocol.errors import Forbidden
from protocol.ids import SchoolId, UserId
from storage import Database
from storage.records import SchoolRecord

from ..auth.passwords import PasswordHasher, check_password_policy
from ..auth.sessions import SessionService
from ..clock import utc_now
from ..errors import InvalidCredentials
from ..principal import Principal
from ..settings import AccountSettings


@dataclass(frozen=True, slots=True)
class AccountView:
    """The caller's own account, as ``GET /me`` shows it."""

    user_id: UserId
    kind: AccountKind
    status: AccountStatus
    display_name: str
    email: str | None
    """Adults only; pupils have none."""
    login: str
    school: SchoolRecord | None
    country_code: str | None
    is_school_admin: bool
    class_label: str | None


class ProfileService:
    """Reads the caller's account; changes an adult's password."""

    def __init__(
        self,
        *,
        db: Database,
        hasher: PasswordHasher,
        sessions: SessionService,
        clock: Clock,
        settings: AccountSettings,
    ) -> None:
        self._db = db
        self._hasher = hasher
        self._sessions = sessions
        self._clock = clock
        self._settings = settings

    async def describe(self, actor: Principal) -> AccountView:
        """The caller's own account."""
        async with self._db.transaction("accounts.describe") as uow:
            credential = await uow.accounts.get_credential_of(actor.user_id)
            school = (
                None
                if actor.school_id is None
                else await uow.schools.find_school(SchoolId(actor.school_id))
            )
            name, email, class_label = "", None, None
            if actor.kind is AccountKind.TEACHER:
                teacher = await uow.accounts.get_teacher(actor.user_id)
                name, email = teacher.full_name, teacher.email
            elif actor.kind is AccountKind.PUPIL:
                pupil = await uow.accounts.find_pupil(actor.user_id)
                assert pupil is not None
                name, class_label = pupil.display_name, pupil.class_label
            else:
                staff = await uow.accounts.find_staff(actor.user_id)
                assert staff is not None
                name, email = staff.full_name, staff.email
        return AccountView(
            user_id=actor.user_id,
            kind=actor.kind,
            status=actor.status,
            display_name=name,
            email=email,
            login=credential.login,
            school=school,
            country_code=actor.country_code,
            is_school_admin=actor.is_school_admin,
            class_label=class_label,
        )

    async def change_password(self, actor: Principal, current: str, new: str) -> None:
        """Change an adult's password and sign them out everywhere.

        Pupils' passwords are generated and reset by their teachers.

        Raises:
            Forbidden: The caller is a pupil.
            InvalidCredentials: ``current`` is wrong.
            WeakPassword: ``new`` is refused by the policy.
        """
        if actor.kind is AccountKind.PUPIL:
            raise Forbidden("a pupil's password is changed by their teacher")
        async with self._db.transaction("accounts.read_credential") as uow:
            credential = await uow.accounts.get_credential_of(actor.user_id)
        if not await self._hasher.verify(credential.password_hash, current):
            raise InvalidCredentials("the current password is wrong")
        check_password_policy(
            new,
            min_length=self._settings.password_min_length,
            context=[credential.login.split("@")[0]],
        )
        new_hash = await self._hasher.hash(new)
        now = utc_now(self._clock)
        async with self._db.transaction("accounts.change_password") as uow:
            await uow.accounts.update_password(actor.user_id, new_hash, now)
            await self._sessions.revoke_all(uow, actor.user_id)
            await uow.audit.add_entry(
                at=now,
                actor_id=actor.user_id,
                action="password.changed",
                subject_type="user",
                subject_id=actor.user_id,
            )
        await self._sessions.announce_revoked(actor.user_id)
