"""Per-user rate limits of realtime commands, shared by every node.

Keyed by room and user id, never by address: behind python-engineio's
aiohttp driver every client looks like 127.0.0.1. The chat limit follows
Socket.IO's advice (about 3 messages a second sustained is plenty for a
person); teachers get room to admit or mute a class at once.
"""

from __future__ import annotations

from cluster import RateRule

CONNECT = RateRule("rt.connect", capacity=10, refill_per_s=0.2)
"""Connections per user: ten at once, then one every five seconds."""
SESSION = RateRule("rt.session", capacity=10, refill_per_s=0.5)
"""Joining, leaving, snapshots."""
CHAT = RateRule("rt.chat", capacity=5, refill_per_s=2.0)
"""Chat messages: a burst of five, then two a second."""
HAND = RateRule("rt.hand", capacity=10, refill_per_s=1.0)
VOTE = RateRule("rt.vote", capacity=10, refill_per_s=1.0)
TEACHER = RateRule("rt.teacher", capacity=60, refill_per_s=10.0)
"""Teacher controls (a whole class admitted or muted one by one)."""
