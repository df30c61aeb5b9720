"""Records nested inside realtime events and acknowledgements.

These describe the live room as a client sees it: participants with their
role and permissions, the lobby, polls, breakout groups, and the snapshot that
brings a client up to date in one message.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from pydantic import Field

from ..api.grants import RoomRole
from ..version import PROTOCOL_VERSION
from .base import WireModel


class LobbyMode(StrEnum):
    """Who waits in the lobby until a teacher admits them."""

    ROSTER = "roster"
    """Only people who are not on the meeting's roster."""
    EVERYONE = "everyone"
    """Everyone except the project's teachers."""


class LobbyReason(StrEnum):
    """Why someone waits in the lobby."""

    NOT_ON_ROSTER = "not_on_roster"
    LOBBY_ON = "lobby_on"
    """The teacher asked everyone to wait (lobby mode ``everyone``)."""
    TEACHER_ABSENT = "teacher_absent"
    """No teacher is present; admitted automatically when one returns."""
    KICKED = "kicked"
    """Removed earlier in this session: a teacher decides whether they return."""


class Permissions(WireModel):
    """What a participant may do now; teachers change it live."""

    may_speak: bool = False
    """Send microphone audio."""
    may_video: bool = False
    """Send camera video."""
    may_screen: bool = False
    """Share a screen."""
    may_draw: bool = False
    """Draw on the shared whiteboard."""
    may_chat: bool = False
    """Write in the room's chat."""


class ParticipantView(WireModel):
    """A participant as every member of the room sees them."""

    participant_id: str
    """Stable for this user in this room, across reconnects."""
    user_id: str
    role: RoomRole
    display_name: str
    """From the school's roster; participants cannot change it."""
    school_id: str | None
    permissions: Permissions
    is_present: bool
    """False while disconnected (their permissions are kept for their return)."""
    group_id: str | None = None
    """The breakout group they are in (or, for a teacher, visiting)."""


class LobbyEntryView(WireModel):
    """Someone waiting to be admitted (seen by teachers only)."""

    user_id: str
    role: RoomRole
    display_name: str
    school_id: str | None
    reason: LobbyReason
    since: datetime


class PollView(WireModel):
    """A poll; counts appear once a teacher shows them (teachers always see them)."""

    poll_id: str
    question: str
    options: list[str]
    multiple: bool
    """Several answers may be chosen."""
    anonymous: bool
    """Voters are never shown, not even to teachers."""
    is_open: bool
    results_visible: bool
    counts: list[int] | None = None
    """Votes per option, in option order; hidden from pupils until shown."""
    voters: list[list[str]] | None = None
    """Participant ids per option; teachers only, and never for anonymous polls."""
    my_choices: list[int] | None = None
    """The caller's own answer, if they voted."""


class GroupView(WireModel):
    """One breakout group."""

    group_id: str
    participant_ids: list[str]


class BreakoutView(WireModel):
    """The breakout groups while they run."""

    groups: list[GroupView]
    ends_at: datetime | None
    """When everyone is called back automatically; None: only by a teacher."""


class RoomSnapshot(WireModel):
    """The whole room as the caller may see it, at sequence number ``seq``.

    Apply the live events whose ``seq`` is greater than this one.
    """

    room_id: str
    session_id: str
    seq: int
    you: str
    """The caller's participant id."""
    is_locked: bool
    lobby_mode: LobbyMode
    teacher_absent: bool
    """The failsafe is on: pupils' chat and drawing are frozen, joiners wait."""
    participants: list[ParticipantView]
    hands: list[str]
    """Participant ids with a raised hand, first raised first."""
    lobby: list[LobbyEntryView] = Field(default_factory=list)
    """Empty for everyone but teachers."""
    polls: list[PollView] = Field(default_factory=list)
    breakout: BreakoutView | None = None


class ReplayedEvent(WireModel):
    """An event the client missed, as it was sent live."""

    event: str
    data: dict[str, Any]


class JoinStatus(StrEnum):
    JOINED = "joined"
    WAITING = "waiting"
    """In the lobby: wait for ``lobby.admitted`` (then join again) or ``lobby.denied``."""


class JoinResult(WireModel):
    """The answer to ``room.join``."""

    status: JoinStatus
    session_id: str
    participant_id: str | None = None
    """Set when joined."""
    lobby_reason: LobbyReason | None = None
    """Set when waiting."""
    replay: list[ReplayedEvent] | None = None
    """When resuming within the replay window: the missed events, in order."""
    snapshot: RoomSnapshot | None = None
    """When joining afresh, or when the missed events are no longer kept."""
    protocol_version: int = PROTOCOL_VERSION
    """The server's protocol version (see ``protocol.version``)."""
