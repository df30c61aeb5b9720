"""Opaque cursors for keyset pagination.

A cursor is the sort key of the last row of a page, as URL-safe base64 JSON.
Keyset pagination stays fast on deep pages and never skips or repeats a row
when rows are added between two requests, unlike ``OFFSET``.
"""

from __future__ import annotations

import base64
import binascii
import json
from typing import Any

from protocol.errors import InvalidPayload

MAX_CURSOR_LEN = 512


def encode_cursor(*key: Any) -> str:
    """Encode the sort key of the last row of a page."""
    raw = json.dumps(list(key), separators=(",", ":"), default=str).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str, arity: int) -> list[Any]:
    """Decode a cursor made by :func:`encode_cursor`.

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
    return key
