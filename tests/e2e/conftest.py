"""Fixtures of the end-to-end suites: two ``jumelage serve`` processes and what tests need.

- ``deployment`` (session): nodes ``a`` and ``b`` on the session's fresh
  PostgreSQL database (``postgres_database``, dropped afterwards) and the
  shared Redis under a namespace of their own (its keys deleted afterwards),
  so parallel runs never meet. Tests that need to break Redis start their
  own deployment on a private Redis (``test_redis_outage``).
- ``nodes``: the deployment, with any node a previous test killed started
  again (same port).
- ``arranger``: builds each test's own lesson through the domain.
- ``api`` and ``clients``: HTTP calls and SDK clients, closed after the test.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator

import aiohttp
import pytest

from server.config import Settings
from server.runtime import open_services
from tests.e2e.lessons import Api, Arranger, Classroom, Clients
from tests.e2e.processes import SECRET_KEY, Deployment, running_deployment
from tests.services import require_redis


@pytest.fixture(scope="session")
def deployment(
    postgres_database: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Deployment]:
    with running_deployment(
        tmp_path_factory.mktemp("e2e-nodes"),
        database_url=postgres_database,
        redis_url=require_redis(),
        namespace=f"jumelage-e2e:{uuid.uuid4().hex[:12]}",
    ) as started:
        yield started


@pytest.fixture
def nodes(deployment: Deployment) -> Deployment:
    deployment.ensure_running()
    return deployment


@pytest.fixture
async def arranger(
    make_settings: Callable[..., Settings], postgres_database: str
) -> AsyncIterator[Arranger]:
    settings = make_settings(
        auth={"secret_key": SECRET_KEY},
        database={"url": postgres_database, "migrate_on_start": False, "pool_size": 2},
    )
    async with open_services(settings) as services:
        yield Arranger(services)


@pytest.fixture
async def api() -> AsyncIterator[Api]:
    async with aiohttp.ClientSession() as http:
        yield Api(http)


@pytest.fixture
async def clients() -> AsyncIterator[Clients]:
    opened = Clients()
    try:
        yield opened
    finally:
        await opened.close()


@pytest.fixture
def open_class(
    nodes: Deployment, arranger: Arranger, api: Api, clients: Clients
) -> Callable[..., Awaitable[Classroom]]:
    """``await open_class(pupils=..., outsiders=..., meetings=...)``: the test's
    own lesson (see ``Arranger.lesson``)."""

    async def open_lesson(*, pupils: int, outsiders: int = 0, meetings: int = 1) -> Classroom:
        lesson = await arranger.lesson(pupils=pupils, outsiders=outsiders, meetings=meetings)
        return Classroom(lesson, nodes, api, clients)

    return open_lesson
