"""Alembic on both engines: up from empty, down to nothing, up again, and the
migrated schema is exactly what ``storage.tables`` declares.

Each test gets a database of its own that has never been migrated (the
``database_url`` fixture's databases are migrated already).
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Connection, inspect

from storage import Database, current_revision, head_revision, upgrade
from storage.migrations import downgrade
from storage.tables import Base
from tests.services import require_postgres

# Objects the migrations create on purpose outside the ORM metadata: the
# engine-specific parts of the partner-search index (see
# storage/migrations/versions/0002_network.py). Anything else that differs
# from the metadata is a missing or wrong migration.
SQLITE_ONLY_TABLES = frozenset(
    {
        "network_search_fts",
        "network_search_fts_config",
        "network_search_fts_data",
        "network_search_fts_docsize",
        "network_search_fts_idx",
    }
)
POSTGRES_ONLY_COLUMNS = frozenset(
    {("network_search_docs", "search_tsv"), ("network_search_docs", "tags_arr")}
)
POSTGRES_ONLY_INDEXES = frozenset({"ix_network_search_docs_tsv", "ix_network_search_docs_tags"})


def _engine_specific(obj: Any, name: str | None, type_: str, reflected: bool, compare_to: Any):
    if not reflected or compare_to is not None:
        return False
    if type_ == "table":
        return name in SQLITE_ONLY_TABLES
    if type_ == "column":
        return (obj.table.name, name) in POSTGRES_ONLY_COLUMNS
    if type_ == "index":
        return name in POSTGRES_ONLY_INDEXES
    return False


def include_object(obj: Any, name: str | None, type_: str, reflected: bool, compare_to: Any):
    return not _engine_specific(obj, name, type_, reflected, compare_to)


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
            opts={"compare_type": True, "include_object": include_object},
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
