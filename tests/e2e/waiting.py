"""Bounded waits of the end-to-end suites, and how long they allow.

The nodes are real processes on a two-core machine shared with other work:
what takes 50 ms on a quiet host may take seconds. The bounds are generous
(they say when something is *wrong*, not how fast it is), except where the
issue sets the figure itself (presence within 30 s, for instance), which the
tests measure apart from these bounds.
"""

from __future__ import annotations

import asyncio
import inspect
import time
from collections.abc import Awaitable, Callable

WAIT_S = 15.0
"""Something the network delivers (an event, a closed socket) arrives within this."""
POLL_S = 0.05

Condition = Callable[[], bool | Awaitable[bool]]


async def eventually(what: str, condition: Condition, timeout_s: float = WAIT_S) -> float:
    """Poll ``condition`` (plain or async) until it holds.

    Returns:
        The seconds it took.

    Raises:
        AssertionError: It did not hold within ``timeout_s``, saying ``what``.
    """
    started = time.monotonic()
    try:
        async with asyncio.timeout(timeout_s):
            while True:
                held = condition()
                if inspect.isawaitable(held):
                    held = await held
                if held:
                    return time.monotonic() - started
                await asyncio.sleep(POLL_S)
    except TimeoutError:
        raise AssertionError(f"{what}: not within {timeout_s:.0f} s") from None


async def holds_for(what: str, condition: Condition, duration_s: float) -> None:
    """Check that ``condition`` holds at every poll for ``duration_s``.

    Raises:
        AssertionError: It failed once, saying ``what``.
    """
    ends = time.monotonic() + duration_s
    while time.monotonic() < ends:
        held = condition()
        if inspect.isawaitable(held):
            held = await held
        assert held, f"{what}: broke after {duration_s - (ends - time.monotonic()):.1f} s"
        await asyncio.sleep(POLL_S * 4)
