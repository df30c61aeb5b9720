"""Opaque cursors for keyset pagination.

A cursor is the sort key of the last row of a page, as URL-safe base64 JSON.
Keyset pagination stays fast on deep pages and never skips or repeats a row
when rows are added between two requests, unlike ``OFFSET``.
"""

from __future__ import annotations

import base64
import binascii
import json
from datetime import datetime
from typing import Any

from protocol.errors import InvalidPayload

MAX_CURSOR_LEN = 512


def encode_cursor(*key: Any) -> str:
    """Encode the sort key of the last row of a page."""
    raw = json.dumps(list(key), separators=(",", ":"), default=str).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str, arity: int, *, kinds: tuple[type, ...] | None = None) -> list[Any]:
    """Decode a cursor made by :func:`encode_cursor`.

    Args:
        kinds: The type of each element; a cursor whose elements have other
            types (forged by a client) is refused here rather than reaching
            the query, where PostgreSQL would fail on it.

    Raises:
        InvalidPayload: The cursor is not one we made.
    """
    if len(cursor) > MAX_CURSOR_LEN:
        raise InvalidPayload("cursor is too long")
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        key = json.loads(base64.urlsafe_b64decode(padded.encode()))
    except (ValueError, binascii.Error) as exc:
        raise InvalidPayload("cursor is not valid; start again without it") from exc
    if not isinstance(key, list) or len(key) != arity:
        raise InvalidPayload("cursor is not valid; start again without it")
    if kinds is not None and any(type(v) is not k for v, k in zip(key, kinds, strict=True)):
        raise InvalidPayload("cursor is not valid; start again without it")
    return key


def cursor_datetime(value: str) -> datetime:
    """A timezone-aware timestamp from a cursor element.

    Raises:
        InvalidPayload: Not an ISO timestamp with a time zone.
    """
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError as exc:
        raise InvalidPayload("cursor is not valid; start again without it") from exc
    if parsed.tzinfo is None:
        raise InvalidPayload("cursor is not valid; start again without it")
    return parsed
