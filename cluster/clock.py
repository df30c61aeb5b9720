"""The real clock; tests use ``tests.fakes.clock.FakeClock`` instead."""

from __future__ import annotations

import time


class SystemClock:
    """Implements ``cluster.ports.Clock`` with the operating system's clocks."""

    def now(self) -> float:
        """Return seconds since the epoch (wall time, comparable across nodes)."""
        return time.time()

    def monotonic(self) -> float:
        """Return seconds on a clock that never goes back (this process only)."""
        return time.monotonic()
