"""Reconnect delays."""

from __future__ import annotations

import pytest

from cluster.backoff import Backoff

BACKOFF = Backoff(initial_s=0.1, max_s=5.0)


@pytest.mark.parametrize(
    ("attempt", "nominal"),
    [(1, 0.1), (2, 0.2), (3, 0.4), (6, 3.2), (7, 5.0), (50, 5.0), (10_000, 5.0)],
)
def test_delay_doubles_up_to_the_cap(attempt: int, nominal: float) -> None:
    assert BACKOFF.delay_s(attempt, jitter=0.0) == pytest.approx(nominal / 2)
    assert BACKOFF.delay_s(attempt, jitter=0.999999) == pytest.approx(nominal)


def test_jitter_stays_within_the_upper_half() -> None:
    delays = [BACKOFF.delay_s(3, jitter=j / 10) for j in range(10)]
    assert all(0.2 <= d <= 0.4 for d in delays)
    assert delays == sorted(delays)


@pytest.mark.parametrize(
    "kwargs",
    [{"initial_s": 0.0}, {"initial_s": 1.0, "max_s": 0.5}, {"multiplier": 0.5}],
)
def test_invalid_settings_are_refused(kwargs: dict[str, float]) -> None:
    with pytest.raises(ValueError):
        Backoff(**kwargs)
