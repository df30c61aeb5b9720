"""Fixtures shared by every test: settings, databases on both engines, the real app.

- ``make_settings(**overrides)`` builds explicit settings (the process
  environment is never read or changed), with cheap password hashing.
- ``database_url`` is parametrised over SQLite (always) and PostgreSQL (marked
  ``postgres``; skipped, or failed under ``JUMELAGE_REQUIRE_SERVICES=1``, when
  absent). PostgreSQL gets one fresh database per test session, migrated once
  and emptied between tests.
- ``app_client`` is the real ``build_app(settings)`` behind aiohttp's test
  client, with a ``FakeClock`` so tests can move time.
- After every test, aiohttp's cache of built middleware chains is emptied
  and Engine.IO's list of connected clients loses the closed ones
  (``_forget_apps``): both kept applications alive, each with its whole
  service graph.
"""

from __future__ import annotations

import asyncio
import os
import time
import uuid
from collections.abc import AsyncIterator, Callable, Coroutine, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import aiohttp.web_app
import engineio.base_client
import pytest
from aiohttp.test_utils import TestClient

from server.app import build_app
from server.config import Settings
from server.services import SERVICES_KEY, Services
from storage import Database, upgrade
from storage.tables import Base
from tests.fakes.clock import FakeClock
from tests.services import require_postgres
from tests.support import World

TEST_SECRET = "test-secret-key-that-is-long-enough-0123456789"
FAST_HASHING = {
    "argon2_time_cost": 1,
    "argon2_memory_kib": 1024,
    "argon2_parallelism": 1,
    "hash_concurrency": 4,
}


@pytest.fixture(autouse=True)
def _forget_apps() -> Iterator[None]:
    """Let each test's applications be freed when it ends.

    aiohttp caches each route's middleware chain by ``(handler, apps)`` in a
    module-level LRU of 1,024 entries, so every app a test served stayed
    alive with its services, databases and rooms: the suite's heap grew past
    1.4 GB, and a full garbage collection then stalled the event loop for
    seconds, long enough for a join to time out (seen twice in full runs).
    One application per process, as a server has, never fills it.

    Engine.IO's module-level ``connected_clients`` (for its Ctrl-C handler)
    kept some clients the server had closed, and through them their test's
    app; those that are no longer connected are dropped from it.
    """
    yield
    cache = getattr(aiohttp.web_app, "_cached_build_middleware", None)
    if cache is not None:
        cache.cache_clear()
    clients = engineio.base_client.connected_clients
    clients[:] = [c for c in clients if getattr(c, "state", None) == "connected"]


@pytest.fixture
def clock() -> FakeClock:
    """A clock at the real current time that moves only when told."""
    return FakeClock(start=time.time())


@pytest.fixture(scope="session")
def postgres_database() -> Iterator[str]:
    """A fresh PostgreSQL database for this test session, migrated to head."""
    base = require_postgres()
    name = f"jumelage_test_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    admin_url = base

    async def create() -> None:
        admin = Database(admin_url)
        async with admin.engine.connect() as conn:
            await conn.execution_options(isolation_level="AUTOCOMMIT")
            await conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
        await admin.close()
        db = Database(_with_database(base, name))
        await upgrade(db)
        await db.close()

    async def drop() -> None:
        admin = Database(admin_url)
        async with admin.engine.connect() as conn:
            await conn.execution_options(isolation_level="AUTOCOMMIT")
            await conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()

    # This session fixture may first be needed from inside a running event
    # loop (an async fixture), so it runs its own loop in a thread.
    _run_in_thread(create())
    yield _with_database(base, name)
    _run_in_thread(drop())


def _run_in_thread(coroutine: Coroutine[Any, Any, None]) -> None:
    with ThreadPoolExecutor(max_workers=1) as pool:
        pool.submit(asyncio.run, coroutine).result()


def _with_database(url: str, name: str) -> str:
    return url.rsplit("/", 1)[0] + "/" + name


async def _empty_postgres(url: str) -> None:
    db = Database(url)
    tables = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
    async with db.engine.begin() as conn:
        await conn.exec_driver_sql(f"TRUNCATE {tables} RESTART IDENTITY CASCADE")
    await db.close()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
async def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[str]:
    """An empty, migrated database on each engine."""
    if request.param == "sqlite":
        url = f"sqlite+aiosqlite:///{tmp_path / 'test.sqlite3'}"
        db = Database(url)
        await upgrade(db)
        await db.close()
        yield url
    else:
        url = request.getfixturevalue("postgres_database")
        await _empty_postgres(url)
        yield url


@pytest.fixture
def make_settings(tmp_path: Path) -> Callable[..., Settings]:
    """Settings for a test: a temporary data dir, a fixed key, cheap hashing."""

    def make(**overrides: Any) -> Settings:
        accounts = {**FAST_HASHING, **overrides.pop("accounts", {})}
        values: dict[str, Any] = {
            "data_dir": tmp_path / "data",
            "auth": {"secret_key": TEST_SECRET},
            "logging": {"level": "WARNING"},
            "accounts": accounts,
            **overrides,
        }
        return Settings(**values)

    return make


@pytest.fixture
def settings(make_settings: Callable[..., Settings], database_url: str) -> Settings:
    """Default test settings on the parametrised database."""
    return make_settings(database={"url": database_url, "migrate_on_start": False})


@pytest.fixture
async def app_client(
    aiohttp_client: Callable[..., Any], settings: Settings, clock: FakeClock
) -> TestClient[Any, Any]:
    """The real app behind a test client."""
    client: TestClient[Any, Any] = await aiohttp_client(build_app(settings, clock=clock))
    return client


@pytest.fixture
def services(app_client: TestClient[Any, Any]) -> Services:
    """The running app's services, to arrange what a test needs."""
    return app_client.app[SERVICES_KEY]


@pytest.fixture
def world(services: Services, app_client: TestClient[Any, Any], clock: FakeClock) -> World:
    """Builds accounts through the domain and signs them in over HTTP."""
    return World(services, app_client, clock)
