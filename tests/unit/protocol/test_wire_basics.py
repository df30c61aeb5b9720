"""Error codes, coded errors, ids and the base models every wire body uses."""

from __future__ import annotations

import re
import uuid

import pytest
from pydantic import ValidationError

from protocol import (
    CodedError,
    Conflict,
    ErrorCode,
    Forbidden,
    InvalidPayload,
    NotFound,
    PageQuery,
    RateLimited,
    RequestModel,
    Unauthenticated,
    Unavailable,
    new_id,
)


def test_codes_are_unique_snake_case():
    values = [code.value for code in ErrorCode]
    assert len(values) == len(set(values))
    for value in values:
        assert re.fullmatch(r"[a-z][a-z0-9_]*", value), value


@pytest.mark.parametrize(
    ("error_class", "code"),
    [
        (CodedError, ErrorCode.INTERNAL),
        (InvalidPayload, ErrorCode.INVALID_PAYLOAD),
        (NotFound, ErrorCode.NOT_FOUND),
        (Forbidden, ErrorCode.FORBIDDEN),
        (Unauthenticated, ErrorCode.UNAUTHENTICATED),
        (Conflict, ErrorCode.CONFLICT),
        (RateLimited, ErrorCode.RATE_LIMITED),
        (Unavailable, ErrorCode.UNAVAILABLE),
    ],
)
def test_each_error_carries_its_code(error_class: type[CodedError], code: ErrorCode):
    error = error_class("safe message")
    assert error.code is code
    assert error.message == "safe message" == str(error)
    assert error.details == {}
    assert repr(error) == f"{error_class.__name__}(code={code.value!r}, message='safe message')"


def test_details_are_kept_and_not_shared():
    first = InvalidPayload("bad", details={"field": "name"})
    second, third = InvalidPayload("bad"), InvalidPayload("bad")
    assert first.details == {"field": "name"}
    second.details["x"] = 1
    assert third.details == {}


def test_new_ids_are_random_uuid4():
    ids = {new_id() for _ in range(100)}
    assert len(ids) == 100
    for value in ids:
        parsed = uuid.UUID(value)
        assert parsed.version == 4
        assert parsed.variant == uuid.RFC_4122
        assert str(parsed) == value


class Sample(RequestModel):
    count: int
    name: str


def test_requests_are_strict_closed_and_frozen():
    sample = Sample(count=1, name="x")
    with pytest.raises(ValidationError):
        Sample.model_validate({"count": "1", "name": "x"})
    with pytest.raises(ValidationError):
        Sample.model_validate({"count": 1, "name": "x", "admin": True})
    with pytest.raises(ValidationError):
        sample.count = 2  # type: ignore[misc]
    with pytest.raises(ValidationError):
        Sample(count=1, name="x" * 10_001)


def test_queries_convert_strings_within_bounds():
    assert PageQuery.model_validate({"limit": "20"}).limit == 20
    assert PageQuery().limit == 50 and PageQuery().cursor is None
    for bad in ({"limit": "0"}, {"limit": "201"}, {"cursor": "x" * 513}, {"page": "2"}):
        with pytest.raises(ValidationError):
            PageQuery.model_validate(bad)
