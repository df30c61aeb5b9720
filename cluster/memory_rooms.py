"""``InMemoryRooms``: room state and event log for one process.

Production code for the single-node mode. Every method runs without awaiting
anything, so a commit (guards, writes, sequence numbers, delivery to the
feed) is atomic on the event loop, as a Lua script is in Redis. Several
"nodes" in one process (tests) share one instance.

Not for more than one process: see ``cluster.redis.room_state``.
"""

from __future__ import annotations

import collections
import heapq
import time
from collections.abc import Sequence
from dataclasses import dataclass, field

from protocol.ids import RoomId

from .feed import DEFAULT_FEED_BUFFER, FeedHub, FeedQueue, payload_with_seq
from .ports_rooms import KEEP_WAKE, NO_WAKE, Commit, LoggedEvent, Redaction, RoomRecord

DEFAULT_LOG_CAPACITY = 500


@dataclass
class _Room:
    fields: dict[str, str] = field(default_factory=dict)
    version: int = 0
    seq: int = 0
    log: collections.deque[LoggedEvent] = field(default_factory=collections.deque)
    wake_at: float = NO_WAKE


class InMemoryRooms:
    """Implements ``RoomState`` and ``EventLog`` with dicts and deques.

    Use it as an async context manager (or call ``close``) so that feed
    subscriptions end at shutdown.

    Args:
        log_capacity: Events kept per room for replay.
        feed_buffer: Buffer size of each feed subscription.
    """

    def __init__(
        self, *, log_capacity: int = DEFAULT_LOG_CAPACITY, feed_buffer: int = DEFAULT_FEED_BUFFER
    ) -> None:
        if log_capacity < 1:
            raise ValueError("log_capacity must be >= 1")
        self._capacity = log_capacity
        self._rooms: dict[RoomId, _Room] = {}
        self._wakes: list[tuple[float, RoomId]] = []
        self._hub = FeedHub(feed_buffer)

    async def __aenter__(self) -> InMemoryRooms:
        return self

    async def __aexit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """End every feed subscription."""
        self._hub.close()

    @property
    def room_count(self) -> int:
        """Rooms currently held."""
        return len(self._rooms)

    # -- RoomState ---------------------------------------------------------

    async def load(self, room_id: RoomId) -> RoomRecord:
        """See ``RoomState.load``."""
        room = self._rooms.get(room_id)
        if room is None:
            return RoomRecord({}, 0)
        return RoomRecord(dict(room.fields), room.version)

    async def load_fields(self, room_id: RoomId, names: Sequence[str]) -> list[str | None]:
        """See ``RoomState.load_fields``."""
        room = self._rooms.get(room_id)
        if room is None:
            return [None] * len(names)
        return [room.fields.get(name) for name in names]

    async def commit(self, room_id: RoomId, commit: Commit) -> list[int] | None:
        """See ``RoomState.commit``."""
        room = self._rooms.get(room_id)
        current = room or _Room()
        if commit.expect_version is not None and current.version != commit.expect_version:
            return None
        for name, expected in commit.expect_fields.items():
            if current.fields.get(name) != expected:
                return None
        if room is None:
            if not (commit.writes or commit.events or commit.wake_at > 0):
                return []
            room = self._rooms[room_id] = current
        if commit.writes:
            room.fields.update(commit.set_fields)
            for name in commit.delete_fields:
                room.fields.pop(name, None)
            room.version += 1
        if commit.wake_at != KEEP_WAKE:
            room.wake_at = commit.wake_at
            if commit.wake_at > 0:
                heapq.heappush(self._wakes, (commit.wake_at, room_id))
        seqs: list[int] = []
        for new in commit.events:
            room.seq += 1
            event = LoggedEvent(
                room_id=room_id,
                seq=room.seq,
                audience=new.audience,
                name=new.name,
                payload=payload_with_seq(new.body, room.seq),
                effects=new.effects,
            )
            room.log.append(event)
            if len(room.log) > self._capacity:
                room.log.popleft()
            seqs.append(room.seq)
            self._hub.deliver(event)
        return seqs

    async def delete(self, room_id: RoomId) -> None:
        """See ``RoomState.delete``."""
        self._rooms.pop(room_id, None)

    async def due(self, now: float, limit: int = 100) -> list[RoomId]:
        """See ``RoomState.due``."""
        found: list[RoomId] = []
        kept: list[tuple[float, RoomId]] = []
        while self._wakes and self._wakes[0][0] <= now and len(found) < limit:
            at, room_id = heapq.heappop(self._wakes)
            room = self._rooms.get(room_id)
            # Entries left behind by a later change of the wake-up time are stale.
            if room is None or room.wake_at != at:
                continue
            if room_id not in found:
                found.append(room_id)
                kept.append((at, room_id))
        for entry in kept:
            heapq.heappush(self._wakes, entry)
        return found

    # -- EventLog ----------------------------------------------------------

    async def since(self, room_id: RoomId, seq: int) -> list[LoggedEvent] | None:
        """See ``EventLog.since``."""
        room = self._rooms.get(room_id)
        last = room.seq if room else 0
        if seq > last or seq < 0:
            return None
        if seq == last:
            return []
        assert room is not None
        first = room.log[0].seq if room.log else last + 1
        if seq + 1 < first:
            return None
        return [event for event in room.log if event.seq > seq]

    async def last_seq(self, room_id: RoomId) -> int:
        """See ``EventLog.last_seq``."""
        room = self._rooms.get(room_id)
        return room.seq if room else 0

    async def redact(self, room_id: RoomId, redaction: Redaction) -> list[int]:
        """See ``EventLog.redact``."""
        room = self._rooms.get(room_id)
        if room is None:
            return []
        marker = redaction.marker
        seqs: list[int] = []
        for index, event in enumerate(room.log):
            if event.name in redaction.names and marker in event.payload:
                room.log[index] = LoggedEvent(
                    room_id=room_id,
                    seq=event.seq,
                    audience=event.audience,
                    name=redaction.name,
                    payload=payload_with_seq(redaction.body, event.seq),
                )
                seqs.append(event.seq)
        return seqs

    def subscribe(self) -> FeedQueue:
        """See ``EventLog.subscribe``."""
        return self._hub.subscribe()


class InMemoryLiveness:
    """Implements ``NodeLiveness`` for nodes in one process.

    Beats are measured in real monotonic time, like the expiry of a Redis
    key: liveness is about processes, not about the domain's (injectable)
    clock, which tests move by hours.
    """

    def __init__(self) -> None:
        self._until: dict[str, float] = {}

    async def beat(self, node_id: str, ttl_s: float) -> None:
        """See ``NodeLiveness.beat``."""
        self._until[node_id] = time.monotonic() + ttl_s

    async def alive(self, node_ids: Sequence[str]) -> set[str]:
        """See ``NodeLiveness.alive``."""
        now = time.monotonic()
        return {node for node in node_ids if self._until.get(node, 0.0) > now}
