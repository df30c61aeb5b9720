"""The OpenAPI 3.1 document, generated from the route table and the models.

Nothing here is written by hand per endpoint: paths, parameters, bodies,
responses and security come from each ``Route`` and its pydantic models, so
the document cannot drift from the code.
"""

from __future__ import annotations

from collections.abc import Sequence
from http import HTTPStatus
from typing import Any, Literal

from pydantic import BaseModel
from pydantic.json_schema import models_json_schema

from protocol import Problem

from .routing import Access, Route

REF_TEMPLATE = "#/components/schemas/{model}"
PROBLEM_REF = {"$ref": "#/components/schemas/Problem"}
ACCESS_ERRORS: dict[Access, tuple[int, ...]] = {
    Access.PUBLIC: (),
    Access.API_KEY: (401, 403),
}
JsonMode = Literal["validation", "serialization"]


def _models(routes: Sequence[Route]) -> list[tuple[type[BaseModel], JsonMode]]:
    seen: dict[tuple[type[BaseModel], str], None] = {(Problem, "serialization"): None}
    for route in routes:
        if route.body_model is not None:
            seen[(route.body_model, "validation")] = None
        if route.response_model is not None:
            seen[(route.response_model, "serialization")] = None
    return [(model, mode) for model, mode in seen]  # type: ignore[misc]


def _parameters(route: Route, shared: dict[str, Any]) -> list[dict[str, Any]]:
    params: list[dict[str, Any]] = [
        {
            "name": name,
            "in": "path",
            "required": True,
            "schema": {"type": "string", "maxLength": 64},
        }
        for name in route.path_params
    ]
    if route.query_model is not None:
        schema = route.query_model.model_json_schema(ref_template=REF_TEMPLATE)
        # A query's enums live in its own $defs; keep them as components so
        # that the parameters' $refs resolve.
        for name, definition in schema.get("$defs", {}).items():
            shared.setdefault(name, definition)
        required = set(schema.get("required", []))
        for name, prop in schema.get("properties", {}).items():
            param: dict[str, Any] = {
                "name": name,
                "in": "query",
                "required": name in required,
                "schema": {k: v for k, v in prop.items() if k != "description"},
            }
            if "description" in prop:
                param["description"] = prop["description"]
            params.append(param)
    return params


def _security(access: Access) -> list[dict[str, list[str]]]:
    if access is Access.PUBLIC:
        return []
    if access is Access.API_KEY:
        return [{"schoolApiKey": []}]
    return [{"bearerAuth": []}]


def build_openapi(
    routes: Sequence[Route], *, version: str, server_url: str | None
) -> dict[str, Any]:
    """The whole OpenAPI 3.1 document for these routes."""
    refs, definitions = models_json_schema(_models(routes), ref_template=REF_TEMPLATE)
    query_definitions: dict[str, Any] = {}
    paths: dict[str, dict[str, Any]] = {}
    for route in sorted(routes, key=lambda r: (r.path, r.method)):
        responses: dict[str, Any] = {}
        if route.raw_response:
            responses[str(route.status)] = {"description": HTTPStatus(route.status).phrase}
        elif route.response_model is None:
            responses["204"] = {"description": "No Content"}
        else:
            ref = refs[(route.response_model, "serialization")]
            responses[str(route.status)] = {
                "description": HTTPStatus(route.status).phrase,
                "content": {"application/json": {"schema": ref}},
            }
        statuses = set(route.errors)
        statuses.update(ACCESS_ERRORS.get(route.access, (401, 403)))
        if route.body_model is not None or route.query_model is not None:
            statuses.update((400, 413, 415) if route.body_model is not None else (400,))
        if route.path_params:
            statuses.add(404)
        for status in sorted(statuses):
            responses[str(status)] = {
                "description": HTTPStatus(status).phrase,
                "content": {"application/problem+json": {"schema": PROBLEM_REF}},
            }
        operation: dict[str, Any] = {
            "operationId": route.operation_id,
            "summary": route.summary,
            "tags": list(route.tags),
            "parameters": _parameters(route, query_definitions),
            "responses": responses,
            "security": _security(route.access),
            "x-access": route.access.value,
        }
        if route.description:
            operation["description"] = route.description
        if route.body_model is not None:
            operation["requestBody"] = {
                "required": True,
                "content": {"application/json": {"schema": refs[(route.body_model, "validation")]}},
            }
        paths.setdefault(route.path, {})[route.method.lower()] = operation
    document: dict[str, Any] = {
        "openapi": "3.1.0",
        "info": {
            "title": "Jumelage API",
            "version": version,
            "description": (
                "Accounts, schools, projects and live rooms for partner classes across borders. "
                "Errors are application/problem+json (RFC 9457) with a stable `code`; lists are "
                "paginated with an opaque `cursor`."
            ),
        },
        "paths": paths,
        "components": {
            "schemas": {**query_definitions, **definitions.get("$defs", {})},
            "securitySchemes": {
                "bearerAuth": {
                    "type": "http",
                    "scheme": "bearer",
                    "bearerFormat": "JWT",
                },
                "schoolApiKey": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "A school's API key, jmlg_<prefix>_<secret>.",
                },
            },
        },
    }
    if server_url:
        document["servers"] = [{"url": server_url}]
    return document
