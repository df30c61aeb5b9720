"""The acknowledgement envelope every realtime command is answered with.

``{"ok": true, "data": {...}}`` on success; ``{"ok": false, "error": {"code":
..., "message": ..., "details": {...}}}`` on failure, in which case the command
changed nothing. Clients branch on ``error.code`` (see docs/errors.md), never on
the message.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from .errors import CodedError, ErrorCode


class ErrorBody(BaseModel):
    """Why a command failed."""

    model_config = ConfigDict(frozen=True, extra="forbid", use_attribute_docstrings=True)

    code: ErrorCode
    """Stable machine-readable code."""
    message: str
    """Safe to show; never names another user."""
    details: dict[str, Any] = Field(default_factory=dict)
    """Machine-readable facts (field paths, limits, retry delay, request id)."""


class Ack(BaseModel):
    """The answer to one command."""

    model_config = ConfigDict(frozen=True, extra="forbid", use_attribute_docstrings=True)

    ok: bool
    data: dict[str, Any] | None = None
    """The command's result model, as JSON; absent when it has none."""
    error: ErrorBody | None = None


def ok_ack(data: BaseModel | None = None) -> dict[str, Any]:
    """The wire form of a successful acknowledgement."""
    return {"ok": True, "data": None if data is None else data.model_dump(mode="json")}


def error_ack(error: CodedError) -> dict[str, Any]:
    """The wire form of a failed acknowledgement."""
    body: dict[str, Any] = {"code": error.code.value, "message": error.message}
    if error.details:
        body["details"] = error.details
    return {"ok": False, "error": body}
