"""Operations: liveness, readiness, metrics, the API description and the landing page."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

from aiohttp import web

from protocol import CodedError

from .docs_page import render_docs_page
from .routing import Access, Ctx, RouteTable

OPENAPI_KEY = web.AppKey("openapi", dict)
STATIC_DIR = Path(__file__).resolve().parent.parent / "static"

routes = RouteTable()
TAGS = ("operations",)


@routes.get("/health", access=Access.PUBLIC, summary="Liveness", tags=TAGS)
async def health(ctx: Ctx) -> web.Response:
    """Answers while the process runs; says ``degraded`` while a backing service is down."""
    status = "ok" if ctx.services.cluster.health.is_healthy() else "degraded"
    return web.json_response({"status": status, "version": ctx.services.version})


@routes.get("/ready", access=Access.PUBLIC, summary="Readiness", tags=TAGS)
async def ready(ctx: Ctx) -> web.Response:
    """200 when the database (and Redis, when configured) answer; else 503."""
    checks: dict[str, str] = {}
    try:
        await ctx.services.db.ping()
        checks["database"] = "ok"
    except CodedError as exc:
        checks["database"] = f"down: {exc.message}"
    checks.update(await ctx.services.cluster.health.check())
    ok = all(v == "ok" for v in checks.values())
    ctx.services.metrics.cluster_healthy.set(1 if ctx.services.cluster.health.is_healthy() else 0)
    return web.json_response(
        {"status": "ok" if ok else "unavailable", "checks": checks},
        status=200 if ok else 503,
    )


@routes.get("/metrics", access=Access.PUBLIC, summary="Prometheus metrics", tags=TAGS)
async def metrics(ctx: Ctx) -> web.Response:
    """Counters and histograms by route, code and transaction; no personal data."""
    ctx.services.metrics.cluster_healthy.set(1 if ctx.services.cluster.health.is_healthy() else 0)
    response = web.Response(body=ctx.services.metrics.render())
    response.headers["Content-Type"] = ctx.services.metrics.content_type
    return response


@routes.get(
    "/api/v1/openapi.json",
    access=Access.PUBLIC,
    summary="This API, as OpenAPI 3.1",
    tags=TAGS,
)
async def openapi_document(ctx: Ctx) -> web.Response:
    document = ctx.request.app[OPENAPI_KEY]
    return web.Response(text=json.dumps(document), content_type="application/json")


@routes.get(
    "/api/v1/docs",
    access=Access.PUBLIC,
    summary="This API, as a readable page",
    tags=TAGS,
)
async def api_docs(ctx: Ctx) -> web.Response:
    return web.Response(
        text=render_docs_page(ctx.request.app[OPENAPI_KEY]), content_type="text/html"
    )


@cache
def _landing_page() -> str:
    return (STATIC_DIR / "index.html").read_text("utf-8")


@routes.get("/", access=Access.PUBLIC, summary="Landing page", tags=TAGS)
async def landing(ctx: Ctx) -> web.Response:
    return web.Response(text=_landing_page(), content_type="text/html")
