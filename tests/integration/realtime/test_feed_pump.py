"""The feed pump in isolation: repeats skipped, gaps filled from the log, a
gap the log no longer holds answered by letting the room's local sockets go
(their clients rejoin), and evictions final or not as their effect says.

Redis pub/sub is at-most-once: a node whose link dropped misses events. The
pump notices the hole in a room's ``seq`` at the room's next event.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import pytest

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
        self.evicted: list[tuple[object, str]] = []
        """(connection, "rejoin" or "final") of each eviction, in order."""
        self.services = type("S", (), {"cluster": type("C", (), {"event_log": log})()})()
        self.local: list[Any] = [object()] if has_sockets else []
        """Stand-ins for the room's connections (the pump only hands them on)."""
        self.connections.in_room = lambda room_id: list(self.local)  # type: ignore[method-assign]
        self.connections.by_conn_id = lambda conn_id: {"c-1": self.local[0]}.get(conn_id)  # type: ignore[method-assign]

    async def evict(self, conn: Any, *, rejoin: bool = False) -> None:
        self.evicted.append((conn, "rejoin" if rejoin else "final"))

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


async def test_a_gap_beyond_the_log_lets_the_rooms_sockets_go_to_rejoin() -> None:
    log = InMemoryRooms(log_capacity=2)
    events = await logged(log, 1)
    realtime = FakeRealtime(log)
    pump = FeedPump(realtime)  # type: ignore[arg-type]
    await pump.receive(events[0])
    later = await logged(log, 5)
    await pump.receive(later[-1])
    assert realtime.evicted == [(realtime.local[0], "rejoin")]
    assert realtime.seqs() == [1, 6]


async def test_a_room_without_local_sockets_is_not_refilled() -> None:
    log = InMemoryRooms(log_capacity=50)
    events = await logged(log, 4)
    realtime = FakeRealtime(log, has_sockets=False)
    pump = FeedPump(realtime)  # type: ignore[arg-type]
    await pump.receive(events[0])
    await pump.receive(events[3])
    assert pump.gaps == 0 and pump.last_seq[ROOM] == 4


@pytest.mark.parametrize(
    ("effect", "expected"),
    [
        ({"op": "evict_conn", "conn": "c-1", "rejoin": True}, "rejoin"),
        ({"op": "evict_conn", "conn": "c-1"}, "final"),
        ({"op": "evict_conn", "conn": "c-1", "rejoin": "yes"}, "final"),
        ({"op": "evict_all"}, "final"),
    ],
)
async def test_an_eviction_is_final_unless_its_effect_asks_the_client_to_rejoin(
    effect: dict[str, object], expected: str
) -> None:
    log = InMemoryRooms(log_capacity=50)
    realtime = FakeRealtime(log)
    pump = FeedPump(realtime)  # type: ignore[arg-type]
    await log.commit(
        ROOM, Commit(events=[NewEvent("all", "demo.happened", "{}", json.dumps([effect]))])
    )
    events = await log.since(ROOM, 0)
    assert events is not None
    await pump.receive(events[-1])
    assert realtime.evicted == [(realtime.local[0], expected)]
