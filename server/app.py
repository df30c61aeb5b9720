"""The composition root: ``build_app(settings)`` wires every part together.

It is the only place that chooses implementations: SQLite or PostgreSQL,
in-process or Redis cluster ports, outbox or SMTP mail. Resources live in one
``cleanup_ctx`` so that they are opened in order at start-up and closed in
reverse order at shutdown (SIGTERM included), even when start-up fails
half-way.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Sequence
from contextlib import suppress

from aiohttp import web

from cluster import Clock
from rooms import RoomDirectory

from .config import Settings
from .http import (
    admin,
    auth,
    integrations,
    moderation as moderation_routes,
    network,
    ops,
    projects as project_routes,
    pupils,
    reference,
    rooms as room_routes,
    spaces,
    spaces_files,
    spaces_meetings,
)
from .http.endpoint import make_endpoint
from .http.forwarding import ProxyPolicy
from .http.middlewares import (
    APP_KEY_CORS,
    APP_KEY_MAX_BODY,
    APP_KEY_METRICS,
    APP_KEY_PROXY,
    cors,
    limit_body,
    observe,
    problems,
    security_headers,
)
from .http.openapi import build_openapi
from .http.ops import OPENAPI_KEY, STATIC_DIR
from .http.routing import Route
from .metrics import Metrics
from .realtime.runtime import REALTIME_KEY, Realtime, realtime_context
from .runtime import open_services, version
from .services import SERVICES_KEY

logger = logging.getLogger(__name__)

ROUTE_TABLES = (
    auth.routes,
    pupils.routes,
    admin.routes,
    integrations.routes,
    reference.routes,
    ops.routes,
    project_routes.routes,
    spaces.routes,
    spaces_files.routes,
    spaces_meetings.routes,
    network.routes,
    room_routes.routes,
    moderation_routes.routes,
)


def all_routes() -> list[Route]:
    """Every HTTP route of the app, from every route table."""
    return [route for table in ROUTE_TABLES for route in table.routes]


WARM_UP_GRACE_S = 10.0
"""At shutdown, how long a search warm-up still running may finish its
statement (cancelling one mid-statement left aiosqlite's thread answering a
closed event loop)."""


async def search_warm_up(app: web.Application) -> AsyncIterator[None]:
    """A ``cleanup_ctx`` loading the node's partner search mirror in the
    background: ``/health`` and ``/ready`` answer at once (the node serves
    everything else meanwhile; a search arriving first waits for this load
    instead of starting its own)."""

    async def warm() -> None:
        try:
            await app[SERVICES_KEY].network.search.warm()
        except Exception:  # the first search loads it then; the node stays up
            logger.warning("search warm-up failed", exc_info=True)

    task = asyncio.create_task(warm(), name="search-warm-up")
    yield
    if not task.done():
        with suppress(TimeoutError, asyncio.CancelledError):
            await asyncio.wait_for(asyncio.shield(task), WARM_UP_GRACE_S)
    if not task.done():
        task.cancel()
        with suppress(asyncio.CancelledError):
            await task


async def chat_retention(app: web.Application) -> AsyncIterator[None]:
    """A ``cleanup_ctx`` running the chat retention purge (once per cluster and period)."""
    async with app[SERVICES_KEY].moderation.retention.running():
        yield


def build_app(
    settings: Settings,
    *,
    clock: Clock | None = None,
    routes: Sequence[Route] | None = None,
    room_directory: RoomDirectory | None = None,
) -> web.Application:
    """The whole server as an aiohttp application.

    Args:
        settings: The configuration.
        clock: Time source (tests pass a fake); the system clock by default.
        routes: Routes to serve; all of them by default.
        room_directory: Projects and meetings for live rooms; the community's
            by default (tests pass a fake).
    """
    metrics = Metrics()
    proxy = ProxyPolicy.from_config(settings.http.trusted_proxies)
    app = web.Application(
        client_max_size=settings.http.max_body_bytes,
        middlewares=[observe, cors, limit_body, problems],
    )
    app[APP_KEY_PROXY] = proxy
    app[APP_KEY_CORS] = frozenset(settings.http.cors_origins)
    app[APP_KEY_MAX_BODY] = settings.http.max_body_bytes
    app[APP_KEY_METRICS] = metrics
    app.on_response_prepare.append(
        security_headers(proxy=proxy, frame_ancestors=settings.http.frame_ancestors)
    )

    async def resources(app: web.Application) -> AsyncIterator[None]:
        async with open_services(
            settings, clock=clock, metrics=metrics, room_directory=room_directory
        ) as services:
            app[SERVICES_KEY] = services
            logger.info("node started", extra={"node_id": services.cluster.node_id})
            yield

    app.cleanup_ctx.append(resources)
    app.cleanup_ctx.append(chat_retention)
    app.cleanup_ctx.append(search_warm_up)
    # Live rooms' sockets: after the services open, closed before they close.
    app[REALTIME_KEY] = Realtime(settings, metrics)
    app[REALTIME_KEY].attach(app)
    app.cleanup_ctx.append(realtime_context)
    served = all_routes() if routes is None else list(routes)
    for route in served:
        app.router.add_route(
            route.method, route.path, make_endpoint(route), name=route.operation_id
        )
    app.router.add_static("/static", STATIC_DIR, name="static", append_version=False)
    app[OPENAPI_KEY] = build_openapi(served, version=version(), server_url=settings.http.public_url)
    return app
