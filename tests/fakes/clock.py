"""A clock that moves only when a test says so."""

from __future__ import annotations


class FakeClock:
    """Implements ``cluster.ports.Clock``; starts at a fixed wall time."""

    def __init__(self, start: float = 1_800_000_000.0) -> None:
        self._now = start
        self._mono = 1000.0

    def now(self) -> float:
        """Seconds since the epoch."""
        return self._now

    def monotonic(self) -> float:
        """Seconds on a clock that never goes back."""
        return self._mono

    def advance(self, seconds: float) -> None:
        """Move both clocks forward."""
        self._now += seconds
        self._mono += seconds
