"""Per-user rate limits of realtime commands, shared by every node.

Keyed by room and user id, never by address: behind python-engineio's
aiohttp driver every client looks like 127.0.0.1. Teachers get room to admit
or mute a class at once. The connection rule is a setting
(``RealtimeSettings``), so that a load test can raise it; its default is this.

Chat messages are not limited here: each is limited once, by the moderation
pipeline's rate-limit step (``moderation.checks.rate_limit``), which is the
per-participant and per-room limit with slow mode, shared by every node, and
whose rates are the ``moderation`` settings (``chat_burst``, ``chat_per_s``,
``room_chat_*``). A second, tighter bucket here used to answer before it, with
another code, and counted each message twice.
"""

from __future__ import annotations

from cluster import RateRule

from .settings import RealtimeSettings

CONNECT = RateRule("rt.connect", capacity=10, refill_per_s=0.2)
"""Connections per user: ten at once, then one every five seconds (the default
of ``RealtimeSettings.connect_burst`` and ``connect_per_s``)."""
SESSION = RateRule("rt.session", capacity=10, refill_per_s=0.5)
"""Joining, leaving, snapshots."""
CHAT: RateRule | None = None
"""Chat messages take no token at the dispatcher: the moderation pipeline's
rate-limit step limits them (see above), answering ``message_rejected`` with
``details.reason`` ``rate_limited`` or ``slow_mode``."""
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
        CONNECT.name: RateRule(
            CONNECT.name, capacity=settings.connect_burst, refill_per_s=settings.connect_per_s
        ),
    }
