"""Turns a declared route into an aiohttp handler: authenticate, parse, call, render."""

from __future__ import annotations

import re
import types
import typing
from typing import Any

from aiohttp import web
from pydantic import BaseModel, ValidationError

from community import AccountNotActive, Principal
from protocol import (
    CodedError,
    ErrorCode,
    Forbidden,
    InvalidPayload,
    NotFound,
    QueryModel,
    Unauthenticated,
)

from ..services import SERVICES_KEY
from .middlewares import CLIENT, REQUEST_ID, USER_ID
from .routing import Access, Ctx, Route

SAFE_PATH_PARAM = re.compile(r"^[A-Za-z0-9_.-]{1,64}$")
JSON_TYPES = ("application/json",)


class UnsupportedMediaType(CodedError):
    """The body is not JSON."""

    code = ErrorCode.UNSUPPORTED_MEDIA_TYPE


def validation_details(error: ValidationError) -> list[dict[str, Any]]:
    """Field paths and messages, without the input values (they may be passwords)."""
    return [
        {"loc": list(item["loc"]), "msg": item["msg"], "type": item["type"]}
        for item in error.errors(include_url=False, include_input=False, include_context=False)
    ]


def _bearer(request: web.Request) -> str:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthenticated("send credentials as 'Authorization: Bearer <token>'")
    return token.strip()


async def authenticate(ctx: Ctx, access: Access) -> None:
    """Fill the context's principal or integration, or refuse.

    Raises:
        Unauthenticated (and subclasses): No, bad, expired or revoked credentials.
        AccountNotActive: A pending or suspended account on a route for active ones.
        Forbidden: The account does not pass the route's access rule.
    """
    if access is Access.PUBLIC:
        return
    token = _bearer(ctx.request)
    accounts = ctx.services.accounts
    if access is Access.API_KEY:
        ctx.integration = await accounts.integrations.authenticate_key(token)
        return
    principal: Principal = await accounts.sessions.authenticate(token)
    ctx.principal = principal
    if not access.allows(principal):
        if access is not Access.ACCOUNT and not principal.is_active:
            raise AccountNotActive(f"this account is {principal.status.value}")
        raise Forbidden("this account may not do this")


def _is_sequence(annotation: Any) -> bool:
    origin = typing.get_origin(annotation)
    if origin in (typing.Union, types.UnionType):
        return any(_is_sequence(a) for a in typing.get_args(annotation))
    return origin in (list, tuple, set, frozenset)


def parse_query(request: web.Request, model: type[QueryModel]) -> QueryModel:
    """Validate the query string; repeated keys feed list fields.

    Raises:
        InvalidPayload: Unknown or bad parameters.
    """
    data: dict[str, Any] = {}
    for key in set(request.query.keys()):
        field = model.model_fields.get(key)
        if field is not None and _is_sequence(field.annotation):
            data[key] = request.query.getall(key)
        else:
            data[key] = request.query.get(key)
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise InvalidPayload(
            "bad query parameters", details={"errors": validation_details(exc)}
        ) from exc


async def parse_body(request: web.Request, model: type[BaseModel]) -> BaseModel:
    """Validate a JSON body (its size is capped by the app's ``client_max_size``).

    Raises:
        UnsupportedMediaType: The body is not ``application/json``.
        InvalidPayload: Malformed JSON, or fields that do not fit the model.
    """
    if request.content_type not in JSON_TYPES:
        raise UnsupportedMediaType("send the body as application/json")
    raw = await request.read()
    try:
        return model.model_validate_json(raw)
    except ValidationError as exc:
        raise InvalidPayload(
            "the request body is not valid", details={"errors": validation_details(exc)}
        ) from exc


def render(route: Route, result: Any) -> web.StreamResponse:
    """The handler's return value as a response."""
    if route.raw_response:
        assert isinstance(result, web.StreamResponse)
        return result
    if result is None:
        return web.Response(status=204)
    assert isinstance(result, BaseModel)
    return web.json_response(result.model_dump(mode="json"), status=route.status)


def make_endpoint(route: Route) -> Any:
    """The aiohttp handler of one route."""

    async def endpoint(request: web.Request) -> web.StreamResponse:
        ctx = Ctx(
            request=request,
            request_id=request[REQUEST_ID],
            client=request[CLIENT],
            services=request.app[SERVICES_KEY],
        )
        await authenticate(ctx, route.access)
        if ctx.principal is not None:
            request[USER_ID] = ctx.principal.user_id
        kwargs: dict[str, Any] = {}
        for name in route.path_params:
            value = request.match_info[name]
            if not SAFE_PATH_PARAM.match(value):
                raise NotFound("not found")
            kwargs[name] = value
        if route.query_model is not None:
            kwargs["query"] = parse_query(request, route.query_model)
        if route.body_model is not None:
            kwargs["body"] = await parse_body(request, route.body_model)
        return render(route, await route.handler(ctx, **kwargs))

    endpoint.__name__ = route.operation_id
    # A streaming route declares its own body limit; limit_body reads it here.
    if hasattr(route.handler, "max_body_bytes"):
        endpoint.max_body_bytes = route.handler.max_body_bytes  # type: ignore[attr-defined]
    return endpoint
