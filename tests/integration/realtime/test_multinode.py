"""Two nodes sharing Redis: one room, clients on both, one order, one authority.

Both apps run in this process with their own Socket.IO server, cluster
connections and node id, over one database and one Redis: what a teacher does
on node A reaches a pupil on node B, in the same ``seq`` order as on A, and a
removal closes the pupil's socket on B.
"""

from __future__ import annotations

import asyncio
import shutil
import uuid
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import pytest

from client_sdk import ConnectRefused, RealtimeClient
from protocol.api.grants import Grants, RoomRole
from protocol.events.chat import ChatMessagePosted, SendChat
from protocol.events.lobby import AdmitFromLobby, LobbyKnocked
from protocol.events.models import JoinStatus, LobbyMode, RoomSnapshot
from protocol.events.rooms import (
    BanParticipant,
    KickParticipant,
    ParticipantJoined,
    ParticipantLeft,
    ParticipantRemoved,
    SetLobbyMode,
    TeacherAbsentChanged,
)
from server.app import build_app
from server.config import Settings
from tests.fakes.clock import FakeClock
from tests.integration.realtime.live import Live, RecordingClient, forget_namespace, until
from tests.integration.realtime.test_resume import visible_seqs
from tests.services import require_redis
from tests.support import World
from tests.unit.rooms.fakes import FakeDirectory

pytestmark = pytest.mark.redis


REJOIN_BOUND_S = 15.0
"""Well under a shutdown timeout, which is what a socket not let go would wait."""


@pytest.fixture
async def nodes(
    aiohttp_client: Callable[..., Any],
    make_settings: Callable[..., Settings],
    tmp_path: Path,
    realtime_template: Path,
    clock: FakeClock,
    directory: FakeDirectory,
) -> AsyncIterator[tuple[Live, Live]]:
    """Node A and node B: the same room served by two apps sharing Redis."""
    url = require_redis()
    namespace = f"jumelage-test:{uuid.uuid4().hex}"
    path = tmp_path / "shared.sqlite3"
    shutil.copyfile(realtime_template, path)
    apps = []
    for name in ("node-a", "node-b"):
        settings = make_settings(
            node_id=f"{name}-{tmp_path.name}",
            database={"url": f"sqlite+aiosqlite:///{path}", "migrate_on_start": False},
            redis={"url": url, "namespace": namespace},
            rooms={"state_ttl_s": 3600},
        )
        apps.append(
            await aiohttp_client(build_app(settings, clock=clock, room_directory=directory))
        )
    from server.services import SERVICES_KEY

    a = Live(
        http=apps[0], world=World(apps[0].app[SERVICES_KEY], apps[0], clock), directory=directory
    )
    b = a.on(apps[1])
    yield a, b
    await a.close()
    await b.close()
    await forget_namespace(url, namespace)


async def test_events_cross_nodes_in_one_order(nodes: tuple[Live, Live]) -> None:
    a, b = nodes
    teacher = await a.teacher()
    host = await a.join(teacher)
    kid = await b.join(await a.pupil(teacher))
    assert (await host.next(ParticipantJoined)).participant.participant_id == kid.participant_id
    for n in range(5):
        a.world.clock.advance(1)
        await (kid if n % 2 else host).send(SendChat(text=f"message {n}"))
    await host.next(ChatMessagePosted, where=lambda e: e.text == "message 4")
    await kid.next(ChatMessagePosted, where=lambda e: e.text == "message 4")
    start = next(e.seq for e in kid.record if isinstance(e, RoomSnapshot))
    assert host.seqs(start) == kid.seqs(start)
    assert host.seqs(start) == sorted(set(host.seqs(start)))


async def test_a_kick_on_node_a_closes_the_pupils_socket_on_node_b(
    nodes: tuple[Live, Live],
) -> None:
    a, b = nodes
    teacher = await a.teacher()
    host = await a.join(teacher)
    pupil = await a.pupil(teacher)
    kid = await b.join(pupil)
    bystander = await b.join(await a.pupil(teacher))
    await host.send(KickParticipant(participant_id=str(kid.participant_id)))
    assert (await kid.next(ParticipantRemoved)).reason == "kicked"
    await until(lambda: not kid.connected)
    a.world.clock.advance(1)
    await host.send(SendChat(text="after the kick"))
    await bystander.next(ChatMessagePosted, where=lambda e: e.text == "after the kick")
    assert not any(
        isinstance(e, ChatMessagePosted) and e.text == "after the kick" for e in kid.record
    )


async def test_a_ban_on_one_node_holds_on_the_other(nodes: tuple[Live, Live]) -> None:
    a, b = nodes
    teacher = await a.teacher()
    host = await a.join(teacher)
    pupil = await a.pupil(teacher)
    kid = await b.join(pupil)
    await host.send(BanParticipant(participant_id=str(kid.participant_id)))
    await until(lambda: not kid.connected)
    for node in (a, b):
        again = RealtimeClient(node.url, await node.token(pupil), reconnect=False)
        with pytest.raises(ConnectRefused) as refused:
            await again.connect()
        assert refused.value.code == "banned"
        await again.close()


async def test_the_lobby_works_across_nodes(nodes: tuple[Live, Live]) -> None:
    a, b = nodes
    teacher = await a.teacher()
    host = await a.join(teacher)
    await host.send(SetLobbyMode(mode=LobbyMode.EVERYONE))
    kid = await b.join(await a.pupil(teacher))
    assert kid.status is JoinStatus.WAITING
    knocked = await host.next(LobbyKnocked)
    await host.send(AdmitFromLobby(user_ids=[knocked.entry.user_id]))
    await until(lambda: kid.status is JoinStatus.JOINED)


async def test_the_failsafe_fires_once_when_both_nodes_tick(nodes: tuple[Live, Live]) -> None:
    a, b = nodes
    teacher = await a.teacher()
    host = await a.join(teacher)
    kid = await b.join(await a.pupil(teacher))
    await host.close()
    await kid.next(ParticipantLeft)
    a.world.clock.advance(a.services.settings.rooms.teacher_absent_grace_s)
    fired = await asyncio.gather(
        a.services.rooms.timers.tick_due(), b.services.rooms.timers.tick_due()
    )
    assert sum(fired) == 1
    assert (await kid.next(TeacherAbsentChanged)).teacher_absent is True
    a.world.clock.advance(1)
    await asyncio.gather(a.services.rooms.timers.tick_due(), b.services.rooms.timers.tick_due())
    await a.join(teacher)
    assert (await kid.next(TeacherAbsentChanged)).teacher_absent is False
    changes = [e for e in kid.record if isinstance(e, TeacherAbsentChanged)]
    assert [c.teacher_absent for c in changes] == [True, False]


async def test_participants_of_a_node_that_stopped_beating_are_shown_gone(
    nodes: tuple[Live, Live],
) -> None:
    a, b = nodes
    teacher = await a.teacher()
    host = await a.join(teacher)
    kid = await b.join(await a.pupil(teacher))
    ghost = await a.pupil(teacher)
    # A participant whose node crashed: it joined through a node that never beats again.
    ticket = await a.services.rooms.admission.admit(
        user_id=ghost.user_id,
        kind=ghost.principal.kind,
        room_id=a.room,
        role=RoomRole.PUPIL,
        grants=Grants(may_chat=True),
    )
    await a.services.rooms.sessions.join(ticket, conn_id="lost-conn", node_id="crashed-node")
    joined = await host.next(
        ParticipantJoined, where=lambda e: e.participant.user_id == ghost.user_id
    )
    a.world.clock.advance(a.services.settings.rooms.presence_check_s)
    await asyncio.gather(a.services.rooms.timers.tick_due(), b.services.rooms.timers.tick_due())
    left = await kid.next(
        ParticipantLeft, where=lambda e: e.participant_id == joined.participant.participant_id
    )
    assert left.reason == "disconnected"
    view = await a.services.rooms.kernel.view(a.room)
    assert {p.participant_id for p in view.present()} == {host.participant_id, kid.participant_id}


async def test_a_node_that_stops_lets_its_clients_go_and_they_resume_on_the_other(
    nodes: tuple[Live, Live],
) -> None:
    # A deploy: node B stops (SIGTERM runs the same shutdown). Its clients
    # must take that for a lost connection, not for a final disconnect.
    a, b = nodes
    teacher = await a.teacher()
    host = await a.join(teacher)
    pupil = await a.pupil(teacher)
    route = [b.url]
    kid = RecordingClient(
        lambda: route[-1],
        a.token_source(pupil),
        timeout_s=5,
        reconnect_delay_s=0.05,
        reconnect_delay_max_s=0.2,
    )
    a.clients.append(kid)
    await kid.connect()
    start = (await kid.next(RoomSnapshot)).seq
    a.world.clock.advance(2)
    await host.send(SendChat(text="before"))
    await kid.next(ChatMessagePosted, where=lambda e: e.text == "before")

    route.append(a.url)
    stopping = asyncio.create_task(b.http.close())
    a.world.clock.advance(2)
    await host.send(SendChat(text="while B stops"))
    # At once: not after B's shutdown timeout (30 s; aiohttp's own default
    # is 60), kept on a node going away. The bound leaves room for a loaded
    # host: both nodes share one SQLite file and one event loop here.
    await until(lambda: kid.joins == 2 and kid.connected, timeout_s=REJOIN_BOUND_S)
    await stopping
    a.world.clock.advance(2)
    await host.send(SendChat(text="after"))
    await kid.next(ChatMessagePosted, where=lambda e: e.text == "after")

    assert kid.closed_reason is None
    assert kid.seqs(start) == await visible_seqs(a, kid, start)
    texts = [e.text for e in kid.record if isinstance(e, ChatMessagePosted)]
    assert texts == ["before", "while B stops", "after"]
