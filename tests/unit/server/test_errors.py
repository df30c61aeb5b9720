"""Every error code has an HTTP status; problems render as RFC 9457 bodies."""

from __future__ import annotations

import json
from http import HTTPStatus

import pytest

from protocol import ErrorCode
from server.errors import PROBLEM_CONTENT_TYPE, STATUS_BY_CODE, problem_response, status_for

UNAUTHENTICATED_CODES = [code for code, status in STATUS_BY_CODE.items() if status == 401]


def test_every_code_has_a_status_and_nothing_else_does():
    assert set(STATUS_BY_CODE) == set(ErrorCode)


# Codes that report an outcome other than failure: the request was taken but
# not carried out yet (a chat message waits for a teacher's approval).
NOT_FAILURES = {ErrorCode.MESSAGE_HELD: 202}


@pytest.mark.parametrize("code", list(ErrorCode))
def test_status_is_an_error_status(code: ErrorCode):
    status = status_for(code)
    assert HTTPStatus(status).phrase
    if code in NOT_FAILURES:
        assert status == NOT_FAILURES[code]
    else:
        assert 400 <= status <= 599


@pytest.mark.parametrize(
    ("code", "status"),
    [
        (ErrorCode.INVALID_PAYLOAD, 400),
        (ErrorCode.WEAK_PASSWORD, 400),
        (ErrorCode.UNAUTHENTICATED, 401),
        (ErrorCode.TOKEN_EXPIRED, 401),
        (ErrorCode.FORBIDDEN, 403),
        (ErrorCode.ACCOUNT_NOT_ACTIVE, 403),
        (ErrorCode.NOT_FOUND, 404),
        (ErrorCode.CONFLICT, 409),
        (ErrorCode.PAYLOAD_TOO_LARGE, 413),
        (ErrorCode.RATE_LIMITED, 429),
        (ErrorCode.INTERNAL, 500),
        (ErrorCode.UNAVAILABLE, 503),
    ],
)
def test_well_known_statuses(code: ErrorCode, status: int):
    assert status_for(code) == status


def body_of(response) -> dict:
    return json.loads(response.body)


@pytest.mark.parametrize("code", list(ErrorCode))
def test_problem_body(code: ErrorCode):
    response = problem_response(code, "what went wrong", request_id="req-1")
    status = STATUS_BY_CODE[code]
    assert response.status == status
    assert response.content_type == PROBLEM_CONTENT_TYPE
    assert body_of(response) == {
        "type": "about:blank",
        "title": HTTPStatus(status).phrase,
        "status": status,
        "code": code.value,
        "detail": "what went wrong",
        "request_id": "req-1",
        "errors": [],
    }


def test_problem_with_field_errors_and_details():
    errors = [{"loc": ["body", "name"], "msg": "field required", "type": "missing"}]
    response = problem_response(
        ErrorCode.INVALID_PAYLOAD, None, request_id=None, errors=errors, details={"max": 3}
    )
    body = body_of(response)
    assert body["errors"] == errors
    assert body["details"] == {"max": 3}
    assert "detail" not in body and "request_id" not in body


def test_status_can_be_chosen_by_the_caller():
    response = problem_response(ErrorCode.NOT_FOUND, None, request_id="r", status=410)
    assert response.status == 410
    assert body_of(response)["title"] == "Gone"
    assert body_of(response)["code"] == "not_found"


def test_rate_limited_says_when_to_retry():
    response = problem_response(
        ErrorCode.RATE_LIMITED, "slow down", request_id="r", details={"retry_after_s": 17}
    )
    assert response.status == 429
    assert response.headers["Retry-After"] == "17"
    assert body_of(response)["details"] == {"retry_after_s": 17}


def test_rate_limited_without_a_delay_has_no_retry_after():
    response = problem_response(ErrorCode.RATE_LIMITED, "slow down", request_id="r")
    assert "Retry-After" not in response.headers


def test_only_rate_limited_carries_retry_after():
    response = problem_response(
        ErrorCode.UNAVAILABLE, None, request_id="r", details={"retry_after_s": 5}
    )
    assert "Retry-After" not in response.headers


@pytest.mark.parametrize("code", UNAUTHENTICATED_CODES)
def test_401_asks_for_a_bearer_token(code: ErrorCode):
    response = problem_response(code, None, request_id="r")
    assert response.headers["WWW-Authenticate"] == 'Bearer realm="jumelage"'


@pytest.mark.parametrize("code", [c for c in ErrorCode if c not in UNAUTHENTICATED_CODES])
def test_other_statuses_do_not_ask_for_credentials(code: ErrorCode):
    assert "WWW-Authenticate" not in problem_response(code, None, request_id="r").headers


def test_the_authentication_codes_are_401():
    assert set(UNAUTHENTICATED_CODES) >= {
        ErrorCode.UNAUTHENTICATED,
        ErrorCode.INVALID_CREDENTIALS,
        ErrorCode.TOKEN_INVALID,
        ErrorCode.TOKEN_EXPIRED,
        ErrorCode.TOKEN_REVOKED,
    }
