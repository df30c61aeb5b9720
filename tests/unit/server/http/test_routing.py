"""``RouteTable``: the handler's signature declares the route's models.

Handlers here are declared at module level, as in ``server/http/*.py``, so
that their annotations resolve the same way.
"""

from __future__ import annotations

import pytest
from aiohttp import web

from community import Principal
from protocol import QueryModel, RequestModel, ResponseModel, SchoolId, UserId
from protocol.api.accounts import AccountKind, AccountStatus
from server.http.routing import Access, Ctx, RouteTable


class RenameBody(RequestModel):
    name: str


class SchoolQuery(QueryModel):
    country: str | None = None


class SchoolOut(ResponseModel):
    id: str
    name: str


async def rename_school(ctx: Ctx, school_id: str, body: RenameBody) -> SchoolOut:
    """Rename a school."""
    return SchoolOut(id=school_id, name=body.name)


async def list_classes(ctx: Ctx, school_id: str, class_label: str, query: SchoolQuery) -> SchoolOut:
    return SchoolOut(id=school_id, name=class_label)


async def forget(ctx: Ctx, school_id: str) -> None:
    return None


async def download(ctx: Ctx) -> web.Response:
    return web.Response(text="csv")


async def no_context(request: Ctx) -> None:
    return None


async def context_second(body: RenameBody, ctx: Ctx) -> None:
    return None


async def no_parameters() -> None:
    return None


async def stray_parameter(ctx: Ctx, school_id: str, page: int) -> None:
    return None


async def misspelt_placeholder(ctx: Ctx, schoolid: str) -> None:
    return None


def test_models_come_from_the_annotations():
    table = RouteTable()
    table.patch("/api/v1/schools/{school_id}", access=Access.SCHOOL_ADMIN, summary="Rename")(
        rename_school
    )
    (route,) = table.routes
    assert route.method == "PATCH"
    assert route.path == "/api/v1/schools/{school_id}"
    assert route.access is Access.SCHOOL_ADMIN
    assert route.body_model is RenameBody
    assert route.query_model is None
    assert route.response_model is SchoolOut
    assert route.path_params == ("school_id",)
    assert route.status == 200
    assert route.raw_response is False
    assert route.operation_id == "rename_school"
    assert route.description == "Rename a school."


def test_query_model_and_several_placeholders():
    table = RouteTable()
    path = "/api/v1/schools/{school_id}/classes/{class_label}"
    table.get(path, access=Access.TEACHER, summary="Classes")(list_classes)
    (route,) = table.routes
    assert route.method == "GET"
    assert route.query_model is SchoolQuery
    assert route.body_model is None
    assert route.path_params == ("school_id", "class_label")


def test_none_return_is_204():
    table = RouteTable()
    table.delete("/api/v1/schools/{school_id}", access=Access.PLATFORM_ADMIN, summary="Forget")(
        forget
    )
    (route,) = table.routes
    assert route.status == 204
    assert route.response_model is None


def test_declared_status_is_kept_for_a_response_model():
    table = RouteTable()
    table.post("/api/v1/schools/{school_id}", access=Access.ACCOUNT, summary="Create", status=201)(
        rename_school
    )
    assert table.routes[0].status == 201


def test_raw_response_keeps_its_status_and_has_no_model():
    table = RouteTable()
    table.get("/api/v1/export", access=Access.NSO_ADMIN, summary="Export")(download)
    (route,) = table.routes
    assert route.raw_response is True
    assert route.response_model is None
    assert route.status == 200


def test_the_decorator_returns_the_handler_itself():
    table = RouteTable()
    decorated = table.put("/api/v1/schools/{school_id}", access=Access.ACCOUNT, summary="x")(
        rename_school
    )
    assert decorated is rename_school
    assert table.routes[0].method == "PUT"


@pytest.mark.parametrize(
    ("handler", "path", "message"),
    [
        (no_context, "/x", "first parameter must be ctx"),
        (context_second, "/x", "first parameter must be ctx"),
        (no_parameters, "/x", "first parameter must be ctx"),
        (stray_parameter, "/schools/{school_id}", "parameter page is not in"),
        (misspelt_placeholder, "/schools/{school_id}", "parameter schoolid is not in"),
        (rename_school, "/schools", "parameter school_id is not in"),
    ],
)
def test_bad_signatures_are_refused(handler, path: str, message: str):
    table = RouteTable()
    with pytest.raises(TypeError, match=message):
        table.post(path, access=Access.ACCOUNT, summary="x")(handler)
    assert table.routes == []


def principal(kind: AccountKind, status: AccountStatus, *, school_admin: bool = False) -> Principal:
    return Principal(UserId("u"), kind, status, SchoolId("s"), "FR", school_admin)


K, S = AccountKind, AccountStatus
PRINCIPALS = {
    "pending teacher": principal(K.TEACHER, S.PENDING),
    "teacher": principal(K.TEACHER, S.VALIDATED),
    "school admin": principal(K.TEACHER, S.VALIDATED, school_admin=True),
    "suspended school admin": principal(K.TEACHER, S.SUSPENDED, school_admin=True),
    "rejected teacher": principal(K.TEACHER, S.REJECTED),
    "pupil": principal(K.PUPIL, S.ACTIVE),
    "disabled pupil": principal(K.PUPIL, S.DISABLED),
    "nso admin": principal(K.NSO_ADMIN, S.ACTIVE),
    "disabled nso admin": principal(K.NSO_ADMIN, S.DISABLED),
    "platform admin": principal(K.PLATFORM_ADMIN, S.ACTIVE),
    "disabled platform admin": principal(K.PLATFORM_ADMIN, S.DISABLED),
}
ACTIVE = {"teacher", "school admin", "pupil", "nso admin", "platform admin"}
ALLOWED_BY_ACCESS = {
    Access.PUBLIC: set(),
    Access.API_KEY: set(),
    Access.ACCOUNT: set(PRINCIPALS),
    Access.ACTIVE: ACTIVE,
    Access.TEACHER: {"teacher", "school admin"},
    Access.SCHOOL_ADMIN: {"school admin", "platform admin"},
    Access.NSO_ADMIN: {"nso admin", "platform admin"},
    Access.PLATFORM_ADMIN: {"platform admin"},
}


def test_the_access_table_covers_every_rule():
    assert set(ALLOWED_BY_ACCESS) == set(Access)


@pytest.mark.parametrize("access", list(Access))
@pytest.mark.parametrize("who", list(PRINCIPALS))
def test_access_allows(access: Access, who: str):
    assert access.allows(PRINCIPALS[who]) is (who in ALLOWED_BY_ACCESS[access])


@pytest.mark.parametrize("access", list(Access))
def test_needs_account(access: Access):
    assert access.needs_account is (access not in (Access.PUBLIC, Access.API_KEY))
