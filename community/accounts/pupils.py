"""Pupils' accounts, made and looked after by the teachers of their school.

Pupils never register and never have an e-mail address. A validated teacher
creates them (one, or a whole class list at once); each gets a pseudonymous
display name, a generated login and a generated password that is shown once
and stored only as a hash. Any validated teacher of the same school may reset
a pupil's password or disable the account; a pupil of another school is
answered as if it did not exist.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from dataclasses import dataclass

from cluster import Clock
from protocol.api.accounts import AccountKind, AccountStatus
from protocol.errors import Conflict, Forbidden, InvalidPayload, NotFound
from protocol.ids import SchoolId, UserId, new_id
from storage import Database, DuplicateKey, UnitOfWork
from storage.records import PupilRecord, Slice

from ..auth.passwords import PasswordHasher, generate_pupil_password
from ..auth.sessions import SessionService
from ..clock import utc_now
from ..principal import Principal
from ..settings import AccountSettings
from .names import (
    MAX_CLASS_LABEL_LEN,
    clean_display_text,
    generate_pupil_login,
    pupil_display_name,
)

logger = logging.getLogger(__name__)

MAX_PAGE = 200
LOGIN_ATTEMPTS = 20


@dataclass(frozen=True, slots=True)
class IssuedPupil:
    """A pupil account and its password, which is shown this once only."""

    record: PupilRecord
    password: str


def _require_teacher(actor: Principal) -> SchoolId:
    if not actor.is_validated_teacher or actor.school_id is None:
        raise Forbidden("only validated teachers manage pupils")
    return actor.school_id


class PupilService:
    """Creates, lists, resets and disables pupils' accounts."""

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

    async def create_pupils(
        self, actor: Principal, *, class_label: str, display_names: Sequence[str | None]
    ) -> list[IssuedPupil]:
        """Create pupils of the teacher's school, in one class.

        Args:
            class_label: The class, as the school names it ("6B").
            display_names: One entry per pupil: a pseudonym chosen by the
                teacher, or None for a generated one.

        Raises:
            Forbidden: The caller is not a validated teacher.
            InvalidPayload: No pupils, too many, a bad label or name.
        """
        school_id = _require_teacher(actor)
        if not 1 <= len(display_names) <= self._settings.max_pupils_per_batch:
            raise InvalidPayload(
                f"create between 1 and {self._settings.max_pupils_per_batch} pupils at once",
                details={"field": "pupils"},
            )
        label = clean_display_text(class_label, field="class_label", max_len=MAX_CLASS_LABEL_LEN)
        names = [pupil_display_name(n) for n in display_names]
        passwords = [generate_pupil_password() for _ in names]
        # The hasher's semaphore bounds how many run at once.
        hashes = await asyncio.gather(*(self._hasher.hash(p) for p in passwords))
        now = utc_now(self._clock)
        issued: list[IssuedPupil] = []
        async with self._db.transaction("accounts.create_pupils") as uow:
            for name, password, password_hash in zip(names, passwords, hashes, strict=True):
                user_id = UserId(new_id())
                login = await self._free_login(uow)
                await uow.accounts.add_user(
                    user_id=user_id,
                    kind=AccountKind.PUPIL,
                    status=AccountStatus.ACTIVE,
                    login=login,
                    password_hash=password_hash,
                    now=now,
                )
                await uow.accounts.add_pupil(
                    user_id=user_id,
                    display_name=name,
                    school_id=school_id,
                    class_label=label,
                    created_by=actor.user_id,
                )
                await uow.audit.add_entry(
                    at=now,
                    actor_id=actor.user_id,
                    action="pupil.created",
                    subject_type="user",
                    subject_id=user_id,
                    scope_type="school",
                    scope_id=school_id,
                )
                record = await uow.accounts.find_pupil(user_id)
                assert record is not None
                issued.append(IssuedPupil(record=record, password=password))
        logger.info("pupils created", extra={"count": len(issued), "school_id": school_id})
        return issued

    async def list_pupils(
        self,
        actor: Principal,
        *,
        class_label: str | None,
        cursor: str | None,
        limit: int,
    ) -> Slice[PupilRecord]:
        """The pupils of the teacher's school, by class and name.

        Raises:
            Forbidden: The caller is not a validated teacher.
        """
        school_id = _require_teacher(actor)
        async with self._db.transaction("accounts.list_pupils") as uow:
            return await uow.accounts.list_pupils(
                school_id=school_id,
                class_label=class_label,
                cursor=cursor,
                limit=min(limit, MAX_PAGE),
            )

    async def reset_password(self, actor: Principal, pupil_id: UserId) -> IssuedPupil:
        """Give a pupil a new generated password and sign them out everywhere.

        Raises:
            Forbidden: The caller is not a validated teacher.
            NotFound: No such pupil in the teacher's school.
        """
        school_id = _require_teacher(actor)
        password = generate_pupil_password()
        password_hash = await self._hasher.hash(password)
        now = utc_now(self._clock)
        async with self._db.transaction("accounts.reset_pupil_password") as uow:
            pupil = await self._own_pupil(uow, school_id, pupil_id)
            await uow.accounts.update_password(pupil_id, password_hash, now)
            await self._sessions.revoke_all(uow, pupil_id)
            await uow.audit.add_entry(
                at=now,
                actor_id=actor.user_id,
                action="pupil.password_reset",
                subject_type="user",
                subject_id=pupil_id,
                scope_type="school",
                scope_id=school_id,
            )
        await self._sessions.announce_revoked(pupil_id)
        return IssuedPupil(record=pupil, password=password)

    async def set_enabled(self, actor: Principal, pupil_id: UserId, enabled: bool) -> PupilRecord:
        """Enable or disable a pupil; disabling signs them out everywhere.

        Raises:
            Forbidden: The caller is not a validated teacher.
            NotFound: No such pupil in the teacher's school.
            Conflict: The pupil is already in that state.
        """
        school_id = _require_teacher(actor)
        target = AccountStatus.ACTIVE if enabled else AccountStatus.DISABLED
        now = utc_now(self._clock)
        async with self._db.transaction("accounts.set_pupil_enabled") as uow:
            pupil = await self._own_pupil(uow, school_id, pupil_id)
            if pupil.status is target:
                raise Conflict(f"the pupil is already {target.value}")
            await uow.accounts.set_status(pupil_id, target, now)
            if not enabled:
                await self._sessions.revoke_all(uow, pupil_id)
            await uow.audit.add_entry(
                at=now,
                actor_id=actor.user_id,
                action="pupil.enabled" if enabled else "pupil.disabled",
                subject_type="user",
                subject_id=pupil_id,
                scope_type="school",
                scope_id=school_id,
            )
            updated = await uow.accounts.find_pupil(pupil_id)
        if not enabled:
            await self._sessions.announce_revoked(pupil_id)
        assert updated is not None
        return updated

    @staticmethod
    async def _own_pupil(uow: UnitOfWork, school_id: SchoolId, pupil_id: UserId) -> PupilRecord:
        pupil = await uow.accounts.find_pupil(pupil_id)
        if pupil is None or pupil.school_id != school_id:
            raise NotFound("no such pupil")
        return pupil

    @staticmethod
    async def _free_login(uow: UnitOfWork) -> str:
        for _ in range(LOGIN_ATTEMPTS):
            login = generate_pupil_login()
            if not await uow.accounts.login_exists(login):
                return login
        raise DuplicateKey("could not find a free login; try again")
