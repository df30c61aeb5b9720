"""Reading the injected clock as a UTC datetime."""

from __future__ import annotations

from datetime import UTC, datetime

from cluster.ports import Clock


def utc_now(clock: Clock) -> datetime:
    """The clock's current time as an aware UTC datetime."""
    return datetime.fromtimestamp(clock.now(), UTC)
