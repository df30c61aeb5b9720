"""Operations endpoints: liveness, readiness (also with the database gone),
metrics labelled by route pattern, the OpenAPI document, the docs page and
the landing page.
"""

from __future__ import annotations

import socket
from collections.abc import Iterator
from html import escape
from typing import Any

from prometheus_client.parser import text_string_to_metric_families

from protocol import new_id
from server.app import all_routes, build_app
from server.http.routing import Access
from tests.support_http import expect_json, expect_problem


def closed_port() -> int:
    """A local TCP port nobody listens on (connections are refused at once)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


async def test_health(app_client):
    body = await expect_json(await app_client.get("/health"), 200)
    assert body["status"] == "ok"
    assert body["version"]


async def test_ready_with_every_check(app_client):
    body = await expect_json(await app_client.get("/ready"), 200)
    assert body["status"] == "ok"
    assert body["checks"]["database"] == "ok"
    assert all(value == "ok" for value in body["checks"].values())


async def test_ready_is_unavailable_without_the_database(aiohttp_client, make_settings, clock):
    url = f"postgresql+asyncpg://postgres@127.0.0.1:{closed_port()}/jumelage"
    settings = make_settings(database={"url": url, "migrate_on_start": False})
    client = await aiohttp_client(build_app(settings, clock=clock))

    ready = await client.get("/ready")
    assert ready.status == 503
    body = await ready.json()
    assert body["status"] == "unavailable"
    assert body["checks"]["database"].startswith("down")
    assert url not in await ready.text()
    # Liveness does not depend on the database: the process is up.
    assert (await client.get("/health")).status == 200
    # Requests that need the database get a problem, not a hang or a 500.
    login = await client.post("/api/v1/auth/login", json={"login": "a@b.org", "password": "x"})
    await expect_problem(login, 503, "unavailable")


def _samples(text: str, name: str) -> Iterator[tuple[dict[str, str], float]]:
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name == name:
                yield sample.labels, sample.value


async def test_metrics_count_requests_by_route_pattern(app_client, world):
    teacher = await world.teacher()
    pupil_id = new_id()
    response = await app_client.post(f"/api/v1/pupils/{pupil_id}/password", headers=teacher.headers)
    assert response.status == 404
    stray = new_id()
    assert (await app_client.get(f"/nowhere/{stray}")).status == 404

    metrics = await app_client.get("/metrics")
    assert metrics.status == 200
    assert metrics.content_type == "text/plain"
    text = await metrics.text()
    assert pupil_id not in text
    assert stray not in text
    assert teacher.user_id not in text

    requests = list(_samples(text, "jumelage_http_requests_total"))
    reset = [
        value
        for labels, value in requests
        if labels
        == {"route": "/api/v1/pupils/{user_id}/password", "method": "POST", "status": "404"}
    ]
    assert reset == [1.0]
    patterns = {route.path for route in all_routes()} | {"/static", "unmatched"}
    assert {labels["route"] for labels, _ in requests} <= patterns
    assert any(labels["route"] == "unmatched" for labels, _ in requests)
    errors = {labels["code"]: value for labels, value in _samples(text, "jumelage_errors_total")}
    assert errors["not_found"] >= 2
    transactions = list(_samples(text, "jumelage_db_transaction_seconds_count"))
    assert transactions


async def _openapi(client: Any) -> dict[str, Any]:
    document: dict[str, Any] = await expect_json(await client.get("/api/v1/openapi.json"), 200)
    return document


def _refs(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "$ref" and isinstance(value, str):
                yield value
            else:
                yield from _refs(value)
    elif isinstance(node, list):
        for item in node:
            yield from _refs(item)


async def test_openapi_lists_every_route_with_its_method(app_client):
    document = await _openapi(app_client)
    assert document["openapi"].startswith("3.1")
    assert document["info"]["title"]
    operations = {
        (path, method.upper()) for path, ops in document["paths"].items() for method in ops
    }
    routes = {(route.path, route.method) for route in all_routes()}
    assert operations == routes
    ids = [op["operationId"] for ops in document["paths"].values() for op in ops.values()]
    assert len(ids) == len(set(ids))


async def test_openapi_references_only_defined_schemas(app_client):
    document = await _openapi(app_client)
    schemas = document["components"]["schemas"]
    refs = set(_refs(document))
    assert refs
    for ref in refs:
        prefix, _, name = ref.rpartition("/")
        assert prefix == "#/components/schemas", ref
        assert name in schemas, ref


async def test_openapi_describes_parameters_bodies_and_security(app_client):
    document = await _openapi(app_client)
    schemes = document["components"]["securitySchemes"]
    for route in all_routes():
        operation = document["paths"][route.path][route.method.lower()]
        path_params = [p["name"] for p in operation["parameters"] if p["in"] == "path"]
        assert path_params == list(route.path_params), route.path
        assert ("requestBody" in operation) == (route.body_model is not None), route.path
        security = operation["security"]
        if route.access is Access.PUBLIC:
            assert security == [], route.path
        else:
            assert security, f"{route.method} {route.path} has no security requirement"
            for requirement in security:
                assert set(requirement) <= set(schemes)
            assert "401" in operation["responses"], route.path


async def test_docs_page_shows_every_path(app_client):
    response = await app_client.get("/api/v1/docs")
    assert response.status == 200
    assert response.content_type == "text/html"
    page = await response.text()
    for route in all_routes():
        assert f"<code>{escape(route.path)}</code>" in page, route.path
        assert f"id='{route.operation_id}'" in page
    assert "<script" not in page


async def test_landing_page(app_client):
    response = await app_client.get("/")
    assert response.status == 200
    assert response.content_type == "text/html"
    page = await response.text()
    assert page.lstrip().lower().startswith("<!doctype html")
    stylesheet = await app_client.get("/static/site.css")
    assert stylesheet.status == 200
    assert stylesheet.content_type == "text/css"
