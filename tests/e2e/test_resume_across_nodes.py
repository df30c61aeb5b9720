"""Resume across nodes: a pupil of node B comes back through node A and misses nothing.

The room's events live in Redis (its replay window), not in a node, so a
client that reconnects to another node resumes there: the join's replay
holds what it missed, which the SDK applies once and in order. The second
test is the §6.2 F1 check: node B is killed with SIGKILL mid-lesson; its
clients reconnect to node A within 10 s with the SDK's default backoff,
every acknowledged chat message reaches every member exactly once, and the
one client that does not come back is shown gone once B's heartbeat lapses.

Each test compares what every client delivered with the room's log in
Redis: every event a pupil may see after its first snapshot, once, in
``seq`` order.
"""

from __future__ import annotations

import time

import pytest

from protocol.events.models import RoomSnapshot
from protocol.events.rooms import ParticipantLeft, SyncRoom
from tests.e2e.lessons import Classroom, OpenClass, everyone_has, received, say
from tests.e2e.processes import Deployment, free_port
from tests.e2e.waiting import eventually
from tests.integration.realtime.live import RecordingClient, drop

pytestmark = [pytest.mark.e2e, pytest.mark.redis, pytest.mark.postgres, pytest.mark.timeout(180)]

FAILOVER_S = 10.0
"""F1: a crashed node's clients are back (on another node) within this."""
CRASH_PRESENCE_S = 40.0
"""docs/protocol.md: a crashed node's participants show as left within about
30 s (three missed 5 s heartbeats, then the room's 15 s presence check)."""


class Route:
    """Where a client's (re)connects go: round-robin over ``targets``, as DNS
    round-robin or a load balancer that knows nothing of the nodes' health."""

    def __init__(self, *targets: str) -> None:
        self.targets = list(targets)
        self.handed: list[str] = []

    def __call__(self) -> str:
        target = self.targets[len(self.handed) % len(self.targets)]
        self.handed.append(target)
        return target


def visible(deployment: Deployment, room: Classroom, client: RecordingClient) -> list[int]:
    """The seq of every logged event a pupil may see, after its first snapshot."""
    snapshot = next(e for e in client.record if isinstance(e, RoomSnapshot))
    user_id = next(p.user_id for p in snapshot.participants if p.participant_id == snapshot.you)
    return [
        seq
        for seq, audience, _ in deployment.room_log(room.lesson.room_id)
        if seq > snapshot.seq and audience in ("all", f"user:{user_id}")
    ]


def first_snapshot(client: RecordingClient) -> int:
    return next(e.seq for e in client.record if isinstance(e, RoomSnapshot))


async def test_a_pupil_of_b_resumes_on_a_with_what_it_missed(open_class: OpenClass) -> None:
    room = await open_class(pupils=1)
    a, b = room.deployment.nodes
    host = await room.join(room.lesson.host, a)
    route = Route(b.url)
    pupil = room.member(room.lesson.pupils[0], route)
    await pupil.connect()
    sent = [await say(host, f"before {n}") for n in range(3)]
    await everyone_has([host, pupil], sent)

    route.targets = [f"http://127.0.0.1:{free_port()}"]  # offline: nothing answers
    await drop(pupil)
    await received(host, ParticipantLeft, lambda e: e.participant_id == pupil.participant_id)
    sent += [await say(host, f"missed {n}") for n in range(6)]
    route.targets = [a.url]
    await eventually("the pupil rejoins, on A", lambda: pupil.joins == 2)

    assert route.handed[-1] == a.url
    assert pupil.last_join is not None and pupil.last_join.replay is not None, "resumed"
    assert pupil.last_join.snapshot is None
    sent.append(await say(host, "after"))
    await everyone_has([host, pupil], sent)
    await eventually(
        "the pupil has the whole log",
        lambda: pupil.last_seq >= max(visible(room.deployment, room, pupil)),
    )
    assert pupil.seqs(first_snapshot(pupil)) == visible(room.deployment, room, pupil)


async def test_killing_node_b_mid_lesson_loses_and_repeats_nothing(open_class: OpenClass) -> None:
    room = await open_class(pupils=4)
    deployment = room.deployment
    a, b = deployment.nodes
    lesson = room.lesson
    host = await room.join(lesson.host, a)
    watcher = await room.join(lesson.pupils[0], a)
    # The SDK's own backoff (0.5 s doubling to 5 s): the failover bound is the
    # production client's, not a tuned one.
    routes = [Route(b.url, a.url), Route(b.url, a.url)]
    movers = [
        room.member(pupil, route, reconnect_delay_s=0.5, reconnect_delay_max_s=5.0)
        for pupil, route in zip(lesson.pupils[1:3], routes, strict=True)
    ]
    for mover in movers:
        await mover.connect()
    stranded = await room.join(lesson.pupils[3], b, reconnect=False)
    sent = [
        await say(host, "before 0"),
        await say(movers[0], "from B"),
        await say(host, "before 1"),
    ]
    members = [host, watcher, *movers]
    await everyone_has([*members, stranded], sent)

    b.kill()
    killed_at = time.monotonic()
    for n in range(6):
        sent.append(await say(host, f"during {n}"))
    await eventually("B's clients rejoin", lambda: all(m.joins == 2 for m in movers), FAILOVER_S)
    assert time.monotonic() - killed_at <= FAILOVER_S
    assert all(route.handed[-1] == a.url for route in routes)
    sent.append(await say(movers[0], "back, from A"))
    sent.append(await say(host, "after"))
    await everyone_has(members, sent)

    gone = await received(
        host,
        ParticipantLeft,
        lambda e: e.participant_id == stranded.participant_id,
        CRASH_PRESENCE_S - (time.monotonic() - killed_at),
    )
    assert gone.reason == "disconnected"
    snapshot: RoomSnapshot = await host.send(SyncRoom())
    present = {p.participant_id for p in snapshot.participants if p.is_present}
    assert present == {m.participant_id for m in members}
    pupils = (watcher, *movers)
    await eventually(
        "all up to the snapshot", lambda: all(p.last_seq >= snapshot.seq for p in pupils)
    )
    for pupil in pupils:
        assert pupil.seqs(first_snapshot(pupil)) == visible(deployment, room, pupil)
