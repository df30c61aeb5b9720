"""From error codes to HTTP statuses, and errors rendered as problem+json.

The domain raises ``CodedError``s and knows nothing of HTTP; this table is the
one place that chooses a status for each code. Bodies follow RFC 9457
(``application/problem+json``) with our stable ``code`` and the request id.
"""

from __future__ import annotations

from http import HTTPStatus
from typing import Any

from aiohttp import web

from protocol import ErrorCode, Problem

PROBLEM_CONTENT_TYPE = "application/problem+json"

STATUS_BY_CODE: dict[ErrorCode, int] = {
    ErrorCode.INVALID_PAYLOAD: 400,
    ErrorCode.PAYLOAD_TOO_LARGE: 413,
    ErrorCode.UNSUPPORTED_MEDIA_TYPE: 415,
    ErrorCode.UNAUTHENTICATED: 401,
    ErrorCode.FORBIDDEN: 403,
    ErrorCode.NOT_FOUND: 404,
    ErrorCode.METHOD_NOT_ALLOWED: 405,
    ErrorCode.CONFLICT: 409,
    ErrorCode.RATE_LIMITED: 429,
    ErrorCode.UNAVAILABLE: 503,
    ErrorCode.INTERNAL: 500,
    ErrorCode.INVALID_CREDENTIALS: 401,
    ErrorCode.TOKEN_INVALID: 401,
    ErrorCode.TOKEN_EXPIRED: 401,
    ErrorCode.TOKEN_REVOKED: 401,
    ErrorCode.ACCOUNT_NOT_ACTIVE: 403,
    ErrorCode.WEAK_PASSWORD: 400,
    ErrorCode.INVALID_TRANSITION: 409,
    ErrorCode.FOUNDING_PAIR_INVALID: 400,
    ErrorCode.NOT_A_CONTACT: 403,
    ErrorCode.PARTNER_NOT_ELIGIBLE: 409,
    ErrorCode.ALREADY_MEMBER: 409,
    ErrorCode.FOUNDER_PROTECTED: 403,
    ErrorCode.SPACE_READ_ONLY: 409,
    ErrorCode.FILE_TYPE_REFUSED: 415,
    ErrorCode.QUOTA_EXCEEDED: 413,
    ErrorCode.IMAGE_TOO_LARGE: 413,
    ErrorCode.CONTACT_SELF: 400,
    ErrorCode.CONTACT_EXISTS: 409,
    ErrorCode.CONTACT_COOLDOWN: 409,
    ErrorCode.UNKNOWN_EVENT: 400,
    ErrorCode.ROOM_CLOSED: 410,
    ErrorCode.ROOM_LOCKED: 423,
    ErrorCode.ROOM_FULL: 409,
    ErrorCode.BANNED: 403,
    ErrorCode.NOT_IN_ROOM: 409,
    ErrorCode.TEACHER_ABSENT: 423,
    ErrorCode.POLL_CLOSED: 409,
    ErrorCode.MESSAGE_REJECTED: 422,
    ErrorCode.MESSAGE_HELD: 202,
    ErrorCode.CHAT_LOCKED: 423,
    ErrorCode.CHAT_MUTED: 403,
    ErrorCode.DIRECT_MESSAGES_OFF: 403,
}


def status_for(code: ErrorCode) -> int:
    """The HTTP status of an error code."""
    return STATUS_BY_CODE[code]


def problem_response(
    code: ErrorCode,
    detail: str | None,
    *,
    request_id: str | None,
    errors: list[dict[str, Any]] | None = None,
    details: dict[str, Any] | None = None,
    status: int | None = None,
) -> web.Response:
    """A problem+json response for an error code."""
    status = status or status_for(code)
    body = Problem(
        title=HTTPStatus(status).phrase,
        status=status,
        code=code.value,
        detail=detail,
        request_id=request_id,
        errors=errors or [],
        details=details or None,
    ).model_dump(mode="json", exclude_none=True)
    response = web.json_response(body, status=status, content_type=PROBLEM_CONTENT_TYPE)
    if code is ErrorCode.RATE_LIMITED and details and "retry_after_s" in details:
        response.headers["Retry-After"] = str(details["retry_after_s"])
    if status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="jumelage"'
    return response
