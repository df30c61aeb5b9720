"""Redis in the path (§8): outages are seen, and nodes recover by themselves.

Two nodes run against a private ``redis-server`` of this module (never the
shared one: these tests kill it), with an append-only file so that a
restart keeps the rooms, as a production Redis with persistence does. Node
B reaches it through a relay the tests can cut, to play a partition of one
node. Every node holds three subscriptions: the cluster bus, the room feed
and python-socketio's channel; a listener that dies quietly leaves a "deaf"
node that keeps serving clients who never hear the others (python-socketio
#1581). So:

* ``CLIENT KILL TYPE pubsub`` cuts every subscription: each comes back on
  its own, chat flows both ways, and a revocation from A closes a socket on B.
* Node B cut off from Redis for a few seconds: B's ``/ready`` fails while
  A's does not; what A's people said meanwhile reaches B's pupil after the
  link returns, without anyone saying anything more (no deaf listener).
* Node B cut off for longer than its heartbeat lives: A shows B's pupil
  gone (B cannot be told from a crashed node); once B is back, its pupil
  must not stay connected to a room that counts it gone: it is let go (closed
  like a lost connection, not with Socket.IO's disconnect, which clients take
  as final) and comes back by itself.
* Redis killed for longer than a node's heartbeat lives: ``/ready`` fails on
  both nodes and chat is refused (never a false "sent"); Redis back on the
  same port: both nodes are ready again by themselves, nobody was shown
  gone (the nodes did not take each other, or themselves, for dead), and
  chat flows both ways again.
"""

from __future__ import annotations

import asyncio
import shutil
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from client_sdk import CommandFailed
from protocol.events.chat import ChatAccepted, SendChat
from protocol.events.rooms import ParticipantLeft
from tests.e2e.lessons import (
    Api,
    Classroom,
    OpenClass,
    chats,
    delivered,
    everyone_has,
    received,
    say,
)
from tests.e2e.processes import Deployment, RedisServer, running_deployment
from tests.e2e.proxy import TcpRelay, relay_to
from tests.e2e.waiting import eventually, holds_for
from tests.integration.realtime.live import RecordingClient
from tests.services import SERVICES_REQUIRED

pytestmark = [pytest.mark.e2e, pytest.mark.redis, pytest.mark.postgres, pytest.mark.timeout(300)]

NOTICED_S = 15.0
"""/ready turns 503 this soon after a node loses Redis."""
RECOVERED_S = 60.0
"""Every listener subscribed again within this after Redis returns
(python-socketio's own listener backs off up to 60 s on its own terms)."""
OUTAGE_S = 20.0
"""Longer than a node's heartbeat lives in Redis (3 x 5 s)."""
PARTITION_S = 4.0
"""Shorter than a heartbeat's life: B is cut off, not presumed dead."""
PRESUMED_DEAD_S = 40.0
"""docs/protocol.md: a silent node's participants show as left within about
30 s (three missed 5 s heartbeats, then the room's 15 s presence check)."""


@pytest.fixture(scope="module")
def private_redis(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RedisServer]:
    if shutil.which("redis-server") is None:
        reason = "redis-server is not installed (these tests run a private one to kill)"
        if SERVICES_REQUIRED:
            pytest.fail(reason)
        pytest.skip(reason)
    server = RedisServer(tmp_path_factory.mktemp("private-redis"))
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="module")
def relay(private_redis: RedisServer) -> Iterator[TcpRelay]:
    """Node B's way to the private Redis."""
    with relay_to(private_redis.port) as started:
        yield started


@pytest.fixture(scope="module")
def outage_deployment(
    postgres_database: str,
    private_redis: RedisServer,
    relay: TcpRelay,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Deployment]:
    with running_deployment(
        tmp_path_factory.mktemp("e2e-outage-nodes"),
        database_url=postgres_database,
        redis_url=private_redis.url,
        b_redis_url=f"redis://127.0.0.1:{relay.port}/0",
        namespace=f"jumelage-e2e:{uuid.uuid4().hex[:12]}",
    ) as started:
        yield started


@pytest.fixture
def nodes(outage_deployment: Deployment, private_redis: RedisServer, relay: TcpRelay) -> Deployment:
    """This module's deployment (``open_class`` uses it): Redis up, the relay
    mended, both nodes ready."""
    if not private_redis.answers():
        private_redis.start()
    relay.mend()
    outage_deployment.ensure_running()
    for node in outage_deployment.nodes:
        node.wait_ready()
    return outage_deployment


@pytest.fixture
def watch(api: Api, nodes: Deployment, private_redis: RedisServer) -> Watch:
    return Watch(api, nodes, private_redis)


class Watch:
    """What an operator looks at: the nodes' probes and Redis's subscriber counts."""

    def __init__(self, api: Api, deployment: Deployment, redis: RedisServer) -> None:
        self._api = api
        self._deployment = deployment
        self._redis = redis

    async def probe(self, path: str) -> list[tuple[int, dict[str, object]]]:
        """Status and body of ``path`` on both nodes (``a`` first)."""
        return [
            await self._api.call("GET", f"{node.url}{path}", headers={})
            for node in self._deployment.nodes
        ]

    async def ready_is(self, a: bool, b: bool) -> bool:
        """Whether ``/ready`` answers 200 (or not) on ``a`` and on ``b``, as said."""
        on_a, on_b = await self.probe("/ready")
        return (on_a[0] == 200, on_b[0] == 200) == (a, b)

    async def subscribers(self) -> dict[str, int]:
        """``PUBSUB NUMSUB`` of every channel the nodes must hold."""
        reply = await asyncio.to_thread(
            self._redis.command, "PUBSUB", "NUMSUB", *self._deployment.channels()
        )
        assert isinstance(reply, list)
        return dict(zip(reply[::2], reply[1::2], strict=True))

    async def fully_subscribed(self) -> bool:
        counts = await self.subscribers()
        return all(count == len(self._deployment.nodes) for count in counts.values())


def heard_all(client: RecordingClient, sent: list[ChatAccepted]) -> bool:
    return {ack.message_id for ack in sent} <= {m.message_id for m in chats(client)}


def gone_events(*clients: RecordingClient) -> list[ParticipantLeft]:
    return [e for c in clients for e in delivered(c, ParticipantLeft, lambda _: True)]


@dataclass
class Seated:
    """A class across the nodes: the host and a pupil on A, a pupil on B."""

    host: RecordingClient
    neighbour: RecordingClient
    pupil: RecordingClient
    before: list[ChatAccepted]
    """What the host said once everyone was in, heard by everyone."""

    @property
    def everyone(self) -> list[RecordingClient]:
        return [self.host, self.neighbour, self.pupil]


async def seat(room: Classroom) -> Seated:
    a, b = room.deployment.nodes
    lesson = room.lesson
    seated = Seated(
        host=await room.join(lesson.host, a),
        neighbour=await room.join(lesson.pupils[0], a),
        pupil=await room.join(lesson.pupils[1], b),
        before=[],
    )
    seated.before.append(await say(seated.host, "before"))
    await everyone_has(seated.everyone, seated.before)
    return seated


async def test_killed_pubsub_links_come_back_by_themselves(
    open_class: OpenClass, watch: Watch, private_redis: RedisServer
) -> None:
    room = await open_class(pupils=2)
    a, b = room.deployment.nodes
    lesson = room.lesson
    host = await room.join(lesson.host, a)
    pupil = await room.join(lesson.pupils[0], b)
    doomed = await room.join(lesson.pupils[1], b)
    assert await watch.fully_subscribed(), await watch.subscribers()

    killed = await asyncio.to_thread(private_redis.command, "CLIENT", "KILL", "TYPE", "pubsub")
    assert isinstance(killed, int) and killed >= 3 * len(room.deployment.nodes)
    await eventually("every listener subscribed again", watch.fully_subscribed, RECOVERED_S)

    # The room feed, both ways.
    sent = [await say(host, "after the cut, from A"), await say(pupil, "after the cut, from B")]
    await everyone_has([host, pupil, doomed], sent)
    # The cluster bus: a revocation published on A closes a socket on B.
    status, body = await room.api.call(
        "POST",
        f"{a.url}/api/v1/pupils/{lesson.pupils[1].user_id}/enabled",
        headers=lesson.host.headers,
        body={"enabled": False},
    )
    assert status == 200, body
    await eventually("the revoked socket on B closes", lambda: not doomed.connected)
    assert pupil.connected


async def test_a_node_cut_off_from_redis_misses_nothing_when_it_returns(
    open_class: OpenClass, watch: Watch, relay: TcpRelay
) -> None:
    seated = await seat(await open_class(pupils=2))
    host, neighbour, pupil = seated.everyone

    relay.cut()
    cut_at = time.monotonic()
    await eventually("B unready, A ready", lambda: watch.ready_is(True, False), NOTICED_S)
    with pytest.raises(CommandFailed) as refused:
        await pupil.send(SendChat(text="B is cut off"))
    assert refused.value.code == "unavailable"
    meanwhile = [await say(host, f"while B is cut off {n}") for n in range(3)]
    await eventually("A's pupil hears A", lambda: heard_all(neighbour, meanwhile))
    assert not any(heard_all(pupil, [ack]) for ack in meanwhile), "B's link was cut"
    await asyncio.sleep(max(0.0, PARTITION_S - (time.monotonic() - cut_at)))

    relay.mend()
    await eventually("both ready", lambda: watch.ready_is(True, True), RECOVERED_S)
    # Nobody speaks now: what B missed must come by itself.
    await eventually("B's pupil hears what A said meanwhile", lambda: heard_all(pupil, meanwhile))
    after = [await say(pupil, "back, from B"), await say(host, "welcome back, from A")]
    await everyone_has(seated.everyone, [*seated.before, *meanwhile, *after])
    assert not gone_events(*seated.everyone), "B was cut off briefly, nobody left"


async def test_a_node_cut_off_for_long_is_taken_for_dead_and_its_clients_come_back(
    open_class: OpenClass, watch: Watch, relay: TcpRelay
) -> None:
    seated = await seat(await open_class(pupils=2))
    host, _, pupil = seated.everyone

    relay.cut()
    # A cannot tell B from a crashed node: B's pupil is shown gone.
    gone = await received(
        host,
        ParticipantLeft,
        lambda e: e.participant_id == pupil.participant_id,
        PRESUMED_DEAD_S,
    )
    assert gone.reason == "disconnected"
    assert await watch.ready_is(True, False)

    relay.mend()
    await eventually("both ready", lambda: watch.ready_is(True, True), RECOVERED_S)
    # B learns it was taken for dead and lets its client go: the client
    # comes back by itself (a new join) rather than stay connected and deaf.
    await eventually("B's pupil joins again", lambda: pupil.joins >= 2 and pupil.connected)
    after = [await say(host, "welcome back"), await say(pupil, "back")]
    await eventually("A hears B again", lambda: heard_all(host, after))
    await eventually("B's pupil hears A again", lambda: heard_all(pupil, after))


async def test_a_redis_outage_fails_ready_and_the_nodes_recover_by_themselves(
    open_class: OpenClass, watch: Watch, private_redis: RedisServer
) -> None:
    seated = await seat(await open_class(pupils=2))
    host, _, pupil = everyone = seated.everyone

    private_redis.kill()
    down_at = time.monotonic()
    await eventually("/ready 503 on both", lambda: watch.ready_is(False, False), NOTICED_S)
    for status, body in await watch.probe("/health"):
        assert (status, body["status"]) == (200, "degraded")
    for _, body in await watch.probe("/ready"):
        checks = body["checks"]
        assert isinstance(checks, dict) and str(checks["redis"]).startswith("down")
    for client in (host, pupil):
        with pytest.raises(CommandFailed) as refused:
            await client.send(SendChat(text="during the outage"))
        assert refused.value.code == "unavailable"
    # The outage lasts; neither node claims to be ready meanwhile.
    await holds_for(
        "both unready during the outage",
        lambda: watch.ready_is(False, False),
        OUTAGE_S - (time.monotonic() - down_at),
    )

    await asyncio.to_thread(private_redis.start)
    took = await eventually("/ready 200 on both", lambda: watch.ready_is(True, True), RECOVERED_S)
    await eventually("every listener subscribed again", watch.fully_subscribed, RECOVERED_S - took)
    for status, body in await watch.probe("/health"):
        assert (status, body["status"]) == (200, "ok")
    after = [await say(host, "after the outage, from A"), await say(pupil, "after, from B")]
    await everyone_has(everyone, [*seated.before, *after])
    assert all(client.connected and client.joins == 1 for client in everyone)
    # The heartbeats of both nodes lapsed while Redis was away: a node that
    # took that for death would have shown everyone gone.
    await holds_for("nobody shown gone", lambda: not gone_events(*everyone), 3.0)
