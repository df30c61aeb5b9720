"""The event loop the server runs on: asyncio's own, or uvloop (an optional extra).

uvloop implements the same ``asyncio`` loop interface in C (libuv): tasks,
futures, timers and socket transports cost less, which is most of what a
realtime node does per event. Nothing else changes with it.
"""

from __future__ import annotations

import asyncio
import importlib

from .settings import RealtimeSettings


def new_event_loop(settings: RealtimeSettings) -> asyncio.AbstractEventLoop:
    """A new event loop of the configured kind.

    Raises:
        ImportError: uvloop is configured but not installed (the settings
            check this first).
    """
    if settings.event_loop == "uvloop":
        uvloop = importlib.import_module("uvloop")
        loop: asyncio.AbstractEventLoop = uvloop.new_event_loop()
        return loop
    return asyncio.new_event_loop()
