"""Joining a room, and the teacher controls over the room and its participants.

Commands that change other people (mute, kick, ban, permissions, role, lock,
end) are teachers' only: the server checks the caller's current role in the
room, never what the client claims.
"""

from __future__ import annotations

from typing import Annotated, ClassVar, Literal

from pydantic import BaseModel, Field

from ..api.grants import RoomRole
from .base import ClientEvent, ClientRecord, ServerEvent, WireId, wire_enum
from .models import JoinResult, LobbyMode, ParticipantView, Permissions, RoomSnapshot

# -- commands ----------------------------------------------------------------


class ResumePoint(ClientRecord):
    """Where a reconnecting client stopped: its session and last sequence number."""

    session_id: WireId
    seq: Annotated[int, Field(ge=0)]
    """The highest ``seq`` the client has applied (0 if none)."""


class JoinRoom(ClientEvent):
    """Join the room named by the connection's join token (or wait in its lobby)."""

    name: ClassVar[str] = "room.join"
    result: ClassVar[type[BaseModel] | None] = JoinResult

    resume: ResumePoint | None = None
    """Set when reconnecting, to receive the missed events instead of a snapshot."""


class LeaveRoom(ClientEvent):
    """Leave the room; the connection is closed afterwards."""

    name: ClassVar[str] = "room.leave"


class SyncRoom(ClientEvent):
    """Ask for a fresh snapshot of the room."""

    name: ClassVar[str] = "room.sync"
    result: ClassVar[type[BaseModel] | None] = RoomSnapshot


class LockRoom(ClientEvent):
    """Lock or unlock the room: while locked, nobody new may join."""

    name: ClassVar[str] = "room.lock"

    locked: bool


class EndRoom(ClientEvent):
    """End the session for everyone."""

    name: ClassVar[str] = "room.end"


class SetLobbyMode(ClientEvent):
    """Choose who waits in the lobby."""

    name: ClassVar[str] = "room.set_lobby"

    mode: Annotated[LobbyMode, wire_enum(LobbyMode)]
    """``roster`` or ``everyone``."""


class MuteAll(ClientEvent):
    """Mute every pupil and observer (and those who join later, until unmuted)."""

    name: ClassVar[str] = "room.mute_all"

    include_chat: bool = False
    """Also take away their chat."""


class MuteParticipant(ClientEvent):
    """Mute one participant; only a teacher can give the microphone back."""

    name: ClassVar[str] = "participant.mute"

    participant_id: WireId


class SetPermissions(ClientEvent):
    """Change some of a participant's permissions (within what their role allows)."""

    name: ClassVar[str] = "participant.set_permissions"

    participant_id: WireId
    may_speak: bool | None = None
    may_video: bool | None = None
    may_screen: bool | None = None
    may_draw: bool | None = None
    may_chat: bool | None = None


class SetRole(ClientEvent):
    """Change a participant's role (hosts only; a pupil is always a pupil)."""

    name: ClassVar[str] = "participant.set_role"

    participant_id: WireId
    role: Annotated[RoomRole, wire_enum(RoomRole)]
    """The new role, as its text."""


class KickParticipant(ClientEvent):
    """Remove a participant from this session; they may only return through the lobby."""

    name: ClassVar[str] = "participant.kick"

    participant_id: WireId


class BanParticipant(ClientEvent):
    """Remove a participant and keep them out of this room until the ban is lifted."""

    name: ClassVar[str] = "participant.ban"

    participant_id: WireId


class LiftBan(ClientEvent):
    """Let a banned user join this room again."""

    name: ClassVar[str] = "ban.lift"

    user_id: WireId


# -- events ------------------------------------------------------------------


class ParticipantJoined(ServerEvent):
    """Someone joined (or came back)."""

    name: ClassVar[str] = "participant.joined"

    participant: ParticipantView


class ParticipantLeft(ServerEvent):
    """Someone left or lost their connection; their record stays for their return."""

    name: ClassVar[str] = "participant.left"

    participant_id: str
    reason: Literal["left", "disconnected", "replaced"]


class ParticipantRemoved(ServerEvent):
    """A teacher removed someone; the removed participant receives it last."""

    name: ClassVar[str] = "participant.removed"

    participant_id: str
    reason: Literal["kicked", "banned"]


class PermissionsChanged(ServerEvent):
    """A participant's permissions changed."""

    name: ClassVar[str] = "participant.permissions_changed"

    participant_id: str
    permissions: Permissions
    reason: Literal["changed", "muted", "role"]


class RoleChanged(ServerEvent):
    """A participant's role changed (with the permissions that come with it)."""

    name: ClassVar[str] = "participant.role_changed"

    participant_id: str
    role: RoomRole
    permissions: Permissions


class LockChanged(ServerEvent):
    """The room was locked or unlocked by a teacher."""

    name: ClassVar[str] = "room.lock_changed"

    is_locked: bool


class LobbyModeChanged(ServerEvent):
    name: ClassVar[str] = "room.lobby_mode_changed"

    mode: LobbyMode


class AllMuted(ServerEvent):
    """Every pupil and observer was muted (see the permission events that follow)."""

    name: ClassVar[str] = "room.all_muted"

    include_chat: bool


class TeacherAbsentChanged(ServerEvent):
    """The failsafe switched: with no teacher present, pupils' chat and drawing
    freeze and joiners wait; it switches off when a teacher returns."""

    name: ClassVar[str] = "room.teacher_absent_changed"

    teacher_absent: bool


class RoomEnded(ServerEvent):
    """The session is over for everyone; connections close after this event."""

    name: ClassVar[str] = "room.ended"

    reason: Literal["ended_by_teacher", "empty"]
    """``empty``: nobody had been in the room for a long time."""


class BanLifted(ServerEvent):
    """A ban was lifted (teachers only)."""

    name: ClassVar[str] = "ban.lifted"

    user_id: str
