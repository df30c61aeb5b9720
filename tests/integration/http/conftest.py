"""Fixtures of the HTTP suite: apps built with settings of a test's own.

``start_app(**overrides)`` builds the real app with overridden settings (lower
limits, trusted proxies, CORS origins) on the test's database and clock, for
the tests whose subject is one of those settings.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from server.app import build_app
from server.config import Settings
from server.services import SERVICES_KEY, Services
from tests.fakes.clock import FakeClock
from tests.support import World


@dataclass
class RunningApp:
    """An app started by a test, with what the test needs to arrange and check."""

    client: TestClient[Any, Any]
    services: Services
    settings: Settings
    world: World


StartApp = Callable[..., Awaitable[RunningApp]]


@pytest.fixture
def start_app(
    aiohttp_client: Callable[..., Awaitable[TestClient[Any, Any]]],
    make_settings: Callable[..., Settings],
    database_url: str,
    clock: FakeClock,
) -> StartApp:
    """Start the real app with settings overridden as the test needs."""

    async def start(**overrides: Any) -> RunningApp:
        overrides.setdefault("database", {"url": database_url, "migrate_on_start": False})
        settings = make_settings(**overrides)
        client = await aiohttp_client(build_app(settings, clock=clock))
        services = client.app[SERVICES_KEY]
        return RunningApp(client, services, settings, World(services, client, clock))

    return start
