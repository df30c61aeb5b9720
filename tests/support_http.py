"""Checks shared by the HTTP tests: problem+json answers, bearer headers, the mail outbox.

``expect_problem`` is the one way an HTTP test asserts an error: the status,
the media type, the stable ``code`` and the request id that ties the body to
the ``X-Request-Id`` header. Tests then check that nothing changed.
"""

from __future__ import annotations

from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

from aiohttp import ClientResponse

PROBLEM_TYPE = "application/problem+json"


def bearer(token: str) -> dict[str, str]:
    """The Authorization header for a token or an API key."""
    return {"Authorization": f"Bearer {token}"}


async def expect_problem(response: ClientResponse, status: int, code: str) -> dict[str, Any]:
    """Assert an RFC 9457 problem with this status and code; return its body."""
    text = await response.text()
    assert response.status == status, f"expected {status} {code}, got {response.status}: {text}"
    assert response.content_type == PROBLEM_TYPE, response.content_type
    body: dict[str, Any] = await response.json(content_type=None)
    assert body["code"] == code, body
    assert body["status"] == status
    assert body["title"]
    assert body["request_id"] == response.headers["X-Request-Id"]
    if status == 401:
        assert response.headers["WWW-Authenticate"].startswith("Bearer")
    return body


async def expect_json(response: ClientResponse, status: int) -> Any:
    """Assert a JSON answer with this status; return its body."""
    text = await response.text()
    assert response.status == status, f"expected {status}, got {response.status}: {text}"
    assert response.content_type == "application/json", response.content_type
    return await response.json()


def outbox(data_dir: Path) -> list[EmailMessage]:
    """The messages the outbox mailer wrote, oldest first."""
    directory = data_dir / "mail-outbox"
    if not directory.exists():
        return []
    files = sorted(directory.glob("*.eml"), key=lambda p: p.stat().st_mtime_ns)
    return [
        message_from_bytes(p.read_bytes(), _class=EmailMessage, policy=policy.default)
        for p in files
    ]


def mail_to(data_dir: Path, address: str) -> list[EmailMessage]:
    """The outbox messages addressed to one address."""
    return [m for m in outbox(data_dir) if m["To"] == address]
