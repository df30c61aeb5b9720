"""Fixtures of the live rooms' unit tests: a migrated SQLite file and ``Rooms``.

Migrating takes seconds, so one file is migrated per test session and each
test gets a copy of it.
"""

from __future__ import annotations

import shutil
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from storage import Database
from tests.fakes.clock import FakeClock
from tests.unit.rooms.harness import Rooms, migrate_template


@pytest.fixture(scope="session")
def migrated_sqlite(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An SQLite file at the schema's head, to copy."""
    return migrate_template(tmp_path_factory.mktemp("rooms-template") / "template.sqlite3")


@pytest.fixture
async def db(tmp_path: Path, migrated_sqlite: Path) -> AsyncIterator[Database]:
    path = tmp_path / "rooms.sqlite3"
    shutil.copyfile(migrated_sqlite, path)
    database = Database(f"sqlite+aiosqlite:///{path}")
    yield database
    await database.close()


@pytest.fixture
async def rooms(db: Database, clock: FakeClock) -> AsyncIterator[Rooms]:
    harness = Rooms(db, clock)
    await harness.start()
    yield harness
    await harness.close()
