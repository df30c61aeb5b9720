"""Knobs of the realtime transport (Socket.IO over WebSocket).

The server's ``Settings`` embeds this as its ``realtime`` section
(``JUMELAGE_REALTIME__COMPRESSION=true``). Domain knobs of rooms are in
``rooms.RoomSettings``.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class RealtimeSettings:
    """Message limits, heartbeat, compression and the realtime background loops."""

    path: str = "/socket.io/"
    """Where clients connect (the Socket.IO default)."""
    max_message_bytes: int = 64 * 1024
    """Largest message a client may send. python-engineio (>= 4.13.2) passes it
    to aiohttp as the WebSocket limit, so a larger frame is refused from its
    header, before it is read (OWASP suggests 64 KiB or less)."""
    ping_interval_s: int = 10
    """Heartbeat. With ``ping_timeout_s`` it bounds how long a silently vanished
    participant still shows as present: about 20 s, under the 30 s we promise."""
    ping_timeout_s: int = 10
    compression: bool = False
    """permessage-deflate on the WebSocket. Off by default: our messages are
    small JSON, and deflate runs once per recipient (each connection has its
    own compression context), which cost about +28 % server CPU in a fan-out
    test. Turn it on where bandwidth is scarcer than CPU."""
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
        if self.ping_interval_s < 1 or self.ping_timeout_s < 1:
            raise ValueError("realtime.ping_interval_s and ping_timeout_s must be >= 1")
        if self.revalidate_every_s < 10 or self.timer_poll_s <= 0 or self.heartbeat_s <= 0:
            raise ValueError("realtime.revalidate_every_s >= 10, timer_poll_s and heartbeat_s > 0")
