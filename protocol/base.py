"""Base classes for every model on the wire (HTTP bodies and realtime events).

Requests are strict (no silent coercion of ``"1"`` into ``1``), frozen and
bounded; unknown fields are refused so that a typo in a client is an error
rather than a silently ignored setting. Responses are built by the server
itself, so an unknown field there is a bug and is refused as well.
"""

from __future__ import annotations

from typing import Any, ClassVar, Generic, TypeVar

from pydantic import BaseModel, ConfigDict, Field

T = TypeVar("T")


class RequestModel(BaseModel):
    """Base of every body a client sends."""

    model_config = ConfigDict(
        frozen=True,
        strict=True,
        extra="forbid",
        str_max_length=10_000,
        use_attribute_docstrings=True,
    )


class QueryModel(BaseModel):
    """Base of query-string parameters: strings are converted (``"20"`` → 20)."""

    model_config = ConfigDict(
        frozen=True,
        extra="forbid",
        str_max_length=500,
        use_attribute_docstrings=True,
    )


class PageQuery(QueryModel):
    """Cursor pagination parameters shared by every list."""

    cursor: str | None = Field(default=None, max_length=512)
    """The ``next_cursor`` of the previous page."""
    limit: int = Field(default=50, ge=1, le=200)
    """Most items on the page."""


class ResponseModel(BaseModel):
    """Base of every body the server sends."""

    model_config = ConfigDict(
        frozen=True,
        extra="forbid",
        use_attribute_docstrings=True,
    )


class Page(ResponseModel, Generic[T]):
    """One page of a list, with an opaque cursor to the next page."""

    items: list[T]
    """The records of this page, in the list's fixed order."""
    next_cursor: str | None = None
    """Pass as ``cursor`` to get the next page; absent on the last page."""


class Problem(ResponseModel):
    """An error, as ``application/problem+json`` (RFC 9457)."""

    type: str = "about:blank"
    """A URI naming the kind of problem; ``about:blank`` unless documented."""
    title: str
    """Short summary of the kind of problem."""
    status: int
    """The HTTP status code."""
    code: str
    """Stable machine-readable code (see docs/errors.md)."""
    detail: str | None = None
    """A safe, human-readable explanation of this occurrence."""
    request_id: str | None = None
    """Quote this id when reporting the problem."""
    errors: list[dict[str, Any]] = Field(default_factory=list)
    """Per-field validation errors: ``{"loc": [...], "msg": ..., "type": ...}``."""
    details: dict[str, Any] | None = None
    """Machine-readable facts about this occurrence (limits, retry delay)."""

    kind: ClassVar[str] = "problem"
