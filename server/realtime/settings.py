"""Knobs of the realtime transport (Socket.IO over WebSocket).

The server's ``Settings`` embeds this as its ``realtime`` section
(``JUMELAGE_REALTIME__COMPRESSION=true``). Domain knobs of rooms are in
``rooms.RoomSettings``.
"""

from __future__ import annotations

import importlib.util
from dataclasses import dataclass
from typing import Literal


@dataclass(frozen=True)
class RealtimeSettings:
    """Message limits, heartbeat, compression, the connection limit and the background loops.

    Chat has no limit here: the moderation settings' rates are the only chat
    limit (``server.realtime.limits``).
    """

    path: str = "/socket.io/"
    """Where clients connect (the Socket.IO default)."""
    max_message_bytes: int = 64 * 1024
    """Largest message a client may send. python-engineio (>= 4.13.2) passes it
    to aiohttp as the WebSocket limit, so a larger frame is refused from its
    header, before it is read (OWASP suggests 64 KiB or less)."""
    ping_interval_s: int = 10
    """Heartbeat. With ``ping_timeout_s`` it bounds how long a silently vanished
    participant still shows as present: at most ``ping_interval_s + 2 *
    ping_timeout_s`` (20 s), under the 30 s we promise."""
    ping_timeout_s: int = 5
    """How long a ping may go unanswered. python-engineio looks at each socket
    once per ``ping_timeout_s``, so a silent socket is dropped between one and
    two timeouts after its unanswered ping (10 s here gave up to 30 s in the
    end-to-end test, tests/e2e/test_silent_client.py)."""
    compression: bool = False
    """permessage-deflate on the WebSocket. Off by default: our messages are
    small JSON, and deflate runs once per recipient (each connection has its
    own compression context), which cost about +28 % server CPU in a fan-out
    test. Turn it on where bandwidth is scarcer than CPU."""
    max_buffered_bytes: int = 1024 * 1024
    """Unsent bytes one socket may hold (a client that does not read); past
    this it is closed and its client catches up when it reconnects."""
    max_queued_messages: int = 500
    """Messages one socket may have waiting in its queue, likewise."""
    connect_burst: int = 10
    """Connections one user may open at once..."""
    connect_per_s: float = 0.2
    """...then this many a second (one every five seconds)."""
    event_loop: Literal["asyncio", "uvloop"] = "asyncio"
    """The event loop ``jumelage serve`` runs on. ``uvloop`` (the ``uvloop``
    extra: ``pip install 'jumelage[uvloop]'``) runs the same code with less
    CPU per event; see bench/README.md (chat_fanout) for the figures."""
    revalidate_every_s: int = 300
    """A connection's account is checked again (token epoch) at least this often,
    and before every teacher command."""
    timer_poll_s: float = 1.0
    """How often this node looks for rooms whose timers are due."""
    heartbeat_s: float = 5.0
    """How often this node says it is alive; silent for three beats, it is taken
    for dead and its participants are shown as gone."""

    def __post_init__(self) -> None:
        if not self.path.startswith("/") or not self.path.endswith("/"):
            raise ValueError("realtime.path must start and end with '/'")
        if not 1024 <= self.max_message_bytes <= 1024 * 1024:
            raise ValueError("realtime.max_message_bytes must be within 1 KiB .. 1 MiB")
        if self.max_buffered_bytes < 64 * 1024 or self.max_queued_messages < 10:
            raise ValueError(
                "realtime.max_buffered_bytes must be >= 64 KiB, max_queued_messages >= 10"
            )
        if self.connect_burst < 1 or self.connect_per_s <= 0:
            raise ValueError("realtime connect limits must be >= 1 (burst) and > 0 (per_s)")
        if self.event_loop == "uvloop" and importlib.util.find_spec("uvloop") is None:
            raise ValueError("realtime.event_loop is uvloop, which is not installed")
        if self.ping_interval_s < 1 or self.ping_timeout_s < 1:
            raise ValueError("realtime.ping_interval_s and ping_timeout_s must be >= 1")
        if self.revalidate_every_s < 10 or self.timer_poll_s <= 0 or self.heartbeat_s <= 0:
            raise ValueError("realtime.revalidate_every_s >= 10, timer_poll_s and heartbeat_s > 0")
