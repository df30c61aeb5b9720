"""Ports for live rooms: shared room state and the room's sequenced event log.

A room's state is a flat map of named fields (``meta``, ``p:<participant>``,
...) holding opaque text; what the text means is the domain's business
(``rooms.state``). Every change is a ``Commit``: optimistic (it names the
version, or the exact field values, it was computed from, and is refused if
they changed), and atomic with the events it appends to the room's log. So the
order of ``seq`` is the order in which the room changed, on every node.

The log keeps the room's latest events for replay to reconnecting clients and
delivers every appended event, in ``seq`` order per room, to the subscribers
of every node (``EventLog.subscribe``), including the node that appended it:
local and remote clients see one order. A kept event can be *redacted*
(``EventLog.redact``): rewritten in place, under the same ``seq``, so that
what a teacher deleted is not replayed while replay stays gap-free.

Implementations: ``cluster.memory_rooms`` (one process) and
``cluster.redis.room_state`` (several nodes). Both are held to
``tests/contract/test_room_state.py`` and ``tests/contract/test_event_log.py``.
This module declares interfaces and value types only: no I/O.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType, TracebackType
from typing import NamedTuple, Protocol

from protocol.ids import RoomId

KEEP_WAKE = -1.0
"""``Commit.wake_at`` value that leaves the room's wake-up time as it is."""
NO_WAKE = 0.0
"""``Commit.wake_at`` value that clears the room's wake-up time."""


class NewEvent(NamedTuple):
    """An event to append to a room's log.

    ``NewEvent``, ``LoggedEvent`` and ``Commit`` are made for every chat message:
    named tuples, immutable as frozen dataclasses, are made without an
    ``object.__setattr__`` call per field.
    """

    audience: str
    """Who may see it: ``all``, ``staff``, ``group:<id>`` or ``user:<id>``."""
    name: str
    """The wire event name."""
    body: str
    """The event as a JSON object, without ``seq`` (the log adds it first)."""
    effects: str = ""
    """JSON list of node-local effects on connections (``""``: none)."""


class LoggedEvent(NamedTuple):
    """An event as the log keeps and delivers it."""

    room_id: RoomId
    seq: int
    audience: str
    name: str
    payload: str
    """The JSON object sent to clients: ``{"seq": <seq>, ...body}``."""
    effects: str = ""


@dataclass(frozen=True, slots=True)
class Redaction:
    """Which kept events of a room to rewrite, and what each becomes.

    An event matches when its name is one of ``names`` and, if ``key`` is
    set, its payload holds the JSON member ``"<key>":"<value>"`` (as compact
    JSON writes it). JSON escapes every quote inside a string, so the member
    cannot be matched inside a text, only as a member of an object; ``names``
    keeps events that merely mention the value elsewhere (a report naming
    the message) apart. Without ``key``, every kept event of those names
    matches (a chat cleared for everyone).
    """

    names: tuple[str, ...]
    """Event names that may match (say ``chat.message_posted``)."""
    name: str
    """The matched event's new name."""
    body: str
    """Its new JSON object without ``seq`` (the log puts the kept ``seq`` first)."""
    key: str | None = None
    value: str = ""

    @property
    def marker(self) -> str:
        """The member to find in a payload, as compact JSON text ("": any payload)."""
        if self.key is None:
            return ""
        return json.dumps({self.key: self.value}, separators=(",", ":"))[1:-1]


@dataclass(frozen=True, slots=True)
class RoomRecord:
    """A room's fields and their version (0 and empty for a room never written)."""

    fields: Mapping[str, str]
    version: int


_NO_FIELDS: Mapping[str, str] = MappingProxyType({})
"""The default of ``Commit``'s mappings: empty, and shared, so read-only."""


class Commit(NamedTuple):
    """One atomic change of a room: guards, field writes, events and wake-up time.

    A commit that writes or deletes fields bumps the room's version by one.
    """

    expect_version: int | None = None
    """Refuse the commit unless the room is still at this version."""
    expect_fields: Mapping[str, str | None] = _NO_FIELDS
    """Refuse the commit unless these fields still hold these values (None: absent)."""
    set_fields: Mapping[str, str] = _NO_FIELDS
    delete_fields: Sequence[str] = ()
    events: Sequence[NewEvent] = ()
    wake_at: float = KEEP_WAKE
    """Wall time at which the room wants ``RoomState.due`` to name it again;
    ``NO_WAKE`` clears it, ``KEEP_WAKE`` leaves it."""

    @property
    def writes(self) -> bool:
        """Whether the commit changes fields (and so the version)."""
        return bool(self.set_fields or self.delete_fields)


class RoomState(Protocol):
    """Every room's fields, shared by every node, changed by atomic commits."""

    async def load(self, room_id: RoomId) -> RoomRecord:
        """Read every field of a room and its version.

        Raises:
            ClusterUnavailable: The shared store could not be reached.
        """
        ...

    async def load_fields(self, room_id: RoomId, names: Sequence[str]) -> list[str | None]:
        """Read some fields (None where absent), without the version.

        Raises:
            ClusterUnavailable: The shared store could not be reached.
        """
        ...

    async def commit(self, room_id: RoomId, commit: Commit) -> list[int] | None:
        """Apply a commit atomically, if its guards hold.

        Returns:
            The ``seq`` of each appended event, in order; ``None`` when a guard
            failed, in which case nothing changed.

        Raises:
            ClusterUnavailable: The shared store could not be reached (the
                commit may or may not have been applied).
        """
        ...

    async def delete(self, room_id: RoomId) -> None:
        """Forget a room: its fields, log, sequence counter and wake-up time.

        Raises:
            ClusterUnavailable: The shared store could not be reached.
        """
        ...

    async def due(self, now: float, limit: int = 100) -> list[RoomId]:
        """Rooms whose wake-up time is at or before ``now``, earliest first.

        A room stays due until a commit moves or clears its wake-up time, so
        every node may see it: the domain's commit decides who acts, once.

        Raises:
            ClusterUnavailable: The shared store could not be reached.
        """
        ...


class FeedSubscription(Protocol):
    """Events appended to any room, delivered in ``seq`` order per room.

    An async context manager and an async iterator, like ``cluster.Subscription``.
    """

    async def __aenter__(self) -> FeedSubscription: ...

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...

    def __aiter__(self) -> FeedSubscription: ...

    async def __anext__(self) -> LoggedEvent:
        """Wait for the next event.

        Raises:
            StopAsyncIteration: The log was closed and the buffer is empty.
        """
        ...

    @property
    def dropped(self) -> int:
        """Events lost because this subscription's buffer was full."""
        ...


class EventLog(Protocol):
    """Each room's latest events, for replay, and the feed of new ones."""

    async def since(self, room_id: RoomId, seq: int) -> list[LoggedEvent] | None:
        """The events after ``seq``, in order.

        Returns:
            The events (empty when ``seq`` is the latest); ``None`` when some
            of them are no longer kept, or ``seq`` is ahead of the log (another
            session's number): the caller needs a full snapshot instead.

        Raises:
            ClusterUnavailable: The shared store could not be reached.
        """
        ...

    async def last_seq(self, room_id: RoomId) -> int:
        """The room's latest ``seq`` (0 if none).

        Raises:
            ClusterUnavailable: The shared store could not be reached.
        """
        ...

    async def redact(self, room_id: RoomId, redaction: Redaction) -> list[int]:
        """Rewrite the room's kept events that match, atomically, each under its ``seq``.

        Only what ``since`` replays changes: the feed is not told (live
        clients get the domain's own event saying what happened), the
        room's ``seq``, version and expiry stay as they are, and an event
        that is no longer kept is not looked for. A rewritten event keeps
        its audience and loses its node-local effects.

        Returns:
            The ``seq`` of each rewritten event, in order (empty: none matched).

        Raises:
            ClusterUnavailable: The shared store could not be reached (the
                redaction may or may not have been applied; it can be repeated).
        """
        ...

    def subscribe(self) -> FeedSubscription:
        """Create a subscription to every room's new events; enter it to start."""
        ...


class NodeLiveness(Protocol):
    """Which server nodes are alive: each beats regularly, silence means dead.

    A node that crashes cannot say goodbye for its sockets; the rooms learn
    from this port that its participants are gone.
    """

    async def beat(self, node_id: str, ttl_s: float) -> None:
        """Declare ``node_id`` alive for the next ``ttl_s`` seconds (of real time).

        Raises:
            ClusterUnavailable: The shared store could not be reached.
        """
        ...

    async def alive(self, node_ids: Sequence[str]) -> set[str]:
        """The nodes among ``node_ids`` whose latest beat has not run out.

        Raises:
            ClusterUnavailable: The shared store could not be reached.
        """
        ...
