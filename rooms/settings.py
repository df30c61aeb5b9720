"""Knobs of live rooms, with defaults for one classroom.

The server's ``Settings`` embeds this dataclass as its ``rooms`` section
(``JUMELAGE_ROOMS__TEACHER_ABSENT_GRACE_S=...``).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class RoomSettings:
    """Failsafe timing, capacity, replay window and retention of live rooms."""

    teacher_absent_grace_s: int = 60
    """How long pupils may stay without a teacher before the failsafe locks the
    room and freezes their chat and drawing (a teacher's reconnect is quicker)."""
    max_participants: int = 300
    """Participants present at once (a large assembly of partner classes)."""
    replay_window_events: int = 500
    """Events kept per room for reconnecting clients; older gaps get a snapshot."""
    empty_close_s: int = 1800
    """A session nobody has been in for this long ends on its own."""
    ended_keep_s: int = 3600
    """An ended session's state is kept this long (late reconnects learn it ended)."""
    state_ttl_s: int = 24 * 3600
    """Safety net: a room's shared state expires after this long without changes."""
    max_polls: int = 50
    """Polls per session."""
    presence_check_s: int = 15
    """How often a room checks that the nodes of its present participants are
    alive; with the nodes' heartbeat, a crashed node's participants show as
    gone within about this plus the heartbeat's time to live."""

    def __post_init__(self) -> None:
        if self.teacher_absent_grace_s < 0:
            raise ValueError("rooms.teacher_absent_grace_s must be >= 0")
        if self.max_participants < 2:
            raise ValueError("rooms.max_participants must be >= 2")
        if self.replay_window_events < 10:
            raise ValueError("rooms.replay_window_events must be >= 10")
        if min(self.empty_close_s, self.ended_keep_s, self.max_polls, self.presence_check_s) < 1:
            raise ValueError("rooms: durations and max_polls must be >= 1")
        if self.state_ttl_s < max(self.empty_close_s, self.ended_keep_s):
            raise ValueError("rooms.state_ttl_s must outlast empty_close_s and ended_keep_s")
