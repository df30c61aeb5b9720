"""The feed pump in isolation: repeats skipped, gaps filled from the log, and a
gap the log no longer holds answered by closing the room's local sockets.

Redis pub/sub is at-most-once: a node whose link dropped misses events. The
pump notices the hole in a room's ``seq`` at the room's next event.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from cluster import Commit, LoggedEvent, NewEvent
from cluster.memory_rooms import InMemoryRooms
from protocol.ids import RoomId
from server.metrics import Metrics
from server.realtime.channels import Channels
from server.realtime.connections import ConnectionRegistry, room_channel
from server.realtime.outbound import FeedPump

ROOM = RoomId("room-1")


@dataclass
class RecordingOutbox:
    """A socket's outbox that keeps what it was given."""

    sent: list[str] = field(default_factory=list)

    def send_frame(self, frame: bytes, packet: Any) -> None:
        assert frame.endswith(packet.encode().encode())
        self.sent.append(packet.data)


class FakeRealtime:
    """What the pump uses of ``Realtime``, with one local socket in ``ROOM``."""

    def __init__(self, log: InMemoryRooms, *, has_sockets: bool = True) -> None:
        self.outbox = RecordingOutbox()
        self.channels = Channels()
        if has_sockets:
            self.channels.enter(room_channel(ROOM), "sid-1", self.outbox)
        self.metrics = Metrics()
        self.connections = ConnectionRegistry()
        self.evicted: list[str] = []
        self.services = type("S", (), {"cluster": type("C", (), {"event_log": log})()})()
        if has_sockets:
            self.connections.in_room = lambda room_id: [object()]  # type: ignore[method-assign,list-item]

    async def evict(self, conn: Any) -> None:
        self.evicted.append("evicted")

    def seqs(self) -> list[int]:
        return [json.loads(data[data.index(",") + 1 : -1])["seq"] for data in self.outbox.sent]


async def logged(log: InMemoryRooms, count: int) -> list[LoggedEvent]:
    """Append ``count`` events; return the newest ones the log still holds."""
    seqs = await log.commit(
        ROOM,
        Commit(events=[NewEvent("all", "demo.happened", f'{{"n":{n}}}') for n in range(count)]),
    )
    assert seqs
    events = await log.since(ROOM, max(0, seqs[-1] - 2))
    assert events is not None
    return (await log.since(ROOM, seqs[0] - 1)) or events


async def test_a_gap_is_filled_from_the_log_in_order() -> None:
    log = InMemoryRooms(log_capacity=50)
    events = await logged(log, 5)
    realtime = FakeRealtime(log)
    pump = FeedPump(realtime)  # type: ignore[arg-type]
    await pump.receive(events[0])
    await pump.receive(events[3])
    await pump.receive(events[3])
    await pump.receive(events[4])
    assert realtime.seqs() == [1, 2, 3, 4, 5]
    assert pump.gaps == 1


async def test_a_gap_beyond_the_log_closes_the_rooms_sockets() -> None:
    log = InMemoryRooms(log_capacity=2)
    events = await logged(log, 1)
    realtime = FakeRealtime(log)
    pump = FeedPump(realtime)  # type: ignore[arg-type]
    await pump.receive(events[0])
    later = await logged(log, 5)
    await pump.receive(later[-1])
    assert realtime.evicted == ["evicted"]
    assert realtime.seqs() == [1, 6]


async def test_a_room_without_local_sockets_is_not_refilled() -> None:
    log = InMemoryRooms(log_capacity=50)
    events = await logged(log, 4)
    realtime = FakeRealtime(log, has_sockets=False)
    pump = FeedPump(realtime)  # type: ignore[arg-type]
    await pump.receive(events[0])
    await pump.receive(events[3])
    assert pump.gaps == 0 and pump.last_seq[ROOM] == 4
