"""Roles in a live room and the grants a join token carries."""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, ConfigDict


class RoomRole(StrEnum):
    """A participant's role in a live room."""

    HOST = "host"
    """A teacher hosting the session (one or more per partner school)."""
    CO_TEACHER = "co_teacher"
    """A teacher helping; may moderate."""
    PUPIL = "pupil"
    OBSERVER = "observer"
    """Watches only: an NSO officer, a head teacher, a visiting parent."""


class Grants(BaseModel):
    """What a participant may do in a room; the room may narrow it live."""

    model_config = ConfigDict(
        frozen=True, strict=True, extra="forbid", use_attribute_docstrings=True
    )

    may_publish: bool = False
    """Send microphone and camera."""
    may_screen: bool = False
    """Share a screen."""
    may_draw: bool = False
    """Draw on the shared whiteboard."""
    may_chat: bool = False
    """Write in the room's chat."""
    may_moderate: bool = False
    """Use the teacher controls: lobby, mute, kick, ban, lock, polls, groups."""
