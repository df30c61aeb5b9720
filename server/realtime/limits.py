"""Per-user rate limits of realtime commands, shared by every node.

Keyed by room and user id, never by address: behind python-engineio's
aiohttp driver every client looks like 127.0.0.1. The chat limit follows
Socket.IO's advice (about 3 messages a second sustained is plenty for a
person); teachers get room to admit or mute a class at once. The chat and
connection rules are settings (``RealtimeSettings``), so that a load test can
raise them; their defaults are these.
"""

from __future__ import annotations

from cluster import RateRule

from .settings import RealtimeSettings

CONNECT = RateRule("rt.connect", capacity=10, refill_per_s=0.2)
"""Connections per user: ten at once, then one every five seconds (the default
of ``RealtimeSettings.connect_burst`` and ``connect_per_s``)."""
SESSION = RateRule("rt.session", capacity=10, refill_per_s=0.5)
"""Joining, leaving, snapshots."""
CHAT = RateRule("rt.chat", capacity=5, refill_per_s=2.0)
"""Chat messages: a burst of five, then two a second (the default of
``RealtimeSettings.chat_burst`` and ``chat_per_s``)."""
HAND = RateRule("rt.hand", capacity=10, refill_per_s=1.0)
VOTE = RateRule("rt.vote", capacity=10, refill_per_s=1.0)
TEACHER = RateRule("rt.teacher", capacity=60, refill_per_s=10.0)
"""Teacher controls (a whole class admitted or muted one by one)."""


def configured(settings: RealtimeSettings) -> dict[str, RateRule]:
    """The rules whose figures are settings, by name, as configured.

    Commands declare the rules above; the dispatcher and the gateway use
    these instead where the names match.
    """
    return {
        CHAT.name: RateRule(
            CHAT.name, capacity=settings.chat_burst, refill_per_s=settings.chat_per_s
        ),
        CONNECT.name: RateRule(
            CONNECT.name, capacity=settings.connect_burst, refill_per_s=settings.connect_per_s
        ),
    }
