"""A state machine drives one room across two nodes sharing the real Redis.

Rules join, leave, drop and resume, kick, ban, lift, mute, change
permissions, change a co-teacher's role, lock and chat, at random, with
pupils on either node. After every step, once the feeds have settled, the
invariants hold:

* who is in the room's broadcast group on each node is exactly who the shared
  room state says is present on that connection (and the teachers' group is
  exactly the present teachers);
* nobody banned is present or connected anywhere;
* every joined client's own permissions, as its events told it, are the
  state's;
* no event reaches a non-member: a removed participant's last event is their
  removal, and people waiting in the lobby hear only lobby news.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer
from hypothesis import HealthCheck, settings, strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    rule,
    run_state_machine_as_test,
)

from client_sdk import CommandFailed, ConnectRefused
from protocol.api.grants import RoomRole
from protocol.events.base import ServerEvent
from protocol.events.chat import SendChat
from protocol.events.lobby import AdmitFromLobby, LobbyAdmitted, LobbyDenied
from protocol.events.models import JoinStatus, Permissions, RoomSnapshot
from protocol.events.rooms import (
    BanParticipant,
    KickParticipant,
    LiftBan,
    LockRoom,
    MuteParticipant,
    ParticipantJoined,
    ParticipantRemoved,
    PermissionsChanged,
    RoleChanged,
    RoomEnded,
    SetPermissions,
    SetRole,
)
from rooms import MemberRole
from server.app import build_app
from server.config import Settings
from server.realtime import limits
from server.realtime.connections import room_channel, staff_channel
from server.services import SERVICES_KEY
from tests.fakes.clock import FakeClock
from tests.fuzz.loop_thread import LoopThread
from tests.integration.realtime.live import Live, RecordingClient, drop, until
from tests.services import require_redis
from tests.support import Actor, World
from tests.unit.rooms.fakes import FakeDirectory

pytestmark = [pytest.mark.redis, pytest.mark.slow]

RUNS = int(os.environ.get("JUMELAGE_STATEFUL_RUNS", "6"))
STEPS = int(os.environ.get("JUMELAGE_STATEFUL_STEPS", "12"))
PUPILS = 4
SETTLE_S = 10.0
LOBBY_NEWS = (LobbyAdmitted, LobbyDenied, RoomEnded)


@dataclass
class Cluster:
    """Two nodes, one directory and the accounts every run reuses."""

    loop: LoopThread
    nodes: list[Live]
    directory: FakeDirectory
    teacher: Actor | None = None
    co_teacher: Actor | None = None
    pupils: list[Actor] = field(default_factory=list)

    def run(self, work: Any) -> Any:
        return self.loop.run(work)


CLUSTER: Cluster | None = None


class RoomMachine(RuleBasedStateMachine):
    """One room per run; a host on node A, a co-teacher on node B, pupils anywhere."""

    checks = 0
    """Invariant checks made (the test fails if the machine never ran)."""

    def __init__(self) -> None:
        super().__init__()
        assert CLUSTER is not None
        self.c = CLUSTER
        self.clients: dict[int, RecordingClient] = {}
        self.removed: list[RecordingClient] = []
        self.banned: set[int] = set()

    # -- set-up ------------------------------------------------------------

    @initialize()
    def open_room(self) -> None:
        self.c.run(self._open_room())

    async def _open_room(self) -> None:
        first = self.c.nodes[0]
        meeting = self.c.directory.add_meeting(first.project)
        self.nodes = [node.moved_to(meeting) for node in self.c.nodes]
        assert self.c.teacher is not None and self.c.co_teacher is not None
        limiter = first.services.cluster.rate_limiter
        for actor in (self.c.teacher, self.c.co_teacher, *self.c.pupils):
            # Accounts serve many runs; the connection limit is not under test.
            await limiter.reset(limits.CONNECT, actor.user_id)
        self.host = await self._connect(0, self.c.teacher, RoomRole.HOST)
        self.co = await self._connect(1, self.c.co_teacher, RoomRole.CO_TEACHER)

    async def _connect(self, node: int, actor: Actor, role: RoomRole) -> RecordingClient:
        live = self.nodes[node]
        client = live.client(actor, reconnect=False, token=live.minted_token_source(actor, role))
        await client.connect()
        return client

    def teardown(self) -> None:
        async def close() -> None:
            for node in self.nodes:
                await node.close()

        self.c.run(close())

    # -- rules -------------------------------------------------------------

    pupil = st.integers(0, PUPILS - 1)
    node = st.integers(0, 1)

    @rule(i=pupil, node=node)
    def join(self, i: int, node: int) -> None:
        self.c.run(self._join(i, node))

    async def _join(self, i: int, node: int) -> None:
        current = self.clients.get(i)
        if current is not None and current.connected:
            return
        live = self.nodes[node]
        pupil = self.c.pupils[i]
        token = live.minted_token_source(pupil, RoomRole.PUPIL)
        client = live.client(pupil, reconnect=False, token=token)
        try:
            await client.connect()
        except ConnectRefused as exc:
            assert (exc.code == "banned" and i in self.banned) or exc.code == "rate_limited", exc
            return
        except CommandFailed as exc:
            assert exc.code == "room_locked", exc
            return
        self.clients[i] = client

    @rule(i=pupil)
    def leave(self, i: int) -> None:
        client = self.clients.pop(i, None)
        if client is not None:
            self.c.run(client.close())

    @rule(i=pupil)
    def drop_and_resume(self, i: int) -> None:
        client = self.clients.get(i)
        if client is None or not client.connected or client.status is not JoinStatus.JOINED:
            return
        self.c.run(self._drop_and_resume(client))

    async def _drop_and_resume(self, client: RecordingClient) -> None:
        await drop(client)
        await until(lambda: not client.connected)
        try:
            await client.connect()
        except CommandFailed as exc:
            assert exc.code == "room_locked", exc
        except ConnectRefused as exc:
            assert exc.code == "rate_limited", exc

    @rule(i=pupil, ban=st.booleans())
    def remove(self, i: int, ban: bool) -> None:
        client = self.clients.get(i)
        if client is None or client.status is not JoinStatus.JOINED or not client.connected:
            return
        assert client.participant_id is not None
        command = BanParticipant if ban else KickParticipant
        self.c.run(self.host.send(command(participant_id=client.participant_id)))
        self.removed.append(self.clients.pop(i))
        if ban:
            self.banned.add(i)

    @rule(i=pupil)
    def lift(self, i: int) -> None:
        if i in self.banned:
            self.c.run(self.host.send(LiftBan(user_id=self.c.pupils[i].user_id)))
            self.banned.discard(i)

    @rule(i=pupil, speak=st.booleans(), chat=st.booleans(), mute=st.booleans())
    def permissions(self, i: int, speak: bool, chat: bool, mute: bool) -> None:
        client = self.clients.get(i)
        if client is None or client.participant_id is None:
            return
        pid = client.participant_id
        command = (
            MuteParticipant(participant_id=pid)
            if mute
            else SetPermissions(participant_id=pid, may_speak=speak, may_chat=chat)
        )
        self.c.run(self.host.send(command))

    @rule(role=st.sampled_from([RoomRole.CO_TEACHER, RoomRole.OBSERVER]))
    def co_teacher_role(self, role: RoomRole) -> None:
        assert self.co.participant_id is not None
        self.c.run(self.host.send(SetRole(participant_id=self.co.participant_id, role=role)))

    @rule(locked=st.booleans())
    def lock(self, locked: bool) -> None:
        self.c.run(self.host.send(LockRoom(locked=locked)))

    @rule(i=pupil)
    def admit(self, i: int) -> None:
        client = self.clients.get(i)
        if client is not None and client.status is JoinStatus.WAITING:
            self.c.run(self.host.send(AdmitFromLobby(user_ids=[self.c.pupils[i].user_id])))

    @rule(i=pupil)
    def chat(self, i: int) -> None:
        client = self.clients.get(i)
        if client is None or client.status is not JoinStatus.JOINED or not client.connected:
            return
        self.c.nodes[0].world.clock.advance(1)
        try:
            self.c.run(client.send(SendChat(text=f"from {i}")))
        except CommandFailed as exc:
            assert exc.code in ("forbidden", "not_in_room"), exc

    # -- invariants --------------------------------------------------------

    @invariant()
    def consistent(self) -> None:
        self.c.run(self._check())

    async def _check(self) -> None:
        RoomMachine.checks += 1
        first = self.nodes[0]
        room = first.room
        # The system settles within moments (a socket closed a moment ago may
        # still be present in the state until its disconnect is handled).
        problems = await self._membership_problems()
        async with asyncio.timeout(SETTLE_S):
            while problems:
                await asyncio.sleep(0.02)
                problems = await self._membership_problems()
        view = await first.services.rooms.kernel.view(room)
        present: dict[str, Any] = {p.participant_id: p for p in view.present()}
        async with first.services.db.transaction("test.bans") as uow:
            banned = {b.user_id for b in await uow.rooms.list_bans(view.meta.series_id)}
        for participant in view.participants():
            assert participant.user_id not in banned or not participant.is_present
        for node in self.nodes:
            for conn in node.realtime.connections.in_room(room):
                assert conn.user_id not in banned
        for client in [*self.clients.values(), self.host, self.co]:
            if client.connected and client.status is JoinStatus.JOINED:
                pid = str(client.participant_id)
                await self._caught_up(client, await _last_public_seq(first, room))
                if pid in present:
                    assert own_permissions(client, pid) == _wire(present[pid]), pid
            elif client.status is JoinStatus.WAITING:
                assert all(
                    isinstance(e, LOBBY_NEWS) for e in client.record if isinstance(e, ServerEvent)
                ), [type(e).__name__ for e in client.record]
        for client in self.removed:
            sequenced = [e for e in client.record if isinstance(e, ServerEvent) and e.seq]
            if sequenced:
                assert isinstance(sequenced[-1], ParticipantRemoved | RoomEnded), sequenced[-1]

    @staticmethod
    async def _caught_up(client: RecordingClient, seq: int) -> None:
        await until(lambda: client.last_seq >= seq, SETTLE_S)

    async def _membership_problems(self) -> list[str]:
        """Where sockets' groups and the room state disagree, once feeds caught up."""
        first = self.nodes[0]
        room = first.room
        last = await first.services.cluster.event_log.last_seq(room)
        await until(
            lambda: all(n.realtime.pump.last_seq.get(room, 0) >= last for n in self.nodes),
            SETTLE_S,
        )
        view = await first.services.rooms.kernel.view(room)
        present: dict[str, Any] = {p.participant_id: p for p in view.present()}
        problems: list[str] = []
        seen: set[str] = set()
        for index, node in enumerate(self.nodes):
            groups = node.realtime.channels
            in_room = groups.sids(room_channel(room))
            in_staff = groups.sids(staff_channel(room))
            local = node.realtime.connections.in_room(room)
            for conn in local:
                member = present.get(conn.participant_id or "")
                is_member = member is not None and member.conn_id == conn.conn_id
                if (conn.sid in in_room) != is_member:
                    problems.append(f"node {index}: {conn.participant_id} group={not is_member}")
                is_staff = is_member and member is not None and member.is_staff
                if (conn.sid in in_staff) != is_staff:
                    problems.append(f"node {index}: {conn.participant_id} staff group")
                if is_member:
                    seen.add(str(conn.participant_id))
            strays = in_room - {c.sid for c in local}
            if strays:
                problems.append(f"node {index}: sockets in the group without a connection")
        if seen != set(present):
            problems.append(f"present without a socket: {set(present) - seen}")
        return problems


async def _last_public_seq(live: Live, room: str) -> int:
    last = await live.services.cluster.event_log.last_seq(room)  # type: ignore[arg-type]
    logged = await live.services.cluster.event_log.since(room, max(0, last - 50))  # type: ignore[arg-type]
    public = [e.seq for e in logged or [] if e.audience == "all"]
    return public[-1] if public else 0


def _wire(participant: Any) -> Permissions:
    perms = participant.perms
    return Permissions(
        may_speak=perms.speak,
        may_video=perms.video,
        may_screen=perms.screen,
        may_draw=perms.draw,
        may_chat=perms.chat,
    )


def own_permissions(client: RecordingClient, pid: str) -> Permissions | None:
    """The client's own permissions, as the events it received tell them."""
    known: Permissions | None = None
    for event in client.record:
        if isinstance(event, RoomSnapshot):
            for p in event.participants:
                if p.participant_id == pid:
                    known = p.permissions
        elif isinstance(event, ParticipantJoined) and event.participant.participant_id == pid:
            known = event.participant.permissions
        elif isinstance(event, PermissionsChanged | RoleChanged) and event.participant_id == pid:
            known = event.permissions
    return known


@pytest.fixture
def cluster(
    make_settings: Callable[..., Settings], tmp_path: Path, request: pytest.FixtureRequest
) -> Iterator[Cluster]:
    from tests.unit.rooms.harness import migrate_template

    url = require_redis()
    namespace = f"jumelage-test:{uuid.uuid4().hex}"
    database = tmp_path / "shared.sqlite3"
    shutil.copyfile(migrate_template(tmp_path / "template.sqlite3"), database)
    loop = LoopThread()
    clock = FakeClock()
    directory = FakeDirectory()

    async def start() -> Cluster:
        import time

        clock.advance(time.time() - clock.now())
        nodes: list[Live] = []
        for name in ("a", "b"):
            configured = make_settings(
                node_id=f"stateful-{name}-{namespace[-6:]}",
                database={"url": f"sqlite+aiosqlite:///{database}", "migrate_on_start": False},
                redis={"url": url, "namespace": namespace},
                rooms={"state_ttl_s": 3600},
            )
            server = TestServer(build_app(configured, clock=clock, room_directory=directory))
            http: TestClient[Any, Any] = TestClient(server)
            await http.start_server()
            world = World(http.app[SERVICES_KEY], http, clock)
            nodes.append(
                Live(http=http, world=world, directory=directory)
                if not nodes
                else nodes[0].on(http)
            )
        made = Cluster(loop=loop, nodes=nodes, directory=directory)
        made.teacher = await nodes[0].teacher()
        made.co_teacher = await nodes[0].member(await nodes[0].world.teacher(), MemberRole.TEACHER)
        made.pupils = [await nodes[0].pupil(made.teacher) for _ in range(PUPILS)]
        return made

    made = loop.run(start(), timeout_s=120)
    yield made

    async def stop() -> None:
        for node in made.nodes:
            await node.http.close()
        from cluster.redis import RedisKeys, open_client

        client = open_client(url)
        try:
            pattern = RedisKeys(namespace).all_keys_pattern()
            keys = [key async for key in client.scan_iter(match=pattern)]
            if keys:
                await client.delete(*keys)
        finally:
            await client.aclose()

    loop.run(stop())
    loop.close()


def test_membership_permissions_and_bans_agree_everywhere(cluster: Cluster) -> None:
    global CLUSTER
    CLUSTER = cluster
    try:
        run_state_machine_as_test(
            RoomMachine,
            settings=settings(
                max_examples=RUNS,
                stateful_step_count=STEPS,
                deadline=None,
                suppress_health_check=list(HealthCheck),
            ),
        )
    finally:
        CLUSTER = None
    assert RoomMachine.checks > 0, "the machine never ran"
