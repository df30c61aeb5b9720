"""The access gate of EVERY route, walked with every kind of caller.

``ADMITTED`` says, for each ``Access`` rule, which callers pass the gate. It
is written out by hand rather than derived from ``Access.allows``, and a
route whose rule is missing from it fails the suite: a new kind of route
cannot ship without an explicit decision, and the rule function cannot drift
from the table without a test saying so.

The walk uses random ids in paths (the caller's own school for ``school_id``,
so that a school admin is judged by the gate and not by the school check) and
an empty JSON body. Admitted callers may then be refused by validation or by
the domain (400, 404, 409); they must never be refused as unauthenticated or
forbidden. Refused callers get exactly the gate's answer.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from community import Principal
from protocol.api.accounts import AccountKind, AccountStatus
from protocol.ids import SchoolId, UserId
from server.app import all_routes
from server.http.routing import Access, Route
from server.services import Services
from tests.support import World
from tests.support_http import bearer

CALLERS = (
    "anonymous",
    "pending_teacher",
    "pupil",
    "teacher",
    "school_admin",
    "nso_admin",
    "platform_admin",
    "api_key",
)
ACCOUNTS = frozenset(CALLERS) - {"anonymous", "api_key"}

ADMITTED: dict[Access, frozenset[str]] = {
    Access.PUBLIC: frozenset(CALLERS),
    Access.ACCOUNT: ACCOUNTS,
    Access.ACTIVE: ACCOUNTS - {"pending_teacher"},
    Access.TEACHER: frozenset({"teacher", "school_admin"}),
    Access.SCHOOL_ADMIN: frozenset({"school_admin", "platform_admin"}),
    Access.NSO_ADMIN: frozenset({"nso_admin", "platform_admin"}),
    Access.PLATFORM_ADMIN: frozenset({"platform_admin"}),
    Access.API_KEY: frozenset({"api_key"}),
}
"""Who passes the gate of each access rule."""

ACTIVE = {"pending_teacher": False}
"""Callers whose account is not active (the gate says ``account_not_active``)."""

PRINCIPALS: dict[str, Principal] = {
    "pending_teacher": Principal(
        UserId("u1"), AccountKind.TEACHER, AccountStatus.PENDING, SchoolId("s"), "FR"
    ),
    "pupil": Principal(UserId("u2"), AccountKind.PUPIL, AccountStatus.ACTIVE, SchoolId("s"), "FR"),
    "teacher": Principal(
        UserId("u3"), AccountKind.TEACHER, AccountStatus.VALIDATED, SchoolId("s"), "FR"
    ),
    "school_admin": Principal(
        UserId("u4"),
        AccountKind.TEACHER,
        AccountStatus.VALIDATED,
        SchoolId("s"),
        "FR",
        is_school_admin=True,
    ),
    "nso_admin": Principal(UserId("u5"), AccountKind.NSO_ADMIN, AccountStatus.ACTIVE, None, "FR"),
    "platform_admin": Principal(
        UserId("u6"), AccountKind.PLATFORM_ADMIN, AccountStatus.ACTIVE, None, None
    ),
}
"""One principal per kind of account caller, as the gate sees them."""


def _route_id(route: Route) -> str:
    return f"{route.method} {route.path}"


def test_every_route_has_an_access_rule_the_table_knows():
    unknown = [f"{_route_id(r)} ({r.access!r})" for r in all_routes() if r.access not in ADMITTED]
    assert unknown == [], "decide who may call these routes, then add their rule to ADMITTED"
    assert set(ADMITTED) == set(Access), "every access rule needs a row in ADMITTED"
    assert all_routes(), "no routes found"


@pytest.mark.parametrize("access", [a for a in Access if a.needs_account])
def test_the_table_agrees_with_the_rule_function(access):
    admitted = {name for name, p in PRINCIPALS.items() if access.allows(p)}
    assert admitted == ADMITTED[access] & ACCOUNTS


def test_no_account_route_admits_the_api_key_or_anonymous():
    for access, callers in ADMITTED.items():
        if access is not Access.PUBLIC:
            assert "anonymous" not in callers
        if access.needs_account:
            assert "api_key" not in callers


@dataclass
class Caller:
    """One kind of caller of the walk, with what it sends."""

    name: str
    user_id: UserId | None = None
    school_id: str | None = None
    api_key: str | None = None


async def _caller(world: World, name: str) -> Caller:
    if name == "anonymous":
        return Caller(name)
    if name == "api_key":
        admin = await world.teacher(school_admin=True)
        assert admin.school_id is not None
        issued = await world.services.accounts.integrations.create_key(
            admin.principal, admin.school_id, name="LMS", scopes=frozenset({"join_tokens"})
        )
        return Caller(name, school_id=admin.school_id, api_key=issued.secret_key)
    if name == "pending_teacher":
        actor = await world.teacher(validated=False)
    elif name == "pupil":
        actor = await world.pupil(await world.teacher())
    elif name == "teacher":
        actor = await world.teacher()
    elif name == "school_admin":
        actor = await world.teacher(school_admin=True)
    elif name == "nso_admin":
        actor = await world.nso_admin("FR")
    else:
        assert name == "platform_admin"
        actor = await world.platform_admin()
    return Caller(name, user_id=actor.user_id, school_id=actor.school_id)


async def _credentials(services: Services, caller: Caller) -> dict[str, str]:
    """The caller's header, with an access token of the account's current epoch
    (a route such as sign-out revokes earlier tokens on the way)."""
    if caller.api_key is not None:
        return bearer(caller.api_key)
    if caller.user_id is None:
        return {}
    async with services.db.transaction("test.epoch") as uow:
        user = await uow.accounts.get_user(caller.user_id)
    token, _ = services.accounts.signer.issue_access(
        user_id=user.id, kind=user.kind, epoch=user.token_epoch, ttl_s=60
    )
    return bearer(token)


def _path(route: Route, caller: Caller) -> str:
    values = {
        name: caller.school_id if name == "school_id" and caller.school_id else str(uuid.uuid4())
        for name in route.path_params
    }
    return route.path.format(**values)


def _expected_refusal(route: Route, caller: str) -> tuple[int, str] | None:
    """The gate's answer to this caller on this route; None when it passes."""
    if caller in ADMITTED[route.access]:
        return None
    if caller == "anonymous":
        return 401, "unauthenticated"
    if caller == "api_key" or route.access is Access.API_KEY:
        # An API key is not an access token, and an access token is not a key.
        return 401, "token_invalid"
    if route.access is not Access.ACCOUNT and not ACTIVE.get(caller, True):
        return 403, "account_not_active"
    return 403, "forbidden"


async def _call(
    client: TestClient[Any, Any], route: Route, path: str, headers: dict[str, str]
) -> Any:
    if route.method in ("POST", "PUT", "PATCH"):
        return await client.request(route.method, path, headers=headers, json={})
    return await client.request(route.method, path, headers=headers)


@pytest.mark.parametrize("caller_name", CALLERS)
async def test_gate_of_every_route(app_client, world, services, caller_name):
    caller = await _caller(world, caller_name)
    wrong: list[str] = []
    for route in all_routes():
        headers = await _credentials(services, caller)
        response = await _call(app_client, route, _path(route, caller), headers)
        status = response.status
        code = None
        if response.content_type == "application/problem+json":
            code = (await response.json(content_type=None))["code"]
        expected = _expected_refusal(route, caller_name)
        if expected is None:
            if status in (401, 403):
                wrong.append(f"{_route_id(route)}: admitted {caller_name} got {status} {code}")
        elif (status, code) != expected:
            wrong.append(
                f"{_route_id(route)}: {caller_name} expected {expected}, got {status} {code}"
            )
    assert wrong == []


REGISTRATION: dict[tuple[str, str], str] = {
    ("GET", "/api/v1/countries"): "the country of a new school (with its time zone)",
    ("GET", "/api/v1/schools"): "an existing school to join",
    ("POST", "/api/v1/auth/register"): "the registration itself",
}
"""What a visitor without an account needs to register as a teacher. The
networking area's country route (``/api/v1/countries/{code}``, the country's
support organisation) is for teachers; registration must not depend on it."""


def test_what_registration_needs_is_public():
    rules = {(r.method, r.path): r.access for r in all_routes()}
    assert {key: rules.get(key) for key in REGISTRATION} == dict.fromkeys(
        REGISTRATION, Access.PUBLIC
    )
    assert rules[("GET", "/api/v1/countries/{code}")] is Access.TEACHER


async def test_an_anonymous_visitor_gets_the_countries_to_register_with(app_client):
    listed = await app_client.get("/api/v1/countries")
    assert listed.status == 200
    codes = {c["code"] for c in (await listed.json())["countries"]}
    assert {"FR", "DE", "UA"} <= codes
    detail = await app_client.get("/api/v1/countries/FR")
    assert detail.status == 401  # the networking area's detail needs a teacher
