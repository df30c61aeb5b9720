"""Alembic on both engines: up from empty, down to nothing, up again, and the
migrated schema is exactly what ``storage.tables`` declares.

Each test gets a database of its own that has never been migrated (the
``database_url`` fixture's databases are migrated already).
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Connection, insert, inspect, select

from storage import Database, current_revision, head_revision, upgrade
from storage.migrations import downgrade
from storage.tables import Base
from storage.tables.accounts import User
from storage.tables.moderation import ChatMessage
from storage.tables.network import SearchDoc
from tests.services import require_postgres
from tests.unit.moderation.chat.rows import SENDER, add_sender, chat_row

# Some search machinery is engine-specific and made by raw SQL in the
# migrations, outside the ORM metadata (see storage/search/ and
# 0002_network.py): FTS5 virtual tables and their shadow tables on SQLite;
# generated or trigger-maintained columns, and the indexes on them, on
# PostgreSQL. Only those may exist without being declared; any other
# difference from the metadata is a missing or wrong migration.
FTS5_SHADOW_SUFFIXES = ("data", "idx", "docsize", "config", "content")
TRIGGER_MAINTAINED_COLUMNS = frozenset(
    {
        ("network_search_docs", "search_tsv"),
        ("network_search_docs", "title_tsv"),
        ("network_search_docs", "tags_arr"),
    }
)


def undeclared_column(column: Any) -> bool:
    """A column the search index keeps up to date by itself."""
    return (
        column.computed is not None
        or (column.table.name, column.name) in TRIGGER_MAINTAINED_COLUMNS
    )


def fts5_tables(connection: Connection) -> set[str]:
    if connection.dialect.name != "sqlite":
        return set()
    rows = connection.exec_driver_sql(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND sql LIKE '%USING fts5%'"
    )
    names = {row[0] for row in rows}
    return names | {f"{name}_{suffix}" for name in names for suffix in FTS5_SHADOW_SUFFIXES}


def only_declared_objects(search_tables: set[str]) -> Callable[..., bool]:
    def include(obj: Any, name: str | None, type_: str, reflected: bool, compare_to: Any) -> bool:
        if not reflected or compare_to is not None:
            return True
        if type_ == "table":
            return name not in search_tables
        if type_ == "column":
            return not undeclared_column(obj)
        if type_ == "index":
            return not all(undeclared_column(column) for column in obj.columns)
        return True

    return include


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
async def empty_db(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Database]:
    """A database on each engine with no table at all."""
    if request.param == "sqlite":
        db = Database(f"sqlite+aiosqlite:///{tmp_path / 'empty.sqlite3'}")
        try:
            yield db
        finally:
            await db.close()
        return
    server = require_postgres()
    name = f"jumelage_migrations_{uuid.uuid4().hex[:12]}"
    admin = Database(server)
    try:
        async with admin.engine.connect() as conn:
            await conn.execution_options(isolation_level="AUTOCOMMIT")
            await conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
        db = Database(server.rsplit("/", 1)[0] + "/" + name)
        try:
            yield db
        finally:
            await db.close()
    finally:
        async with admin.engine.connect() as conn:
            await conn.execution_options(isolation_level="AUTOCOMMIT")
            await conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()


async def table_names(db: Database) -> set[str]:
    async with db.engine.connect() as conn:
        return set(await conn.run_sync(lambda sync: inspect(sync).get_table_names()))


async def schema_differences(db: Database) -> list[Any]:
    def compare(connection: Connection) -> list[Any]:
        context = MigrationContext.configure(
            connection,
            opts={
                "compare_type": True,
                "include_object": only_declared_objects(fts5_tables(connection)),
            },
        )
        return list(compare_metadata(context, Base.metadata))

    async with db.engine.connect() as conn:
        return await conn.run_sync(compare)


async def test_upgrade_downgrade_and_upgrade_again(empty_db: Database):
    declared = set(Base.metadata.tables)
    assert await current_revision(empty_db) is None

    await upgrade(empty_db)
    assert await current_revision(empty_db) == head_revision()
    assert declared <= await table_names(empty_db)
    await upgrade(empty_db)  # nothing left to do: no error, same revision
    assert await current_revision(empty_db) == head_revision()

    await downgrade(empty_db, "base")
    assert await current_revision(empty_db) is None
    assert (await table_names(empty_db)) - {"alembic_version"} == set()

    await upgrade(empty_db)
    assert await current_revision(empty_db) == head_revision()
    assert await schema_differences(empty_db) == []


async def test_migrated_schema_matches_the_metadata(empty_db: Database):
    await upgrade(empty_db)
    assert await schema_differences(empty_db) == []


async def test_profiles_of_teachers_signed_in_before_get_their_inactivity_date(
    empty_db: Database,
) -> None:
    """Migration 0010: a profile document written before the inactivity rule
    gets the date a year after its teacher's last sign-in (so an inactive
    teacher, who never signs in again, still leaves search); a teacher who
    never signed in keeps a visible profile, and a post keeps its expiry."""
    await upgrade(empty_db, "0009")
    last_login = datetime(2025, 3, 1, 8, 0, tzinfo=UTC)
    post_expiry = 1_900_000_000
    async with empty_db.engine.begin() as conn:
        for user_id, login in (("u-signed", last_login), ("u-never", None)):
            await conn.execute(
                insert(User).values(
                    id=user_id,
                    kind="teacher",
                    status="validated",
                    token_epoch=0,
                    created_at=last_login,
                    updated_at=last_login,
                    last_login_at=login,
                )
            )
        common = {
            "owner_validated": True,
            "country_code": "FR",
            "school_type": "primary",
            "age_min": 8,
            "age_max": 11,
            "looking_for_partners": True,
            "subjects": [],
            "languages": [],
            "expires_s": None,
        }
        await conn.execute(
            insert(SearchDoc),
            [
                {"kind": "profile", "ref_id": "u-signed", "owner_id": "u-signed", **common},
                {"kind": "profile", "ref_id": "u-never", "owner_id": "u-never", **common},
                {
                    "kind": "post",
                    "ref_id": "p-1",
                    "owner_id": "u-signed",
                    **common,
                    "expires_s": post_expiry,
                },
            ],
        )

    await upgrade(empty_db)

    async with empty_db.engine.connect() as conn:
        rows = await conn.execute(select(SearchDoc.ref_id, SearchDoc.expires_s))
        expiry = {ref_id: expires for ref_id, expires in rows}
    assert expiry == {
        "u-signed": int((last_login + timedelta(days=365)).timestamp()),
        "u-never": None,
        "p-1": post_expiry,
    }


async def chat_message_indexes(db: Database) -> set[str]:
    async with db.engine.connect() as conn:
        indexes = await conn.run_sync(lambda sync: inspect(sync).get_indexes("chat_messages"))
    return {index["name"] for index in indexes if index["name"]}


async def test_chat_messages_lose_the_sender_index_and_keep_their_rows(
    empty_db: Database,
) -> None:
    """Migration 0011: the index no query reads goes (one page less written per
    stored message), the rows stay, and downgrade puts it back."""
    await upgrade(empty_db, "0005")
    assert "ix_chat_messages_sender" in await chat_message_indexes(empty_db)
    await add_sender(empty_db)
    row = chat_row(client_msg_id="c-1")
    async with empty_db.transaction("test.chat_row") as uow:
        await uow.moderation.add_messages([row])

    await upgrade(empty_db)
    assert "ix_chat_messages_sender" not in await chat_message_indexes(empty_db)
    assert {"ix_chat_messages_session"} <= await chat_message_indexes(empty_db)
    async with empty_db.engine.connect() as conn:
        rows = (
            await conn.execute(select(ChatMessage.message_id, ChatMessage.sender_user_id))
        ).all()
    assert [tuple(found) for found in rows] == [(row.message_id, SENDER)]

    await downgrade(empty_db, "0005")
    assert "ix_chat_messages_sender" in await chat_message_indexes(empty_db)
