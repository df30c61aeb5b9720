"""Breakout groups: pupils split into groups, with a timer and a call back.

Being in a group gives no control: a group has no moderator of its own, and
the teachers of the room keep every power in every group.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, ClassVar, Literal

from pydantic import BaseModel, Field

from .base import ClientEvent, ServerEvent, WireId, WireModel
from .models import GroupView

MAX_GROUPS = 50
MAX_GROUP_SIZE = 300
MAX_BREAKOUT_S = 4 * 3600


class BreakoutStarted(ServerEvent):
    name: ClassVar[str] = "breakout.started"

    groups: list[GroupView]
    ends_at: datetime | None


class BreakoutsResult(WireModel):
    groups: list[GroupView]


class StartBreakouts(ClientEvent):
    """Split the pupils into groups, by hand or mixed across partner schools."""

    name: ClassVar[str] = "breakout.start"
    result: ClassVar[type[BaseModel] | None] = BreakoutsResult

    mode: Literal["manual", "mixed"]
    groups: (
        Annotated[
            list[Annotated[list[WireId], Field(max_length=MAX_GROUP_SIZE)]],
            Field(min_length=1, max_length=MAX_GROUPS),
        ]
        | None
    ) = None
    """``manual``: the participant ids of each group."""
    group_count: Annotated[int, Field(ge=1, le=MAX_GROUPS)] | None = None
    """``mixed``: how many groups to make."""
    duration_s: Annotated[int, Field(ge=30, le=MAX_BREAKOUT_S)] | None = None
    """Call everyone back after this long; absent: only when a teacher does."""


class EndBreakouts(ClientEvent):
    """Call everyone back to the main room."""

    name: ClassVar[str] = "breakout.end"


class VisitGroup(ClientEvent):
    """(Teachers) join a group's conversation, or come back to the main room."""

    name: ClassVar[str] = "breakout.visit"

    group_id: WireId | None = None
    """The group to visit; absent: back to the main room."""


class BreakoutEnded(ServerEvent):
    name: ClassVar[str] = "breakout.ended"

    reason: Literal["teacher", "timer"]


class GroupVisited(ServerEvent):
    name: ClassVar[str] = "breakout.visited"

    participant_id: str
    group_id: str | None
