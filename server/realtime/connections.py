"""This node's realtime connections: who is behind each socket, and where.

A ``Connection`` is created when a socket is authenticated and admitted, and
forgotten when it closes. It caches what the transport needs at once (the
room, the participant once joined, whether they are a teacher, their group)
so that it can route events; the domain never trusts this cache, it reads
the room's state on every command.

Broadcast groups (``channels``) are this node's routing only; the room's
roster is the shared room state, never these groups.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TypeVar

from protocol.api.accounts import AccountKind
from protocol.ids import ParticipantId, RoomId, UserId
from rooms import JoinTicket, RoomActor

from .channels import Outbox

K = TypeVar("K")


def room_channel(room_id: str) -> str:
    """Everyone joined to the room."""
    return f"r:{room_id}"


def staff_channel(room_id: str) -> str:
    """The room's teachers."""
    return f"r:{room_id}:staff"


def group_channel(room_id: str, group_id: str) -> str:
    """One breakout group (and the teachers visiting it)."""
    return f"r:{room_id}:g:{group_id}"


def user_channel(room_id: str, user_id: str) -> str:
    """One user's connections to the room (joined or waiting in the lobby)."""
    return f"r:{room_id}:u:{user_id}"


def channel_for(room_id: str, audience: str) -> str:
    """The broadcast group of an event's audience."""
    if audience == "all":
        return room_channel(room_id)
    if audience == "staff":
        return staff_channel(room_id)
    kind, _, target = audience.partition(":")
    if kind == "group":
        return group_channel(room_id, target)
    return user_channel(room_id, target)


@dataclass
class Connection:
    """One authenticated socket."""

    sid: str
    outbox: Outbox
    """Where this socket's events are written (its Engine.IO socket's queue)."""
    conn_id: str
    """Our id of the connection, known to the room state (Socket.IO's sid is not)."""
    ticket: JoinTicket
    kind: AccountKind
    """The account's kind (rooms check it again at every join)."""
    epoch: int
    """The account's token epoch when the token was checked."""
    checked_at: float
    """Monotonic time of the latest account check."""
    admitted_at: float = 0.0
    """Monotonic time the ticket (membership, role, ban) was last checked."""
    participant_id: ParticipantId | None = None
    is_staff: bool = False
    group_id: str | None = None
    channels: set[str] = field(default_factory=set)
    """The broadcast groups this socket is in."""
    closing: bool = False
    """Evicted or leaving: out of every group, closed as soon as it is idle."""
    rejoin: bool = False
    """Evicted so that its client comes back and resumes: the socket is let go
    like a lost connection, not closed for good (``Realtime.evict``)."""
    busy: bool = False
    """A command of this socket is running (its answer is still to be sent)."""
    _actor: RoomActor | None = field(default=None, init=False, repr=False, compare=False)
    """``actor``, built once per participant (every command asks for it)."""

    @property
    def room_id(self) -> RoomId:
        return self.ticket.room_id

    @property
    def user_id(self) -> UserId:
        return self.ticket.user_id

    @property
    def actor(self) -> RoomActor:
        """The participant behind this socket; only once joined."""
        participant_id = self.participant_id
        assert participant_id is not None, "not joined"
        actor, ticket = self._actor, self.ticket
        if (
            actor is None
            or actor.participant_id != participant_id
            or actor.room_id != ticket.room_id
            or actor.user_id != ticket.user_id
        ):
            actor = self._actor = RoomActor(
                room_id=ticket.room_id,
                user_id=ticket.user_id,
                participant_id=participant_id,
                conn_id=self.conn_id,
            )
        return actor


class ConnectionRegistry:
    """Every connection of this node, by socket, room, user and connection id."""

    def __init__(self) -> None:
        self._by_sid: dict[str, Connection] = {}
        self._by_conn: dict[str, Connection] = {}
        self._by_room: dict[RoomId, dict[str, Connection]] = {}
        self._by_user: dict[UserId, dict[str, Connection]] = {}

    def __len__(self) -> int:
        return len(self._by_sid)

    def add(self, connection: Connection) -> None:
        self._by_sid[connection.sid] = connection
        self._by_conn[connection.conn_id] = connection
        self._by_room.setdefault(connection.room_id, {})[connection.sid] = connection
        self._by_user.setdefault(connection.user_id, {})[connection.sid] = connection

    def remove(self, sid: str) -> Connection | None:
        connection = self._by_sid.pop(sid, None)
        if connection is None:
            return None
        self._by_conn.pop(connection.conn_id, None)
        _discard(self._by_room, connection.room_id, sid)
        _discard(self._by_user, connection.user_id, sid)
        return connection

    def get(self, sid: str) -> Connection | None:
        return self._by_sid.get(sid)

    def by_conn_id(self, conn_id: str) -> Connection | None:
        return self._by_conn.get(conn_id)

    def in_room(self, room_id: RoomId) -> list[Connection]:
        return list(self._by_room.get(room_id, {}).values())

    def of_user(self, user_id: UserId) -> list[Connection]:
        return list(self._by_user.get(user_id, {}).values())

    def all(self) -> Iterator[Connection]:
        return iter(list(self._by_sid.values()))


def _discard(index: dict[K, dict[str, Connection]], key: K, sid: str) -> None:
    members = index.get(key)
    if members is not None:
        members.pop(sid, None)
        if not members:
            del index[key]
