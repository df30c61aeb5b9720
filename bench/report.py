"""What every benchmark under ``bench/`` reports, and how.

Progress goes to standard error, one timestamped line at a time; the result
is one JSON object on the last line of standard output, in the shape
``/work/shared/BENCHMARKS.md`` asks for. Statistics are plain Python, so a
benchmark needs nothing beyond the project's own dependencies.
"""

from __future__ import annotations

import json
import math
import sys
import time
from collections.abc import Iterable, Sequence
from typing import Any

_STARTED = time.monotonic()


def progress(message: str) -> None:
    """One line on standard error, with the seconds since the benchmark started."""
    print(f"[{time.monotonic() - _STARTED:7.1f}s] {message}", file=sys.stderr, flush=True)


def percentile(values: Iterable[float], q: float) -> float:
    """The ``q``-th percentile (0..100), interpolated linearly between ranks.

    Raises:
        ValueError: No values, or ``q`` outside 0..100.
    """
    ordered = sorted(values)
    if not ordered:
        raise ValueError("percentile of no values")
    if not 0 <= q <= 100:
        raise ValueError(f"percentile {q} is outside 0..100")
    rank = (len(ordered) - 1) * q / 100
    low, high = math.floor(rank), math.ceil(rank)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def median(values: Iterable[float]) -> float:
    """The 50th percentile."""
    return percentile(values, 50)


def spread_pct(values: Sequence[float]) -> float:
    """How far the runs lie apart: (max - min) / median, in percent."""
    middle = median(values)
    return 0.0 if middle == 0 else (max(values) - min(values)) / middle * 100


def rounded(value: float, digits: int = 3) -> float:
    """A figure with ``digits`` significant digits, so the JSON stays readable."""
    if value == 0 or not math.isfinite(value):
        return value
    return round(value, max(0, digits - 1 - math.floor(math.log10(abs(value)))))


def emit(bench: str, figures: dict[str, Any], targets: list[dict[str, Any]]) -> None:
    """Print the result line: the last line of standard output."""
    line = {"bench": bench, "figures": figures, "targets": targets}
    print(json.dumps(line, separators=(", ", ": ")), flush=True)
