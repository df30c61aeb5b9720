"""The route table: every HTTP endpoint, its access rule and its models.

A route is declared once, with its method, path, access rule and summary; the
handler's signature gives the rest (``body``: a request model, ``query``: a
query model, other parameters: path segments, return annotation: the response
model). From the same table the app registers its handlers, the OpenAPI
document describes the API, and the access-control test walks every route:
a route cannot exist without an explicit access rule.

Handlers stay thin: parse (done here), take the actor from the context, call
one domain method, return a response model.
"""

from __future__ import annotations

import inspect
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, get_type_hints

from aiohttp import web
from pydantic import BaseModel

from community import Integration, Principal
from protocol import QueryModel, RequestModel
from protocol.api.accounts import AccountKind

from ..services import Services

Handler = Callable[..., Awaitable[Any]]
_PLACEHOLDER = re.compile(r"\{(\w+)\}")


class Access(StrEnum):
    """Who may call a route. The domain then checks the finer rules
    (this pupil belongs to my school, this project is mine)."""

    PUBLIC = "public"
    """Anyone, without credentials."""
    ACCOUNT = "account"
    """Any signed-in account, including a teacher still pending validation."""
    ACTIVE = "active"
    """An active account: validated teacher, active pupil or staff."""
    TEACHER = "teacher"
    """A validated teacher."""
    SCHOOL_ADMIN = "school_admin"
    """A validated teacher who administers their school, or a platform admin."""
    NSO_ADMIN = "nso_admin"
    """An admin of a national support organisation, or a platform admin."""
    PLATFORM_ADMIN = "platform_admin"
    """A platform admin."""
    API_KEY = "api_key"
    """A school integration, with one of the school's API keys."""

    @property
    def needs_account(self) -> bool:
        return self not in (Access.PUBLIC, Access.API_KEY)

    def allows(self, principal: Principal) -> bool:
        """Whether this account passes the route's coarse gate."""
        match self:
            case Access.ACCOUNT:
                return True
            case Access.ACTIVE:
                return principal.is_active
            case Access.TEACHER:
                return principal.is_validated_teacher
            case Access.SCHOOL_ADMIN:
                return principal.is_platform_admin or (
                    principal.is_validated_teacher and principal.is_school_admin
                )
            case Access.NSO_ADMIN:
                return principal.is_active and principal.kind in (
                    AccountKind.NSO_ADMIN,
                    AccountKind.PLATFORM_ADMIN,
                )
            case Access.PLATFORM_ADMIN:
                return principal.is_platform_admin
        return False


@dataclass
class Ctx:
    """What a handler knows about the request it serves."""

    request: web.Request
    request_id: str
    client: str
    """The client's address (through trusted proxies only)."""
    services: Services
    """Every service the handler may call."""
    principal: Principal | None = None
    integration: Integration | None = None

    @property
    def actor(self) -> Principal:
        """The signed-in account; routes with an account access rule have one."""
        assert self.principal is not None, "route without an account access rule"
        return self.principal

    @property
    def school_tool(self) -> Integration:
        """The school integration; routes with ``Access.API_KEY`` have one."""
        assert self.integration is not None, "route without Access.API_KEY"
        return self.integration


@dataclass(frozen=True)
class Route:
    """One endpoint of the API."""

    method: str
    path: str
    handler: Handler
    access: Access
    summary: str
    tags: tuple[str, ...]
    status: int
    body_model: type[RequestModel] | None
    query_model: type[QueryModel] | None
    response_model: type[BaseModel] | None
    path_params: tuple[str, ...]
    description: str = ""
    raw_response: bool = False
    """The handler returns an ``aiohttp.web.Response`` itself (files, CSV)."""
    errors: tuple[int, ...] = field(default=())
    """Statuses the route may answer besides the access rule's ones."""

    @property
    def operation_id(self) -> str:
        return self.handler.__name__


class RouteTable:
    """Collects routes declared with the ``get``/``post``/... decorators."""

    def __init__(self) -> None:
        self.routes: list[Route] = []

    def add(
        self,
        method: str,
        path: str,
        *,
        access: Access,
        summary: str,
        tags: tuple[str, ...] = (),
        status: int = 200,
        errors: tuple[int, ...] = (),
    ) -> Callable[[Handler], Handler]:
        """Declare a route; the handler's signature gives its models."""

        def register(handler: Handler) -> Handler:
            hints = get_type_hints(handler)
            params = list(inspect.signature(handler).parameters)
            if not params or params[0] != "ctx":
                raise TypeError(f"{handler.__name__}: the first parameter must be ctx")
            placeholders = tuple(_PLACEHOLDER.findall(path))
            body = hints.get("body")
            query = hints.get("query")
            for name in params[1:]:
                if name not in ("body", "query") and name not in placeholders:
                    raise TypeError(f"{handler.__name__}: parameter {name} is not in {path}")
            returned = hints.get("return")
            raw = returned is web.Response
            response = None if returned in (None, type(None)) or raw else returned
            self.routes.append(
                Route(
                    method=method,
                    path=path,
                    handler=handler,
                    access=access,
                    summary=summary,
                    tags=tags,
                    status=204 if response is None and not raw else status,
                    body_model=body,
                    query_model=query,
                    response_model=response,
                    path_params=placeholders,
                    description=inspect.getdoc(handler) or "",
                    raw_response=raw,
                    errors=errors,
                )
            )
            return handler

        return register

    def get(self, path: str, **kw: Any) -> Callable[[Handler], Handler]:
        return self.add("GET", path, **kw)

    def post(self, path: str, **kw: Any) -> Callable[[Handler], Handler]:
        return self.add("POST", path, **kw)

    def put(self, path: str, **kw: Any) -> Callable[[Handler], Handler]:
        return self.add("PUT", path, **kw)

    def patch(self, path: str, **kw: Any) -> Callable[[Handler], Handler]:
        return self.add("PATCH", path, **kw)

    def delete(self, path: str, **kw: Any) -> Callable[[Handler], Handler]:
        return self.add("DELETE", path, **kw)
