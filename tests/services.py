"""Where the tests find PostgreSQL and Redis, and what happens when they are absent.

A test that needs a service skips with a visible reason when the service cannot
be reached, except when ``JUMELAGE_REQUIRE_SERVICES=1`` (set by ``.ci/run``):
then the absence is a failure, so CI can never pass by skipping.
"""

from __future__ import annotations

import os
import socket
from urllib.parse import urlsplit

import pytest

POSTGRES_URL = os.environ.get(
    "JUMELAGE_TEST_POSTGRES_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/test"
)
REDIS_URL = os.environ.get("JUMELAGE_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
SERVICES_REQUIRED = os.environ.get("JUMELAGE_REQUIRE_SERVICES") == "1"


def _reachable(url: str, default_port: int) -> bool:
    parts = urlsplit(url)
    try:
        with socket.create_connection(
            (parts.hostname or "127.0.0.1", parts.port or default_port), timeout=1.0
        ):
            return True
    except OSError:
        return False


def require(name: str, url: str, default_port: int) -> str:
    """Return ``url`` if its service answers; otherwise skip (or fail in CI)."""
    if _reachable(url, default_port):
        return url
    reason = f"{name} is not reachable at {urlsplit(url).netloc}"
    if SERVICES_REQUIRED:
        pytest.fail(f"{reason} and JUMELAGE_REQUIRE_SERVICES=1: start it (see README)")
    pytest.skip(f"{reason}: start it to run this test (see README)")


def require_postgres() -> str:
    """The PostgreSQL URL for tests, or skip/fail."""
    return require("PostgreSQL", POSTGRES_URL, 5432)


def require_redis() -> str:
    """The Redis URL for tests, or skip/fail."""
    return require("Redis", REDIS_URL, 6379)
