"""The live room as the domain holds it: frozen records, changed by replacement.

These records live in the shared room state (``rooms.state`` encodes them);
they are plain data, never wire models. Time is wall-clock seconds from the
injected ``Clock`` (comparable across nodes).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from protocol.api.grants import RoomRole
from protocol.events.models import LobbyMode, LobbyReason
from protocol.ids import ParticipantId, SchoolId, UserId

from .ports import MemberRole

STAFF_ROLES = frozenset({RoomRole.HOST, RoomRole.CO_TEACHER})
"""The room's teachers: the only roles with teacher controls."""


@dataclass(frozen=True, slots=True)
class Perms:
    """A participant's live permissions."""

    speak: bool = False
    video: bool = False
    screen: bool = False
    draw: bool = False
    chat: bool = False


@dataclass(frozen=True, slots=True)
class Breakout:
    """Running breakout groups."""

    groups: tuple[tuple[str, tuple[ParticipantId, ...]], ...]
    """(group id, participant ids) in display order."""
    ends_at: float | None

    def group_ids(self) -> tuple[str, ...]:
        return tuple(group_id for group_id, _ in self.groups)


@dataclass(frozen=True, slots=True)
class Meta:
    """A session's settings and flags."""

    session_id: str
    project_id: str
    series_id: str
    started_at: float
    is_ended: bool = False
    ended_at: float | None = None
    is_locked: bool = False
    lobby_mode: LobbyMode = LobbyMode.ROSTER
    speak_default: bool = True
    """Whether pupils and observers who join may speak (``room.mute_all`` clears it)."""
    chat_default: bool = True
    teacher_absent: bool = False
    """The failsafe is on."""
    absent_since: float | None = None
    """When the last teacher left (the failsafe switches on after the grace time)."""
    empty_since: float | None = None
    """When the last participant left (the session ends after ``empty_close_s``)."""
    hand_counter: int = 0
    poll_count: int = 0
    breakout: Breakout | None = None
    presence_check_at: float | None = None
    """When to check next that present participants' nodes are alive."""


@dataclass(frozen=True, slots=True)
class Participant:
    """Someone who joined this session; kept while they are away."""

    participant_id: ParticipantId
    user_id: UserId
    role: RoomRole
    member_role: MemberRole
    school_id: SchoolId | None
    display_name: str
    perms: Perms
    is_present: bool
    conn_id: str | None
    """The connection they are present on (a newer one replaces it)."""
    joined_at: float
    hand: int | None = None
    """Order of their raised hand (smaller: raised earlier); None when down."""
    group_id: str | None = None
    node_id: str | None = None
    """The server node holding their connection (if it dies, they are gone)."""

    @property
    def is_staff(self) -> bool:
        """Host or co-teacher."""
        return self.role in STAFF_ROLES


@dataclass(frozen=True, slots=True)
class LobbyEntry:
    """Someone waiting in the lobby."""

    user_id: UserId
    role: RoomRole
    member_role: MemberRole
    school_id: SchoolId | None
    display_name: str
    reason: LobbyReason
    since: float
    conn_id: str | None
    is_admitted: bool = False
    """A teacher let them in: their next join succeeds."""


@dataclass(frozen=True, slots=True)
class Poll:
    poll_id: str
    question: str
    options: tuple[str, ...]
    is_multiple: bool
    is_anonymous: bool
    is_open: bool
    results_visible: bool
    created_at: float


Audience = str
"""``all``, ``staff``, ``group:<id>`` or ``user:<id>``."""
ALL: Audience = "all"
STAFF: Audience = "staff"


def group_audience(group_id: str) -> Audience:
    return f"group:{group_id}"


def user_audience(user_id: str) -> Audience:
    return f"user:{user_id}"


LeaveReason = Literal["left", "disconnected", "replaced", "kicked", "banned", "ended"]
