"""Raised hands: an ordered queue, lowered by the pupil or by a teacher."""

from __future__ import annotations

from typing import ClassVar

from .base import ClientEvent, ServerEvent, WireId


class RaiseHand(ClientEvent):
    """Raise your hand (again: nothing changes)."""

    name: ClassVar[str] = "hand.raise"


class LowerHand(ClientEvent):
    """Lower your own hand, or (teachers) someone else's."""

    name: ClassVar[str] = "hand.lower"

    participant_id: WireId | None = None
    """Whose hand; yours when absent."""


class HandRaised(ServerEvent):
    name: ClassVar[str] = "hand.raised"

    participant_id: str
    queue: list[str]
    """Every raised hand, first raised first."""


class HandLowered(ServerEvent):
    name: ClassVar[str] = "hand.lowered"

    participant_id: str
    lowered_by: str
    """The participant who lowered it (the same one, or a teacher)."""
    queue: list[str]
