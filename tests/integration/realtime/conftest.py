"""Fixtures of the realtime integration tests: the real app on SQLite, with a fake
project directory, and ``Live`` to join its room with SDK clients."""

from __future__ import annotations

import shutil
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import pytest

from server.config import Settings
from tests.fakes.clock import FakeClock
from tests.integration.realtime.live import Live, open_live
from tests.unit.rooms.fakes import FakeDirectory
from tests.unit.rooms.harness import migrate_template


@pytest.fixture(scope="session")
def realtime_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return migrate_template(tmp_path_factory.mktemp("realtime-template") / "template.sqlite3")


@pytest.fixture
def live_settings(
    request: pytest.FixtureRequest,
    make_settings: Callable[..., Settings],
    tmp_path: Path,
    realtime_template: Path,
) -> Settings:
    """Settings on a copy of the migrated template; a test may add sections
    through ``@pytest.mark.parametrize("live_settings", [{...}], indirect=True)``."""
    path = tmp_path / "live.sqlite3"
    shutil.copyfile(realtime_template, path)
    overrides: dict[str, Any] = getattr(request, "param", {})
    return make_settings(
        database={"url": f"sqlite+aiosqlite:///{path}", "migrate_on_start": False}, **overrides
    )


@pytest.fixture
def directory() -> FakeDirectory:
    return FakeDirectory()


@pytest.fixture
async def live(
    aiohttp_client: Callable[..., Any],
    live_settings: Settings,
    clock: FakeClock,
    directory: FakeDirectory,
) -> AsyncIterator[Live]:
    async with open_live(aiohttp_client, live_settings, clock, directory) as harness:
        yield harness
