"""Capped exponential backoff with jitter, as a pure function of the attempt.

Used by listeners that reconnect on their own. Jitter spreads the reconnects of
many nodes after a shared outage so that they do not stampede the server.
"""

from __future__ import annotations

from dataclasses import dataclass

_MAX_EXPONENT = 64


@dataclass(frozen=True)
class Backoff:
    """Delays of ``initial_s``, doubling, capped at ``max_s``, each jittered.

    Raises:
        ValueError: A non-positive delay, ``max_s`` below ``initial_s``, or a
            multiplier below 1.
    """

    initial_s: float = 0.1
    """Delay before the first retry (before jitter)."""
    max_s: float = 5.0
    """Longest delay (before jitter)."""
    multiplier: float = 2.0
    """Growth factor between consecutive attempts."""

    def __post_init__(self) -> None:
        if self.initial_s <= 0 or self.max_s < self.initial_s or self.multiplier < 1:
            raise ValueError("backoff needs 0 < initial_s <= max_s and multiplier >= 1")

    def delay_s(self, attempt: int, jitter: float) -> float:
        """Return the delay before retry number ``attempt``.

        Args:
            attempt: 1 for the first retry after a failure, 2 for the next...
            jitter: A random number in ``[0, 1)``; the delay is drawn from the
                upper half of the nominal delay ("equal jitter"), so it never
                collapses to zero.

        Returns:
            Seconds to wait, within ``[nominal / 2, nominal]``.
        """
        exponent = min(max(attempt, 1) - 1, _MAX_EXPONENT)
        nominal = min(self.max_s, self.initial_s * self.multiplier**exponent)
        return nominal / 2 + nominal / 2 * jitter
