"""A connection's admission against the community's real projects and meetings.

The other realtime tests use a ``FakeDirectory``; here the app runs with the
community's directory, whose projects live in the same database, so that each
connection is admitted by one read of the account, the room, the membership
and the ban together (``Admission.read``, storage ``find_entry``). Nothing of
it is cached between connections, so whatever changes in between holds for
the very next connection: a revoked token, a removed member, a ban, on the
node where it happened and on another node sharing the database and Redis.
Both engines (``database_url``).
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from client_sdk import ConnectRefused, RealtimeClient
from community import MeetingPlan
from community.clock import utc_now
from protocol.api.grants import RoomRole
from protocol.api.projects import SpaceRole
from protocol.api.spaces import MeetingAudience
from protocol.events.models import JoinStatus
from protocol.events.rooms import BanParticipant
from protocol.ids import ProjectId, RoomId, UserId
from server.app import build_app
from server.config import Settings
from server.services import SERVICES_KEY, Services
from tests.fakes.clock import FakeClock
from tests.integration.projects.conftest import found_active, join_as
from tests.integration.realtime.live import base_url, forget_namespace, mint_join_token, until
from tests.services import require_redis
from tests.support import Actor, World

CLIENT_TIMEOUT_S = 5.0


@dataclass
class Node:
    http: TestClient[Any, Any]

    @property
    def services(self) -> Services:
        services: Services = self.http.app[SERVICES_KEY]
        return services

    async def mint(self, actor: Actor, room_id: RoomId, role: RoomRole) -> str:
        return await mint_join_token(self.services, actor, room_id, role)

    async def connect(self, token: str) -> RealtimeClient:
        async def fixed() -> str:
            return token

        client = RealtimeClient(
            base_url(self.http), fixed, reconnect=False, timeout_s=CLIENT_TIMEOUT_S
        )
        try:
            await client.connect()
        except BaseException:
            await client.close()
            raise
        return client

    async def admitted(self, token: str) -> None:
        """Connect with ``token``, and leave."""
        client = await self.connect(token)
        assert client.connected
        await client.close()

    async def refused(self, token: str) -> str:
        """The code a connection with ``token`` is refused with."""
        with pytest.raises(ConnectRefused) as refused:
            client = await self.connect(token)
            await client.close()
        return refused.value.code


@dataclass
class Class:
    """An active project with a teacher, a pupil and one scheduled meeting."""

    world: World
    project_id: ProjectId
    founder: Actor
    teacher: Actor
    pupil: Actor
    other_pupil: Actor
    """A pupil of the project not invited to the ``chosen`` meeting."""
    room_id: RoomId
    chosen_room_id: RoomId
    """A meeting for chosen invitees: the founder and ``pupil``."""


async def arrange(world: World) -> Class:
    founder = await world.teacher(country="FR")
    co_founder = await world.teacher(country="DE")
    project_id = await found_active(world, founder, co_founder)
    teacher = await world.teacher(country="IT")
    await join_as(world, project_id, founder, teacher, SpaceRole.TEACHER)
    pupil, other = await world.pupils(founder, 2)
    projects = world.services.projects
    await projects.members.add_pupils(founder.principal, project_id, [pupil.user_id, other.user_id])
    start = utc_now(world.clock) + timedelta(hours=1)

    async def meeting(audience: MeetingAudience, invited: list[UserId]) -> RoomId:
        plan = MeetingPlan("Live", start, start + timedelta(hours=1), audience, invited)
        seen = await projects.meetings.schedule(founder.principal, project_id, plan)
        return RoomId(seen.meetings[0].room_id)

    return Class(
        world=world,
        project_id=project_id,
        founder=founder,
        teacher=teacher,
        pupil=pupil,
        other_pupil=other,
        room_id=await meeting(MeetingAudience.ALL_MEMBERS, []),
        chosen_room_id=await meeting(MeetingAudience.CHOSEN, [pupil.user_id]),
    )


@pytest.fixture
async def nodes(
    aiohttp_client: Callable[..., Any],
    make_settings: Callable[..., Settings],
    database_url: str,
    clock: FakeClock,
    tmp_path: Any,
) -> AsyncIterator[tuple[Node, Node, Class]]:
    """Two apps on one database and one Redis, with the community's directory."""
    url = require_redis()
    namespace = f"jumelage-test:{uuid.uuid4().hex}"
    apps = []
    for name in ("node-a", "node-b"):
        settings = make_settings(
            node_id=f"{name}-{tmp_path.name}",
            database={"url": database_url, "migrate_on_start": False},
            redis={"url": url, "namespace": namespace},
        )
        apps.append(await aiohttp_client(build_app(settings, clock=clock)))
    a, b = Node(apps[0]), Node(apps[1])
    world = World(a.services, a.http, clock)
    yield a, b, await arrange(world)
    await forget_namespace(url, namespace)


async def test_one_read_admits_members_as_the_directory_does(
    nodes: tuple[Node, Node, Class],
) -> None:
    a, _, room = nodes
    # Pupils wait for a teacher: the hosts come first.
    host = await a.connect(await a.mint(room.founder, room.room_id, RoomRole.HOST))
    chosen_host = await a.connect(await a.mint(room.founder, room.chosen_room_id, RoomRole.HOST))
    assert host.status is chosen_host.status is JoinStatus.JOINED
    pupil = await a.connect(await a.mint(room.pupil, room.room_id, RoomRole.PUPIL))
    assert pupil.status is JoinStatus.JOINED
    # The chosen meeting: its invitee is on the roster, the other pupil knocks.
    invited = await a.connect(await a.mint(room.pupil, room.chosen_room_id, RoomRole.PUPIL))
    assert invited.status is JoinStatus.JOINED
    other = await a.connect(await a.mint(room.other_pupil, room.chosen_room_id, RoomRole.PUPIL))
    assert other.status is JoinStatus.WAITING
    for client in (pupil, invited, other, host, chosen_host):
        await client.close()


async def test_refusals_of_the_one_read(nodes: tuple[Node, Node, Class]) -> None:
    a, _, room = nodes
    world = room.world
    assert await a.refused(await a.mint(room.pupil, RoomId("no-such-room"), RoomRole.PUPIL)) == (
        "not_found"
    )
    assert await a.refused(await a.mint(room.pupil, room.room_id, RoomRole.HOST)) == "forbidden"
    outsider = await world.teacher(country="ES")
    assert await a.refused(await a.mint(outsider, room.room_id, RoomRole.HOST)) == "not_found"


async def test_an_adhoc_room_admits_the_projects_members(
    nodes: tuple[Node, Node, Class],
) -> None:
    a, _, room = nodes
    adhoc = await a.services.rooms.admission.open_adhoc(room.teacher.principal, room.project_id)
    host = await a.connect(await a.mint(room.teacher, adhoc.id, RoomRole.HOST))
    assert host.status is JoinStatus.JOINED
    # Its roster is the teachers: a pupil of the project knocks.
    pupil = await a.connect(await a.mint(room.pupil, adhoc.id, RoomRole.PUPIL))
    assert pupil.status is JoinStatus.WAITING
    outsider = await room.world.teacher(country="ES")
    assert await a.refused(await a.mint(outsider, adhoc.id, RoomRole.HOST)) == "not_found"
    await pupil.close()
    await host.close()


@dataclass
class Seen:
    """The pupil's token, once admitted by ``node``, where the test connects
    again after the change (always made on node A)."""

    a: Node
    node: Node
    room: Class
    token: str


@pytest.fixture(params=["same node", "other node"])
async def seen(request: pytest.FixtureRequest, nodes: tuple[Node, Node, Class]) -> Seen:
    a, b, room = nodes
    node = a if request.param == "same node" else b
    token = await a.mint(room.pupil, room.room_id, RoomRole.PUPIL)
    await node.admitted(token)
    return Seen(a=a, node=node, room=room, token=token)


async def test_a_revoked_token_is_refused_at_the_next_connect(seen: Seen) -> None:
    await seen.a.services.accounts.sessions.logout(seen.room.pupil.principal)
    assert await seen.node.refused(seen.token) == "token_revoked"


async def test_a_removed_member_is_refused_at_the_next_connect(seen: Seen) -> None:
    room = seen.room
    await seen.a.services.projects.members.remove(
        room.founder.principal, room.project_id, room.pupil.user_id
    )
    assert await seen.node.refused(seen.token) == "not_found"


async def test_a_banned_pupil_is_refused_at_the_next_connect(seen: Seen) -> None:
    a, room = seen.a, seen.room
    host = await a.connect(await a.mint(room.founder, room.room_id, RoomRole.HOST))
    kid = await seen.node.connect(seen.token)
    assert kid.status is JoinStatus.JOINED
    await host.send(BanParticipant(participant_id=str(kid.participant_id)))
    await until(lambda: not kid.connected)
    assert await seen.node.refused(seen.token) == "banned"
    fresh = await a.mint(room.pupil, room.room_id, RoomRole.PUPIL)
    assert await seen.node.refused(fresh) == "banned"
    await kid.close()
    await host.close()


async def test_on_sqlite_the_read_runs_in_the_event_loop(
    nodes: tuple[Node, Node, Class], monkeypatch: pytest.MonkeyPatch
) -> None:
    """On SQLite no async transaction (aiosqlite's thread) admits a connection;
    on PostgreSQL one named transaction does."""
    a, _, room = nodes
    db = a.services.db
    names: list[str] = []
    transaction = db.transaction

    def recording(name: str) -> Any:
        names.append(name)
        return transaction(name)

    monkeypatch.setattr(db, "transaction", recording)
    await a.admitted(await a.mint(room.pupil, room.room_id, RoomRole.PUPIL))
    assert names.count("rooms.entry") == (0 if db.dialect == "sqlite" else 1)
    assert "sessions.authenticate" not in names
