"""What every HTTP exchange follows, whatever the route: body limits, media
types, problem answers, security headers, HTTPS behind proxies, client
addresses, CORS, request ids and list cursors.
"""

from __future__ import annotations

import datetime as dt
import ssl
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from server.app import all_routes, build_app
from server.http.routing import Access
from storage.pagination import encode_cursor
from tests.support import PASSWORD
from tests.support_http import expect_json, expect_problem

LOGIN = "/api/v1/auth/login"
SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
    "X-Robots-Tag": "noindex, nofollow",
}
HSTS = "Strict-Transport-Security"


def assert_security_headers(response: Any) -> None:
    for name, value in SECURITY_HEADERS.items():
        assert response.headers.get(name) == value, (name, response.headers.get(name))
    csp = response.headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in csp
    assert "default-src 'self'" in csp
    assert "object-src 'none'" in csp


# -- bodies ----------------------------------------------------------------------


async def test_declared_oversized_body_is_refused(start_app):
    app = await start_app(http={"max_body_bytes": 1024})
    body = b'{"login": "' + b"a" * 2000 + b'", "password": "x"}'
    response = await app.client.post(LOGIN, data=body, headers={"Content-Type": "application/json"})
    problem = await expect_problem(response, 413, "payload_too_large")
    assert problem["details"]["max_bytes"] == 1024


async def test_chunked_oversized_body_is_refused(start_app):
    app = await start_app(http={"max_body_bytes": 1024})

    async def chunks() -> AsyncIterator[bytes]:
        yield b'{"login": "'
        for _ in range(40):
            yield b"a" * 100
        yield b'", "password": "x"}'

    response = await app.client.post(
        LOGIN, data=chunks(), headers={"Content-Type": "application/json"}
    )
    assert response.request_info.headers.get("Transfer-Encoding") == "chunked"
    assert "Content-Length" not in response.request_info.headers
    await expect_problem(response, 413, "payload_too_large")


async def test_body_within_the_limit_is_read(start_app):
    app = await start_app(http={"max_body_bytes": 1024})
    teacher = await app.world.teacher()
    response = await app.client.post(LOGIN, json={"login": teacher.login, "password": PASSWORD})
    await expect_json(response, 200)


@pytest.mark.parametrize(
    ("raw", "error_type"),
    [
        (b'{"login": "a", "password": ', "json_invalid"),
        (b"{'login': 'a'}", "json_invalid"),
        (b"", "json_invalid"),
        (b"[]", "model_type"),
        (b"null", "model_type"),
        (b'"text"', "model_type"),
    ],
)
async def test_malformed_json_is_invalid_payload(app_client, raw, error_type):
    response = await app_client.post(LOGIN, data=raw, headers={"Content-Type": "application/json"})
    body = await expect_problem(response, 400, "invalid_payload")
    assert body["errors"][0]["type"] == error_type


@pytest.mark.parametrize(
    "content_type",
    ["text/plain", "application/x-www-form-urlencoded", "multipart/form-data", None],
)
async def test_non_json_body_is_unsupported(app_client, world, content_type):
    teacher = await world.teacher()
    raw = f'{{"login": "{teacher.login}", "password": "{PASSWORD}"}}'.encode()
    headers = {} if content_type is None else {"Content-Type": content_type}
    response = await app_client.post(LOGIN, data=raw, headers=headers)
    await expect_problem(response, 415, "unsupported_media_type")


async def test_json_with_a_charset_is_accepted(app_client, world):
    teacher = await world.teacher()
    raw = f'{{"login": "{teacher.login}", "password": "{PASSWORD}"}}'.encode()
    response = await app_client.post(
        LOGIN, data=raw, headers={"Content-Type": "application/json; charset=utf-8"}
    )
    await expect_json(response, 200)


# -- routing -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "path", ["/nowhere", "/api/v1/nothing", "/api/v2/me", "/api/v1/pupils/a/b/c"]
)
async def test_unknown_route_is_a_problem(app_client, path):
    response = await app_client.get(path)
    await expect_problem(response, 404, "not_found")
    assert_security_headers(response)


async def test_wrong_method_is_a_problem_with_allow(app_client):
    response = await app_client.delete(LOGIN)
    await expect_problem(response, 405, "method_not_allowed")
    assert "POST" in response.headers["Allow"]
    listed = await app_client.put("/api/v1/pupils", json={})
    await expect_problem(listed, 405, "method_not_allowed")
    assert set(listed.headers["Allow"].split(",")) >= {"GET", "POST"}


# -- security headers ----------------------------------------------------------------


async def test_security_headers_on_success_error_and_static(app_client):
    for path, status in [
        ("/health", 200),
        ("/api/v1/countries", 200),
        ("/api/v1/me", 401),
        ("/static/site.css", 200),
        ("/api/v1/docs", 200),
        ("/", 200),
    ]:
        response = await app_client.get(path)
        assert response.status == status, path
        assert_security_headers(response)
        assert HSTS not in response.headers


async def test_api_answers_are_not_cached(app_client):
    response = await app_client.get("/api/v1/countries")
    assert response.headers["Cache-Control"] == "no-store"
    problem = await app_client.get("/api/v1/me")
    assert problem.headers["Cache-Control"] == "no-store"


async def test_frame_ancestors_let_schools_embed_pages(start_app):
    app = await start_app(http={"frame_ancestors": ["https://lms.school.example"]})
    response = await app.client.get("/")
    assert (
        "frame-ancestors https://lms.school.example" in response.headers["Content-Security-Policy"]
    )
    assert "X-Frame-Options" not in response.headers


# -- HTTPS and client addresses behind proxies ------------------------------------------


async def test_hsts_behind_a_trusted_proxy_only(app_client, start_app):
    forwarded = {"X-Forwarded-Proto": "https"}
    untrusted = await app_client.get("/health", headers=forwarded)
    assert HSTS not in untrusted.headers

    app = await start_app(http={"trusted_proxies": ["127.0.0.1"]})
    trusted = await app.client.get("/health", headers=forwarded)
    assert trusted.headers[HSTS].startswith("max-age=")
    plain = await app.client.get("/health", headers={"X-Forwarded-Proto": "http"})
    assert HSTS not in plain.headers
    error = await app.client.get("/api/v1/me", headers=forwarded)
    assert error.status == 401
    assert HSTS in error.headers


def _self_signed(directory: Path) -> ssl.SSLContext:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = dt.datetime.now(dt.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=1))
        .not_valid_after(now + dt.timedelta(hours=1))
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = directory / "cert.pem", directory / "key.pem"
    cert_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert_path, key_path)
    return context


async def test_hsts_over_direct_tls(aiohttp_server, aiohttp_client, settings, clock, tmp_path):
    server = await aiohttp_server(build_app(settings, clock=clock), ssl=_self_signed(tmp_path))
    client = await aiohttp_client(server)
    response = await client.get("/health", ssl=False)
    assert response.status == 200
    assert response.url.scheme == "https"
    assert response.headers[HSTS].startswith("max-age=")


async def _wrong_logins(client: Any, forwarded_for: str, times: int) -> list[int]:
    statuses = []
    for _ in range(times):
        response = await client.post(
            LOGIN,
            json={"login": "nobody@example.org", "password": "wrong password"},
            headers={"X-Forwarded-For": forwarded_for},
        )
        statuses.append(response.status)
    return statuses


async def test_forwarded_for_from_a_trusted_proxy_keys_the_address_limit(start_app):
    app = await start_app(
        http={"trusted_proxies": ["127.0.0.1"]},
        accounts={"login_attempts_per_address": 2},
    )
    assert await _wrong_logins(app.client, "203.0.113.5", 3) == [401, 401, 429]
    assert await _wrong_logins(app.client, "203.0.113.6", 1) == [401]
    # A client cannot dodge the limit by adding hops of its own in front.
    spoofed = await _wrong_logins(app.client, "198.51.100.1, 203.0.113.5", 1)
    assert spoofed == [429]


async def test_forwarded_for_from_an_untrusted_peer_is_ignored(start_app):
    app = await start_app(accounts={"login_attempts_per_address": 2})
    statuses = []
    for n in range(3):
        statuses += await _wrong_logins(app.client, f"203.0.113.{n}", 1)
    assert statuses == [401, 401, 429]


# -- CORS ----------------------------------------------------------------------------


ALLOWED_ORIGIN = "https://school.example"


async def test_cors_for_exactly_the_configured_origins(start_app):
    app = await start_app(http={"cors_origins": [ALLOWED_ORIGIN]})
    allowed = await app.client.get("/api/v1/countries", headers={"Origin": ALLOWED_ORIGIN})
    assert allowed.headers["Access-Control-Allow-Origin"] == ALLOWED_ORIGIN
    assert "Origin" in allowed.headers.getall("Vary")
    assert "X-Request-Id" in allowed.headers["Access-Control-Expose-Headers"]
    error = await app.client.get("/api/v1/me", headers={"Origin": ALLOWED_ORIGIN})
    assert error.headers["Access-Control-Allow-Origin"] == ALLOWED_ORIGIN

    for origin in ("https://evil.example", "https://school.example.evil.example", "null"):
        refused = await app.client.get("/api/v1/countries", headers={"Origin": origin})
        assert refused.status == 200
        assert "Access-Control-Allow-Origin" not in refused.headers


async def test_cors_preflight(start_app):
    app = await start_app(http={"cors_origins": [ALLOWED_ORIGIN]})
    preflight = {"Access-Control-Request-Method": "POST"}
    allowed = await app.client.options(LOGIN, headers={**preflight, "Origin": ALLOWED_ORIGIN})
    assert allowed.status == 204
    assert allowed.headers["Access-Control-Allow-Origin"] == ALLOWED_ORIGIN
    assert "POST" in allowed.headers["Access-Control-Allow-Methods"]
    assert "Authorization" in allowed.headers["Access-Control-Allow-Headers"]
    assert allowed.headers["X-Request-Id"]

    refused = await app.client.options(
        LOGIN, headers={**preflight, "Origin": "https://evil.example"}
    )
    await expect_problem(refused, 403, "forbidden")
    assert "Access-Control-Allow-Origin" not in refused.headers
    anonymous = await app.client.options(LOGIN, headers=preflight)
    await expect_problem(anonymous, 403, "forbidden")


async def test_no_cors_without_configured_origins(app_client):
    response = await app_client.get("/health", headers={"Origin": ALLOWED_ORIGIN})
    assert "Access-Control-Allow-Origin" not in response.headers
    preflight = await app_client.options(
        LOGIN, headers={"Origin": ALLOWED_ORIGIN, "Access-Control-Request-Method": "POST"}
    )
    await expect_problem(preflight, 403, "forbidden")


# -- request ids -----------------------------------------------------------------------


async def test_every_answer_carries_a_fresh_request_id(app_client):
    seen = set()
    for method, path in [
        ("GET", "/health"),
        ("GET", "/api/v1/countries"),
        ("GET", "/static/site.css"),
        ("GET", "/api/v1/me"),
        ("GET", "/nowhere"),
        ("DELETE", LOGIN),
    ]:
        response = await app_client.request(method, path)
        request_id = response.headers["X-Request-Id"]
        assert request_id not in seen
        seen.add(request_id)
        if response.status >= 400:
            assert (await response.json(content_type=None))["request_id"] == request_id


# -- cursors and query strings ---------------------------------------------------------

GARBAGE_CURSORS = [
    "%%%",
    "bm90IGpzb24",
    encode_cursor("only-one"),
    encode_cursor(1, 2),
    encode_cursor(None, None),
    encode_cursor(["a"], {"b": 1}),
    "x" * 600,
]
BAD_TIME_CURSORS = [
    encode_cursor("not a time", "id"),
    encode_cursor("2026-01-01T00:00:00", "id"),
]


@pytest.mark.parametrize("cursor", GARBAGE_CURSORS)
async def test_garbage_cursor_on_the_school_list(app_client, world, cursor):
    await world.school("FR")
    response = await app_client.get("/api/v1/schools", params={"cursor": cursor})
    await expect_problem(response, 400, "invalid_payload")


@pytest.mark.parametrize("cursor", GARBAGE_CURSORS + BAD_TIME_CURSORS)
async def test_garbage_cursor_on_the_teacher_list(app_client, world, cursor):
    await world.teacher(validated=False)
    admin = await world.platform_admin()
    response = await app_client.get(
        "/api/v1/admin/teachers", headers=admin.headers, params={"cursor": cursor}
    )
    await expect_problem(response, 400, "invalid_payload")


@pytest.mark.parametrize(
    "params", [{"limit": "0"}, {"limit": "x"}, {"country": "fra"}, {"colour": "red"}]
)
async def test_bad_query_parameters_are_refused(app_client, params):
    response = await app_client.get("/api/v1/schools", params=params)
    body = await expect_problem(response, 400, "invalid_payload")
    assert body["errors"]


async def test_school_list_pages_with_a_cursor(app_client, world):
    for n in range(5):
        await world.school("HR", name=f"Škola {n}")
    seen: list[str] = []
    cursor = None
    while True:
        params = {"country": "HR", "limit": "2", **({"cursor": cursor} if cursor else {})}
        body = await expect_json(await app_client.get("/api/v1/schools", params=params), 200)
        seen += [s["name"] for s in body["items"]]
        cursor = body.get("next_cursor")
        if cursor is None:
            break
    assert seen == [f"Škola {n}" for n in range(5)]


CURSOR_ROUTES = [
    route
    for route in all_routes()
    if route.method == "GET"
    and route.query_model is not None
    and "cursor" in route.query_model.model_fields
]
NEVER_VALID_CURSORS = [
    encode_cursor(None, None),
    encode_cursor(None, None, None),
    encode_cursor([1], {"a": 1}),
    encode_cursor([1], {"a": 1}, ["x"]),
]
"""No list cursor of ours holds nulls, lists or objects: always 400."""
ODD_CURSORS = [
    encode_cursor(1, 2),
    encode_cursor(1, 2, 3),
    encode_cursor("not a time", "id"),
    encode_cursor("not a time", "id", "FR"),
    encode_cursor("2026-01-01T00:00:00", "id"),
    encode_cursor("2026-01-01T00:00:00", "id", "FR"),
]
"""Well-formed for some lists, forged for others: a page or a 400, never a 500."""


async def _admitted_headers(world: Any, access: Access) -> dict[str, str]:
    if access is Access.PUBLIC:
        return {}
    if access in (Access.NSO_ADMIN, Access.PLATFORM_ADMIN):
        return dict((await world.platform_admin()).headers)
    return dict((await world.teacher(school_admin=True)).headers)


@pytest.mark.parametrize("route", CURSOR_ROUTES, ids=lambda r: r.path)
async def test_forged_cursors_never_reach_the_database(app_client, world, route):
    headers = await _admitted_headers(world, route.access)
    path = route.path.format(**{name: str(uuid.uuid4()) for name in route.path_params})
    # Behind a random id, the list's owner is not found before the cursor is read.
    refused, odd = ({404}, {404}) if route.path_params else ({400}, {200, 400})
    wrong = []
    for cursor, allowed in [(c, refused) for c in NEVER_VALID_CURSORS] + [
        (c, odd) for c in ODD_CURSORS
    ]:
        response = await app_client.get(path, headers=headers, params={"cursor": cursor})
        if response.status not in allowed:
            wrong.append((cursor, response.status))
    assert wrong == []
