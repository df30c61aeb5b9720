"""A ``Database`` on each engine (SQLite always, PostgreSQL when reachable)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from storage import Database


@pytest.fixture
async def db(database_url: str) -> AsyncIterator[Database]:
    """An empty, migrated database (parametrised over both engines)."""
    database = Database(database_url)
    try:
        yield database
    finally:
        await database.close()
