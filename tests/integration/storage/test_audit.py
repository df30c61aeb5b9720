"""``uow.audit`` on both engines: append-only, read newest first."""

from __future__ import annotations

from protocol import UserId
from storage import Database

from .builders import NOW, collect_pages, later

ACTOR = UserId("4d1f2a8e-0000-4000-8000-000000000001")


async def add_entries(db: Database) -> None:
    async with db.transaction("test.audit") as uow:
        for i in range(7):
            await uow.audit.add_entry(
                at=later(i),
                actor_id=ACTOR if i % 2 else None,
                action="teacher.validated" if i < 5 else "pupil.created",
                subject_type="user",
                subject_id=f"subject-{i % 3}",
                scope_type="country" if i < 5 else "school",
                scope_id="FR" if i < 5 else "school-1",
                reason="checked by phone" if i == 0 else None,
                details={"step": i, "nested": {"list": [1, "é"]}} if i == 6 else None,
            )


async def list_all(db: Database, **filters):
    async def fetch(cursor):
        async with db.transaction("test.list_audit") as uow:
            return await uow.audit.list_entries(cursor=cursor, limit=3, **filters)

    return [entry for page in await collect_pages(fetch) for entry in page]


async def test_entries_come_back_newest_first_in_three_pages(db: Database):
    await add_entries(db)

    async def fetch(cursor):
        async with db.transaction("test.list_audit") as uow:
            return await uow.audit.list_entries(cursor=cursor, limit=3)

    pages = await collect_pages(fetch)
    assert [len(page) for page in pages] == [3, 3, 1]
    entries = [entry for page in pages for entry in page]
    assert [e.at for e in entries] == [later(i) for i in reversed(range(7))]
    ids = [e.id for e in entries]
    assert ids == sorted(ids, reverse=True) and len(set(ids)) == 7


async def test_entries_keep_what_was_written(db: Database):
    await add_entries(db)
    newest, *_, oldest = await list_all(db)
    assert newest.details == {"step": 6, "nested": {"list": [1, "é"]}}
    assert newest.action == "pupil.created"
    assert (newest.scope_type, newest.scope_id) == ("school", "school-1")
    assert newest.actor_id is None
    assert oldest.at == NOW
    assert oldest.reason == "checked by phone"
    assert oldest.details == {}
    assert oldest.subject_type == "user" and oldest.subject_id == "subject-0"


async def test_filter_by_scope_and_by_subject(db: Database):
    await add_entries(db)
    in_france = await list_all(db, scope_type="country", scope_id="FR")
    assert [e.at for e in in_france] == [later(i) for i in (4, 3, 2, 1, 0)]
    assert await list_all(db, scope_type="country", scope_id="DE") == []
    about_subject_1 = await list_all(db, subject_id="subject-1")
    assert [e.at for e in about_subject_1] == [later(4), later(1)]
    both = await list_all(db, scope_type="school", scope_id="school-1", subject_id="subject-0")
    assert [e.at for e in both] == [later(6)]
