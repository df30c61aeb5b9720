"""``uow.schools`` on both engines."""

from __future__ import annotations

import pytest

from protocol import ErrorCode, InvalidPayload, NotFound, SchoolId
from storage import Database

from .builders import NOW, add_school, collect_pages


async def test_add_and_read_back(db: Database):
    added = await add_school(db, name="IES Giralda", country_code="ES")
    async with db.transaction("test.read") as uow:
        found = await uow.schools.find_school(added.id)
        got = await uow.schools.get_school(added.id)
    assert found == got == added
    assert added.name == "IES Giralda"
    assert added.country_code == "ES"
    assert added.languages == ("fr", "en")
    assert added.created_at == NOW
    assert added.created_at.tzinfo is not None


async def test_unknown_school(db: Database):
    async with db.transaction("test.read") as uow:
        assert await uow.schools.find_school(SchoolId("nope")) is None
        with pytest.raises(NotFound) as caught:
            await uow.schools.get_school(SchoolId("nope"))
    assert caught.value.code is ErrorCode.NOT_FOUND


async def list_all(db: Database, limit: int, **filters):
    async def fetch(cursor):
        async with db.transaction("test.list_schools") as uow:
            return await uow.schools.list_schools(
                country_code=filters.get("country_code"),
                name_prefix=filters.get("name_prefix"),
                cursor=cursor,
                limit=limit,
            )

    return await collect_pages(fetch)


async def test_three_pages_without_gaps_or_repeats(db: Database):
    # Names repeat so that the id must break the ties between pages.
    names = ["Alpha School", "Beta School", "Beta School", "Beta School", "Gamma School"]
    added = [await add_school(db, name=name) for name in [*names, "Beta School", "Delta"]]
    pages = await list_all(db, 3)
    assert [len(page) for page in pages] == [3, 3, 1]
    listed = [school for page in pages for school in page]
    assert sorted(s.id for s in listed) == sorted(s.id for s in added)
    assert listed == sorted(added, key=lambda s: (s.name, s.id))


async def test_a_school_added_between_pages_is_neither_skipped_nor_repeated(db: Database):
    for name in ["B", "D", "F", "H"]:
        await add_school(db, name=name)
    async with db.transaction("test.list") as uow:
        first = await uow.schools.list_schools(
            country_code=None, name_prefix=None, cursor=None, limit=2
        )
    await add_school(db, name="A")  # before the cursor: not on later pages
    await add_school(db, name="E")  # after the cursor: on a later page
    async with db.transaction("test.list") as uow:
        rest = await uow.schools.list_schools(
            country_code=None, name_prefix=None, cursor=first.next_cursor, limit=10
        )
    assert [s.name for s in first.items] == ["B", "D"]
    assert [s.name for s in rest.items] == ["E", "F", "H"]
    assert rest.next_cursor is None


async def test_filter_by_country(db: Database):
    french = [await add_school(db, name=f"École {i}", country_code="FR") for i in range(4)]
    await add_school(db, name="Schule", country_code="DE")
    pages = await list_all(db, 2, country_code="FR")
    assert [len(page) for page in pages] == [2, 2]
    assert {s.id for page in pages for s in page} == {s.id for s in french}
    assert await list_all(db, 2, country_code="IT") == [()]


PREFIX_CASES = [
    ("col", ["Collège Jean Moulin", "College of Arts"]),
    ("COLLÈGE", ["Collège Jean Moulin"]),
    # non-ASCII capitals fold on SQLite as on PostgreSQL
    ("école", ["École primaire Voltaire"]),
    ("ÉCOLE", ["École primaire Voltaire"]),
    # LIKE wildcards in the prefix are plain characters
    ("100%", ["100% Sport"]),
    ("100", ["100% Sport", "1000 Lakes School"]),
    ("a_b", ["A_B Academy"]),
    ("a\\b", ["A\\B Institute"]),
    ("%", []),
    ("_", []),
    ("zzz", []),
]


async def test_name_prefix_ignores_case_and_takes_wildcards_literally(db: Database):
    names = {name for _, expected in PREFIX_CASES for name in expected}
    for name in sorted(names | {"AxB Academy"}):
        await add_school(db, name=name)
    for prefix, expected in PREFIX_CASES:
        pages = await list_all(db, 50, name_prefix=prefix)
        assert sorted(s.name for page in pages for s in page) == sorted(expected), prefix


async def test_a_bad_cursor_is_refused(db: Database):
    async with db.transaction("test.list") as uow:
        with pytest.raises(InvalidPayload) as caught:
            await uow.schools.list_schools(
                country_code=None, name_prefix=None, cursor="garbage!", limit=2
            )
    assert caught.value.code is ErrorCode.INVALID_PAYLOAD
