"""Fixtures of moderated chat's unit tests: a migrated SQLite copy and ``ModeratedRooms``."""

from __future__ import annotations

import shutil
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from storage import Database
from tests.fakes.clock import FakeClock
from tests.unit.moderation.chat.harness import ModeratedRooms
from tests.unit.rooms.harness import migrate_template


@pytest.fixture(scope="session")
def moderation_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return migrate_template(tmp_path_factory.mktemp("moderation-template") / "template.sqlite3")


@pytest.fixture
async def db(tmp_path: Path, moderation_template: Path) -> AsyncIterator[Database]:
    path = tmp_path / "moderation.sqlite3"
    shutil.copyfile(moderation_template, path)
    database = Database(f"sqlite+aiosqlite:///{path}")
    yield database
    await database.close()


@pytest.fixture
async def rooms(db: Database, clock: FakeClock) -> AsyncIterator[ModeratedRooms]:
    harness = ModeratedRooms(db, clock)
    await harness.start()
    yield harness
    await harness.close()
