"""Rows for the storage tests, written through the repositories themselves.

These tests check the repositories, so they arrange data with them directly
(not through the domain services that the HTTP tests use).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

from protocol import SchoolId, UserId, new_id
from protocol.api.accounts import AccountKind, AccountStatus
from storage import Database
from storage.records import SchoolRecord, Slice, UserRecord

T = TypeVar("T")

NOW = datetime(2026, 11, 29, 9, 30, 15, 123456, tzinfo=UTC)
PASSWORD_HASH = "$argon2id$v=19$m=1024,t=1,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA"


def later(seconds: float) -> datetime:
    return NOW + timedelta(seconds=seconds)


def school_fields(name: str = "Collège Jean Moulin", country_code: str = "FR") -> dict[str, Any]:
    """Everything ``add_school`` needs but the id and the time."""
    return {
        "name": name,
        "country_code": country_code,
        "city": "Lyon",
        "school_type": "lower_secondary",
        "age_min": 11,
        "age_max": 15,
        "languages": ["fr", "en"],
    }


async def add_school(
    db: Database,
    *,
    name: str = "Collège Jean Moulin",
    country_code: str = "FR",
    now: datetime = NOW,
) -> SchoolRecord:
    async with db.transaction("test.add_school") as uow:
        return await uow.schools.add_school(
            school_id=SchoolId(new_id()), now=now, **school_fields(name, country_code)
        )


async def add_user(
    db: Database,
    *,
    kind: AccountKind = AccountKind.TEACHER,
    status: AccountStatus = AccountStatus.PENDING,
    login: str | None = None,
    now: datetime = NOW,
) -> UserRecord:
    async with db.transaction("test.add_user") as uow:
        return await uow.accounts.add_user(
            user_id=UserId(new_id()),
            kind=kind,
            status=status,
            login=login or f"{new_id()[:8]}@example.org",
            password_hash=PASSWORD_HASH,
            now=now,
        )


async def add_teacher(
    db: Database,
    school_id: SchoolId,
    *,
    status: AccountStatus = AccountStatus.PENDING,
    now: datetime = NOW,
    login: str | None = None,
) -> UserId:
    user = await add_user(db, status=status, now=now, login=login)
    async with db.transaction("test.add_teacher") as uow:
        await uow.accounts.add_teacher(
            user_id=user.id,
            full_name="Ada Teacher",
            school_id=school_id,
            role_at_school="teacher",
        )
    return user.id


async def add_pupil(
    db: Database,
    school_id: SchoolId,
    created_by: UserId,
    *,
    display_name: str = "Brave Otter",
    class_label: str = "6B",
    now: datetime = NOW,
) -> UserId:
    user = await add_user(
        db,
        kind=AccountKind.PUPIL,
        status=AccountStatus.ACTIVE,
        login=f"brave-otter-{new_id()[:8]}",
        now=now,
    )
    async with db.transaction("test.add_pupil") as uow:
        await uow.accounts.add_pupil(
            user_id=user.id,
            display_name=display_name,
            school_id=school_id,
            class_label=class_label,
            created_by=created_by,
        )
    return user.id


async def collect_pages(
    fetch: Callable[[str | None], Awaitable[Slice[T]]],
) -> list[tuple[T, ...]]:
    """Every page of a list, each read in its own transaction by ``fetch``."""
    pages: list[tuple[T, ...]] = []
    cursor: str | None = None
    while True:
        page = await fetch(cursor)
        pages.append(page.items)
        if page.next_cursor is None:
            return pages
        cursor = page.next_cursor
        assert len(pages) < 50, "the cursor never ends"
