"""Moderation settings: the server-wide knobs, with defaults for school chat.

Per-room choices (pre-moderation, slow mode, languages) are in
``moderation.policy.RoomPolicy``; these are the limits every room shares.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from cluster import RateRule

__all__ = ["MAX_MESSAGE_CHARS", "ModerationSettings"]

MAX_MESSAGE_CHARS = 2000
"""Longest text the pipeline accepts (the chat protocol's ``MAX_CHAT_LEN``)."""


@dataclass(frozen=True, slots=True)
class ModerationSettings:
    """Limits shared by every room."""

    participant_rate: RateRule = field(
        default_factory=lambda: RateRule("chat.participant", capacity=8, refill_per_s=0.5)
    )
    """Per participant and room: a burst of 8, then one message every 2 s.

    Matrix's default is a burst of 10 and 0.2 messages/s per account; a lesson
    chat needs short bursts of answers more than a steady rate.
    """
    room_rate: RateRule = field(
        default_factory=lambda: RateRule("chat.room", capacity=120, refill_per_s=10.0)
    )
    """Per room, all pupils together: protects the fan-out from a flood."""
    max_message_chars: int = MAX_MESSAGE_CHARS
