"""Opaque keyset cursors: what we encode decodes; anything else is refused."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime

import pytest

from protocol import ErrorCode, InvalidPayload
from storage.pagination import MAX_CURSOR_LEN, decode_cursor, encode_cursor


@pytest.mark.parametrize(
    "key",
    [
        ("Collège Jean Moulin", "0b6f7c3e-2d1a-4c5e-9f8a-1a2b3c4d5e6f"),
        (42,),
        ("6B", "Brave Otter", "id-1"),
        ("", None),
        ('quotes " and \\ and / and =', "日本語"),
    ],
)
def test_round_trip(key):
    cursor = encode_cursor(*key)
    assert decode_cursor(cursor, len(key)) == list(key)
    # URL-safe and unpadded: it can go into a query string as it is.
    assert set(cursor) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")


def test_datetimes_encode_as_iso_text():
    at = datetime(2026, 11, 29, 8, 30, tzinfo=UTC)
    (decoded,) = decode_cursor(encode_cursor(at.isoformat()), 1)
    assert datetime.fromisoformat(decoded) == at


def raw_cursor(value: object) -> str:
    return base64.urlsafe_b64encode(json.dumps(value).encode()).decode().rstrip("=")


@pytest.mark.parametrize(
    ("cursor", "arity"),
    [
        ("", 1),
        ("!!!!", 1),
        ("not base64 at all", 2),
        ("a", 1),
        (base64.urlsafe_b64encode(b"\xff\xfe\x00").decode(), 1),
        (raw_cursor({"name": "x"}), 1),
        (raw_cursor("just a string"), 1),
        (raw_cursor(7), 1),
        (raw_cursor(None), 1),
        # wrong arity, both ways
        (encode_cursor("a", "b"), 1),
        (encode_cursor("a", "b"), 3),
        (encode_cursor(), 1),
        # too long, although well formed
        (encode_cursor("x" * MAX_CURSOR_LEN), 1),
        ("A" * (MAX_CURSOR_LEN + 1), 1),
    ],
)
def test_refused_cursors(cursor: str, arity: int):
    with pytest.raises(InvalidPayload) as caught:
        decode_cursor(cursor, arity)
    assert caught.value.code is ErrorCode.INVALID_PAYLOAD


def test_the_longest_cursor_is_accepted():
    cursor = encode_cursor("x" * 300)
    assert len(cursor) <= MAX_CURSOR_LEN
    assert decode_cursor(cursor, 1) == ["x" * 300]
