"""Accounts: users, credentials, teachers, staff and pupils."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime
from typing import Any, TypeVarTuple

from sqlalchemy import Select, bindparam, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from protocol.api.accounts import AccountKind, AccountStatus
from protocol.errors import NotFound
from protocol.ids import SchoolId, UserId

from ..pagination import cursor_datetime, decode_cursor, encode_cursor
from ..records import (
    AuthSubjectRecord,
    CredentialRecord,
    PupilRecord,
    Slice,
    StaffRecord,
    TeacherRecord,
    UserRecord,
)
from ..tables.accounts import Credential, Pupil, School, Staff, Teacher, User

_Row = TypeVarTuple("_Row")

AUTH_SUBJECT_COLUMNS = (
    User.kind,
    User.status,
    User.token_epoch,
    func.coalesce(Teacher.school_id, Pupil.school_id),
    func.coalesce(School.country_code, Staff.country_code),
    func.coalesce(Teacher.is_school_admin, False),
)
"""An account's auth subject, in the order ``auth_subject`` takes them; select
them from ``with_auth_subject_joins(select(...))``."""


def with_auth_subject_joins(query: Select[*_Row]) -> Select[*_Row]:
    """``query`` (selecting from ``users``) joined to what ``AUTH_SUBJECT_COLUMNS`` read."""
    return (
        query.outerjoin(Teacher, Teacher.user_id == User.id)
        .outerjoin(Pupil, Pupil.user_id == User.id)
        .outerjoin(Staff, Staff.user_id == User.id)
        .outerjoin(School, School.id == func.coalesce(Teacher.school_id, Pupil.school_id))
    )


def auth_subject(user_id: UserId, row: Sequence[Any]) -> AuthSubjectRecord:
    """The record of ``AUTH_SUBJECT_COLUMNS``' values."""
    kind, status, epoch, school_id, country, is_admin = row
    return AuthSubjectRecord(
        user_id=user_id,
        kind=AccountKind(kind),
        status=AccountStatus(status),
        token_epoch=epoch,
        school_id=SchoolId(school_id) if school_id else None,
        country_code=country,
        is_school_admin=bool(is_admin),
    )


_AUTH_SUBJECT = with_auth_subject_joins(select(*AUTH_SUBJECT_COLUMNS)).where(
    User.id == bindparam("user_id")
)


def _user(row: User) -> UserRecord:
    return UserRecord(
        id=UserId(row.id),
        kind=AccountKind(row.kind),
        status=AccountStatus(row.status),
        token_epoch=row.token_epoch,
        created_at=row.created_at,
        last_login_at=row.last_login_at,
    )


class SqlAccountRepo:
    """Every account table; the one place that joins them."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    # -- users and credentials -------------------------------------------

    async def add_user(
        self,
        *,
        user_id: UserId,
        kind: AccountKind,
        status: AccountStatus,
        login: str,
        password_hash: str,
        now: datetime,
    ) -> UserRecord:
        """Add an account and its credential; the login must be free.

        Raises:
            DuplicateKey: (at commit) the login is taken.
        """
        user = User(
            id=user_id,
            kind=kind.value,
            status=status.value,
            token_epoch=0,
            created_at=now,
            updated_at=now,
        )
        self._session.add(user)
        # No ORM relationships tie these tables, so the session would not know
        # to insert the user first: flush it before its credential.
        await self._session.flush()
        self._session.add(
            Credential(
                user_id=user_id,
                login=login,
                password_hash=password_hash,
                password_changed_at=now,
            )
        )
        await self._session.flush()
        return _user(user)

    async def get_user(self, user_id: UserId) -> UserRecord:
        """Raises: NotFound."""
        row = await self._session.get(User, user_id)
        if row is None:
            raise NotFound("no such account")
        return _user(row)

    async def find_auth_subject(self, user_id: UserId) -> AuthSubjectRecord | None:
        """Kind, state, epoch, school and country of an account, in one query.

        This runs on every authenticated request, so the statement is built
        once (``_AUTH_SUBJECT``), only the id is bound per call, and it runs
        on the session's connection, skipping the ORM's execution layer that
        a plain column query does not need.
        """
        connection = await self._session.connection()
        row = (await connection.execute(_AUTH_SUBJECT, {"user_id": user_id})).one_or_none()
        return None if row is None else auth_subject(user_id, row)

    async def find_token_epochs(
        self, user_ids: Collection[UserId]
    ) -> dict[UserId, tuple[int, AccountStatus]]:
        """Token epoch and state of each account that exists, in one query
        (the realtime layer's periodic re-check of its connections)."""
        if not user_ids:
            return {}
        rows = await self._session.execute(
            select(User.id, User.token_epoch, User.status).where(User.id.in_(list(user_ids)))
        )
        return {UserId(i): (epoch, AccountStatus(status)) for i, epoch, status in rows}

    async def find_credential(self, login: str) -> CredentialRecord | None:
        row = await self._session.scalar(select(Credential).where(Credential.login == login))
        if row is None:
            return None
        return CredentialRecord(
            user_id=UserId(row.user_id),
            login=row.login,
            password_hash=row.password_hash,
        )

    async def get_credential_of(self, user_id: UserId) -> CredentialRecord:
        """Raises: NotFound."""
        row = await self._session.get(Credential, user_id)
        if row is None:
            raise NotFound("no such account")
        return CredentialRecord(
            user_id=UserId(row.user_id),
            login=row.login,
            password_hash=row.password_hash,
        )

    async def login_exists(self, login: str) -> bool:
        found = await self._session.scalar(
            select(Credential.user_id).where(Credential.login == login)
        )
        return found is not None

    async def update_password(self, user_id: UserId, password_hash: str, now: datetime) -> None:
        await self._session.execute(
            update(Credential)
            .where(Credential.user_id == user_id)
            .values(password_hash=password_hash, password_changed_at=now)
        )

    async def set_status(self, user_id: UserId, status: AccountStatus, now: datetime) -> None:
        await self._session.execute(
            update(User).where(User.id == user_id).values(status=status.value, updated_at=now)
        )

    async def bump_token_epoch(self, user_id: UserId, now: datetime) -> int:
        """Invalidate every access token issued so far; return the new epoch."""
        await self._session.execute(
            update(User)
            .where(User.id == user_id)
            .values(token_epoch=User.token_epoch + 1, updated_at=now)
        )
        epoch = await self._session.scalar(select(User.token_epoch).where(User.id == user_id))
        if epoch is None:
            raise NotFound("no such account")
        return epoch

    async def touch_login(self, user_id: UserId, now: datetime) -> None:
        await self._session.execute(
            update(User).where(User.id == user_id).values(last_login_at=now)
        )

    # -- teachers ---------------------------------------------------------

    async def add_teacher(
        self,
        *,
        user_id: UserId,
        full_name: str,
        school_id: SchoolId,
        role_at_school: str,
    ) -> None:
        self._session.add(
            Teacher(
                user_id=user_id,
                full_name=full_name,
                school_id=school_id,
                role_at_school=role_at_school,
                is_school_admin=False,
            )
        )
        await self._session.flush()

    def _teacher_query(self) -> Select[Teacher, User, str, str]:
        return (
            select(Teacher, User, Credential.login, School.country_code)
            .join(User, User.id == Teacher.user_id)
            .join(Credential, Credential.user_id == Teacher.user_id)
            .join(School, School.id == Teacher.school_id)
        )

    @staticmethod
    def _teacher(teacher: Teacher, user: User, login: str, country: str) -> TeacherRecord:
        return TeacherRecord(
            user_id=UserId(teacher.user_id),
            email=login,
            full_name=teacher.full_name,
            school_id=SchoolId(teacher.school_id),
            country_code=country,
            role_at_school=teacher.role_at_school,
            is_school_admin=teacher.is_school_admin,
            status=AccountStatus(user.status),
            decided_by=None if teacher.decided_by is None else UserId(teacher.decided_by),
            decided_at=teacher.decided_at,
            status_reason=teacher.status_reason,
            created_at=user.created_at,
        )

    async def find_teacher(self, user_id: UserId) -> TeacherRecord | None:
        row = (
            await self._session.execute(self._teacher_query().where(Teacher.user_id == user_id))
        ).one_or_none()
        return None if row is None else self._teacher(*row)

    async def get_teacher(self, user_id: UserId) -> TeacherRecord:
        """Raises: NotFound."""
        record = await self.find_teacher(user_id)
        if record is None:
            raise NotFound("no such teacher")
        return record

    async def list_teachers(
        self,
        *,
        status: AccountStatus | None,
        country_code: str | None,
        cursor: str | None,
        limit: int,
    ) -> Slice[TeacherRecord]:
        """Teachers oldest first (the order an NSO validates them in)."""
        query = self._teacher_query()
        if status is not None:
            query = query.where(User.status == status.value)
        if country_code is not None:
            query = query.where(School.country_code == country_code)
        if cursor is not None:
            created, last_id = decode_cursor(cursor, 2, kinds=(str, str))
            created_at = cursor_datetime(created)
            query = query.where(
                (User.created_at > created_at)
                | ((User.created_at == created_at) & (User.id > last_id))
            )
        rows = (
            await self._session.execute(query.order_by(User.created_at, User.id).limit(limit + 1))
        ).all()
        page = [self._teacher(*r) for r in rows[:limit]]
        next_cursor = (
            encode_cursor(page[-1].created_at.isoformat(), page[-1].user_id)
            if len(rows) > limit
            else None
        )
        return Slice(tuple(page), next_cursor)

    async def record_teacher_decision(
        self, user_id: UserId, *, decided_by: UserId, reason: str | None, now: datetime
    ) -> None:
        await self._session.execute(
            update(Teacher)
            .where(Teacher.user_id == user_id)
            .values(decided_by=decided_by, decided_at=now, status_reason=reason)
        )

    async def set_school_admin(self, user_id: UserId, is_school_admin: bool) -> None:
        await self._session.execute(
            update(Teacher)
            .where(Teacher.user_id == user_id)
            .values(is_school_admin=is_school_admin)
        )

    # -- staff ------------------------------------------------------------

    async def add_staff(self, *, user_id: UserId, full_name: str, country_code: str | None) -> None:
        self._session.add(Staff(user_id=user_id, full_name=full_name, country_code=country_code))
        await self._session.flush()

    async def find_staff(self, user_id: UserId) -> StaffRecord | None:
        query = (
            select(Staff, User, Credential.login)
            .join(User, User.id == Staff.user_id)
            .join(Credential, Credential.user_id == Staff.user_id)
            .where(Staff.user_id == user_id)
        )
        row = (await self._session.execute(query)).one_or_none()
        if row is None:
            return None
        staff, user, login = row
        return StaffRecord(
            user_id=UserId(staff.user_id),
            kind=AccountKind(user.kind),
            status=AccountStatus(user.status),
            email=login,
            full_name=staff.full_name,
            country_code=staff.country_code,
        )

    # -- pupils -----------------------------------------------------------

    async def add_pupil(
        self,
        *,
        user_id: UserId,
        display_name: str,
        school_id: SchoolId,
        class_label: str,
        created_by: UserId,
    ) -> None:
        self._session.add(
            Pupil(
                user_id=user_id,
                display_name=display_name,
                school_id=school_id,
                class_label=class_label,
                created_by=created_by,
            )
        )
        await self._session.flush()

    def _pupil_query(self) -> Select[Pupil, User, str]:
        return (
            select(Pupil, User, Credential.login)
            .join(User, User.id == Pupil.user_id)
            .join(Credential, Credential.user_id == Pupil.user_id)
        )

    @staticmethod
    def _pupil(pupil: Pupil, user: User, login: str) -> PupilRecord:
        return PupilRecord(
            user_id=UserId(pupil.user_id),
            login=login,
            display_name=pupil.display_name,
            school_id=SchoolId(pupil.school_id),
            class_label=pupil.class_label,
            created_by=UserId(pupil.created_by),
            status=AccountStatus(user.status),
            created_at=user.created_at,
        )

    async def find_pupil(self, user_id: UserId) -> PupilRecord | None:
        row = (
            await self._session.execute(self._pupil_query().where(Pupil.user_id == user_id))
        ).one_or_none()
        return None if row is None else self._pupil(*row)

    async def list_pupils(
        self,
        *,
        school_id: SchoolId,
        class_label: str | None,
        cursor: str | None,
        limit: int,
    ) -> Slice[PupilRecord]:
        """A school's pupils by class, then display name, then id."""
        query = self._pupil_query().where(Pupil.school_id == school_id)
        if class_label is not None:
            query = query.where(Pupil.class_label == class_label)
        if cursor is not None:
            label, name, last_id = decode_cursor(cursor, 3, kinds=(str, str, str))
            query = query.where(
                (Pupil.class_label > label)
                | ((Pupil.class_label == label) & (Pupil.display_name > name))
                | (
                    (Pupil.class_label == label)
                    & (Pupil.display_name == name)
                    & (Pupil.user_id > last_id)
                )
            )
        order = (Pupil.class_label, Pupil.display_name, Pupil.user_id)
        rows = (await self._session.execute(query.order_by(*order).limit(limit + 1))).all()
        page = [self._pupil(*r) for r in rows[:limit]]
        next_cursor = None
        if len(rows) > limit:
            last = page[-1]
            next_cursor = encode_cursor(last.class_label, last.display_name, last.user_id)
        return Slice(tuple(page), next_cursor)

    async def count_pupils(self, school_id: SchoolId) -> int:
        count = await self._session.scalar(
            select(func.count()).select_from(Pupil).where(Pupil.school_id == school_id)
        )
        return int(count or 0)
