"""National support organisations validate, reject, suspend and reinstate teachers.

Only an admin of the teacher's own country (or a platform admin) decides, and
only along the transitions of ``states.TEACHER_TRANSITIONS``. Rejecting or
suspending a teacher voids their tokens and closes their live connections at
once. Every decision is written to the audit log with its reason.
"""

from __future__ import annotations

import logging

from cluster import Clock
from protocol.api.accounts import AccountKind, AccountStatus
from protocol.errors import Forbidden, NotFound
from protocol.ids import UserId
from storage import Database
from storage.records import Slice, TeacherRecord

from ..auth.sessions import SessionService
from ..clock import utc_now
from ..errors import InvalidTransition
from ..mail import Mailer, teacher_decision
from ..principal import Principal
from .states import may_transition

logger = logging.getLogger(__name__)

MAX_PAGE = 100
REVOKING_STATES = frozenset({AccountStatus.REJECTED, AccountStatus.SUSPENDED})


class ValidationService:
    """The NSO's side of teacher accounts."""

    def __init__(
        self, *, db: Database, sessions: SessionService, mailer: Mailer, clock: Clock
    ) -> None:
        self._db = db
        self._sessions = sessions
        self._mailer = mailer
        self._clock = clock

    async def list_teachers(
        self,
        actor: Principal,
        *,
        status: AccountStatus | None,
        country_code: str | None,
        cursor: str | None,
        limit: int,
    ) -> Slice[TeacherRecord]:
        """Teachers an admin may decide on, oldest first.

        An NSO admin sees only their own country, whatever they ask for.

        Raises:
            Forbidden: The caller is not an active NSO or platform admin.
        """
        if actor.is_platform_admin:
            country = country_code
        elif actor.kind is AccountKind.NSO_ADMIN and actor.is_active:
            country = actor.country_code
        else:
            raise Forbidden("only national support organisation admins list teachers")
        async with self._db.transaction("accounts.list_teachers") as uow:
            return await uow.accounts.list_teachers(
                status=status,
                country_code=country,
                cursor=cursor,
                limit=min(limit, MAX_PAGE),
            )

    async def decide(
        self,
        actor: Principal,
        teacher_id: UserId,
        target: AccountStatus,
        *,
        reason: str | None,
    ) -> TeacherRecord:
        """Move a teacher to ``target`` (validated, rejected or suspended).

        Raises:
            NotFound: No such teacher, or one of another country (the same
                answer, so admins cannot probe other countries).
            InvalidTransition: Not allowed from the teacher's current state.
        """
        now = utc_now(self._clock)
        async with self._db.transaction("accounts.decide_teacher") as uow:
            teacher = await uow.accounts.find_teacher(teacher_id)
            if teacher is None or not actor.administers_country(teacher.country_code):
                raise NotFound("no such teacher")
            if not may_transition(AccountKind.TEACHER, teacher.status, target):
                raise InvalidTransition(
                    f"a {teacher.status.value} teacher cannot become {target.value}",
                    details={"from": teacher.status.value, "to": target.value},
                )
            await uow.accounts.set_status(teacher_id, target, now)
            await uow.accounts.record_teacher_decision(
                teacher_id, decided_by=actor.user_id, reason=reason, now=now
            )
            if target in REVOKING_STATES:
                await self._sessions.revoke_all(uow, teacher_id)
            await uow.audit.add_entry(
                at=now,
                actor_id=actor.user_id,
                action=f"teacher.{target.value}",
                subject_type="user",
                subject_id=teacher_id,
                scope_type="country",
                scope_id=teacher.country_code,
                reason=reason,
                details={"from": teacher.status.value},
            )
            updated = await uow.accounts.get_teacher(teacher_id)
        if target in REVOKING_STATES:
            await self._sessions.announce_revoked(teacher_id)
        logger.info("teacher decision", extra={"user_id": teacher_id, "status": target.value})
        await self._mailer.send(teacher_decision(updated.email, target.value))
        return updated

    async def set_school_admin(
        self, actor: Principal, teacher_id: UserId, is_school_admin: bool
    ) -> TeacherRecord:
        """Make a validated teacher their school's admin (API keys), or undo it.

        Raises:
            NotFound: No such teacher in the admin's country.
            InvalidTransition: The teacher is not validated.
        """
        now = utc_now(self._clock)
        async with self._db.transaction("accounts.set_school_admin") as uow:
            teacher = await uow.accounts.find_teacher(teacher_id)
            if teacher is None or not actor.administers_country(teacher.country_code):
                raise NotFound("no such teacher")
            if teacher.status is not AccountStatus.VALIDATED:
                raise InvalidTransition("only a validated teacher can be a school admin")
            await uow.accounts.set_school_admin(teacher_id, is_school_admin)
            await uow.audit.add_entry(
                at=now,
                actor_id=actor.user_id,
                action="teacher.school_admin_granted"
                if is_school_admin
                else "teacher.school_admin_removed",
                subject_type="user",
                subject_id=teacher_id,
                scope_type="school",
                scope_id=teacher.school_id,
            )
            return await uow.accounts.get_teacher(teacher_id)
