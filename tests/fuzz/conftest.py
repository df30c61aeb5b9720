"""Fixtures of the fuzz tests: the real app with a room, a teacher and a pupil in it.

Examples per test come from ``JUMELAGE_FUZZ_EXAMPLES`` (CI sets 10000; the
default keeps a local run short).
"""

from __future__ import annotations

import os
import shutil
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, settings

from server.config import Settings
from tests.fakes.clock import FakeClock
from tests.integration.realtime.live import Live, open_live
from tests.unit.rooms.fakes import FakeDirectory
from tests.unit.rooms.harness import migrate_template

EXAMPLES = int(os.environ.get("JUMELAGE_FUZZ_EXAMPLES", "150"))

settings.register_profile(
    "fuzz",
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@pytest.fixture(scope="session")
def fuzz_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return migrate_template(tmp_path_factory.mktemp("fuzz-template") / "template.sqlite3")


@pytest.fixture
async def live(
    aiohttp_client: Callable[..., Any],
    make_settings: Callable[..., Settings],
    tmp_path: Path,
    fuzz_template: Path,
    clock: FakeClock,
) -> AsyncIterator[Live]:
    path = tmp_path / "fuzz.sqlite3"
    shutil.copyfile(fuzz_template, path)
    configured = make_settings(
        database={"url": f"sqlite+aiosqlite:///{path}", "migrate_on_start": False}
    )
    async with open_live(aiohttp_client, configured, clock, FakeDirectory()) as harness:
        yield harness
