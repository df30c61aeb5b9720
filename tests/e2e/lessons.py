"""Lessons for the end-to-end suites: arranged through the domain, used over HTTP.

``Arranger`` opens the domain services in the test process against the
deployment's database (with an in-process cluster: arranging needs no other
node), as ``bench/fanout/jumelage_setup.py`` does for a separate server: a
platform admin validates two teachers of partner schools in two countries,
they become contacts and found a project, the host creates pupils and adds
them, schedules a meeting whose roster is some of the pupils (the others are
members who must knock), and creates a school API key.

``Api`` is what the people then do over HTTP against the running nodes: a
signed-in member asks a node for a join token, a school's tool mints one
with its API key, a teacher disables a pupil or reads the attendance.
``Clients`` opens ``client_sdk`` clients (recording what they deliver) and
closes them all when the test ends.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any, TypeVar, cast

import aiohttp

from client_sdk import CommandFailed, RealtimeClient
from community.clock import utc_now
from community.integrations import SCOPE_JOIN_TOKENS
from community.projects.fields import ProjectForm
from community.projects.meetings import MeetingPlan
from protocol import new_id
from protocol.api.spaces import MeetingAudience
from protocol.events.chat import ChatAccepted, ChatMessagePosted, SendChat
from protocol.ids import RoomId
from server.services import Services
from tests.e2e.processes import Deployment, ServerNode
from tests.e2e.waiting import WAIT_S, eventually
from tests.fakes.clock import FakeClock
from tests.integration.realtime.live import RecordingClient
from tests.support import Actor, World

HTTP_TIMEOUT_S = WAIT_S
CLIENT_TIMEOUT_S = WAIT_S
UrlSource = str | Callable[[], str]
TokenSource = Callable[[], Awaitable[str]]
E = TypeVar("E")
Person = Actor
"""A signed-in account (``user_id``, ``headers`` for the HTTP API)."""


@dataclass(frozen=True)
class Lesson:
    """One project's live room, and the people of the project."""

    room_id: RoomId
    host: Person
    """The teacher admin who hosts (and created the pupils)."""
    pupils: tuple[Person, ...]
    """On the meeting's roster."""
    outsiders: tuple[Person, ...]
    """Members of the project, but not on the meeting's roster: they wait in the lobby."""
    api_key: str
    """The host school's key for minting join tokens (``jmlg_...``)."""
    more_rooms: tuple[RoomId, ...] = ()
    """The rooms of the project's further meetings (same roster)."""


class Arranger:
    """Builds lessons through the domain services (``tests.support.World``).

    Args:
        services: The domain services, on the deployment's database.
    """

    def __init__(self, services: Services) -> None:
        self._s = services
        # World signs people in through the services alone; its HTTP client
        # and fake clock are not used here (meetings take the real clock).
        self._world = World(services, cast(Any, None), FakeClock())

    async def lesson(self, *, pupils: int, outsiders: int = 0, meetings: int = 1) -> Lesson:
        """A project of two partner schools with scheduled meetings.

        Args:
            pupils: Pupils on the meetings' roster.
            outsiders: Pupils of the project who are not on the roster.
            meetings: How many meetings (each its own room, same roster).
        """
        world = self._world
        host = await world.teacher(country="FR", school_admin=True)
        partner = await world.teacher(country="DE", school_admin=True)
        contacts = self._s.network.contacts
        await contacts.request(host.principal, partner.user_id)
        await contacts.accept(partner.principal, host.user_id)
        projects = self._s.projects
        project = await projects.projects.found(
            host.principal,
            ProjectForm(title="E2E lesson", description="Two nodes", languages=["en"]),
            co_founder_ids=[partner.user_id],
        )
        (invitation,) = [
            i
            for i in await projects.invitations.list_mine(partner.principal)
            if i.project_id == project.id
        ]
        await projects.invitations.accept(partner.principal, invitation.id)
        people = await world.pupils(host, pupils + outsiders, class_label="7A")
        await projects.members.add_pupils(host.principal, project.id, [p.user_id for p in people])
        now = utc_now(self._s.cluster.clock)
        rooms = []
        for number in range(meetings):
            seen = await projects.meetings.schedule(
                host.principal,
                project.id,
                MeetingPlan(
                    title=f"Live lesson {number + 1}",
                    starts_at=now + timedelta(minutes=1),
                    ends_at=now + timedelta(hours=2),
                    audience=MeetingAudience.CHOSEN,
                    invited_user_ids=[p.user_id for p in people[:pupils]],
                ),
            )
            rooms.append(seen.meetings[0].room_id)
        assert host.principal.school_id is not None
        key = await self._s.accounts.integrations.create_key(
            host.principal,
            host.principal.school_id,
            name=f"e2e-{new_id()[:6]}",
            scopes=frozenset({SCOPE_JOIN_TOKENS}),
        )
        return Lesson(
            room_id=rooms[0],
            host=host,
            pupils=tuple(people[:pupils]),
            outsiders=tuple(people[pupils:]),
            api_key=key.secret_key,
            more_rooms=tuple(rooms[1:]),
        )


class Api:
    """The HTTP API of the nodes, as people and schools' tools call it.

    Args:
        http: A client session (closed by its owner).
    """

    def __init__(self, http: aiohttp.ClientSession) -> None:
        self._http = http

    async def call(
        self, method: str, url: str, *, headers: dict[str, str], body: Any = None
    ) -> tuple[int, Any]:
        """Status and JSON body (None when there is none)."""
        async with self._http.request(
            method, url, headers=headers, json=body, timeout=aiohttp.ClientTimeout(HTTP_TIMEOUT_S)
        ) as reply:
            data = await reply.json(content_type=None) if reply.content_length != 0 else None
            return reply.status, data

    async def join_token(self, node: str, person: Person, room_id: RoomId) -> str:
        """A signed-in member's join token, from ``node``."""
        status, data = await self.call(
            "POST", f"{node}/api/v1/rooms/{room_id}/join-token", headers=person.headers
        )
        assert status == 201, (status, data)
        return str(data["join_token"])

    async def minted_token(self, node: str, lesson: Lesson, person: Person) -> str:
        """A join token minted by the school's tool with its API key."""
        status, data = await self.call(
            "POST",
            f"{node}/api/v1/integrations/join-tokens",
            headers={"Authorization": f"Bearer {lesson.api_key}"},
            body={"user_id": person.user_id, "room_id": lesson.room_id},
        )
        assert status == 201, (status, data)
        return str(data["join_token"])

    def token_source(self, node: str, person: Person, room_id: RoomId) -> TokenSource:
        """Fresh join tokens from ``node`` at every (re)connect; the last one
        again when the node refuses (a revoked account), so that the refusal
        comes from the realtime server, as it would for a school's stale token."""
        last: list[str] = []

        async def fresh() -> str:
            try:
                last[:] = [await self.join_token(node, person, room_id)]
            except (AssertionError, aiohttp.ClientError, TimeoutError):
                if not last:
                    raise
            return last[0]

        return fresh


@dataclass
class Classroom:
    """One lesson on a deployment: people join it on the node of the test's choice.

    Join tokens always come from node ``a`` (a school's tool or the web page
    asks whichever node its load balancer picks; ``a`` stays up in every test).
    """

    lesson: Lesson
    deployment: Deployment
    api: Api
    clients: Clients

    @property
    def token_node(self) -> str:
        return self.deployment.a.url

    def member(
        self, person: Person, url: UrlSource, *, room: RoomId | None = None, **options: Any
    ) -> RecordingClient:
        """A roster member's client of the lesson's room (or ``room``), not connected yet."""
        tokens = self.api.token_source(self.token_node, person, room or self.lesson.room_id)
        return self.clients.new(url, tokens, **options)

    async def join(
        self, person: Person, node: ServerNode, *, room: RoomId | None = None, **options: Any
    ) -> RecordingClient:
        """A roster member (or the host) connected and joined on ``node``."""
        client = self.member(person, node.url, room=room, **options)
        await client.connect()
        return client

    async def knock(self, outsider: Person, node: ServerNode, **options: Any) -> RecordingClient:
        """Someone off the roster, with a token from the school's tool, on ``node``."""

        async def minted() -> str:
            return await self.api.minted_token(self.token_node, self.lesson, outsider)

        return await self.clients.join(node.url, minted, **options)


@dataclass
class Clients:
    """SDK clients of one test, all closed when it ends."""

    opened: list[RecordingClient] = field(default_factory=list)

    def new(self, url: UrlSource, token: TokenSource, **options: Any) -> RecordingClient:
        options.setdefault("reconnect_delay_s", 0.1)
        options.setdefault("reconnect_delay_max_s", 0.5)
        client = RecordingClient(url, token, timeout_s=CLIENT_TIMEOUT_S, **options)
        self.opened.append(client)
        return client

    async def join(self, url: UrlSource, token: TokenSource, **options: Any) -> RecordingClient:
        client = self.new(url, token, **options)
        await client.connect()
        return client

    async def close(self) -> None:
        async with asyncio.timeout(30):
            await asyncio.gather(*(c.close() for c in self.opened), return_exceptions=True)


async def say(client: RealtimeClient, text: str) -> ChatAccepted:
    """Send a chat message, waiting out the chat rate limit as a polite client
    does (the limit's refusal says how long to wait)."""
    async with asyncio.timeout(CLIENT_TIMEOUT_S):
        while True:
            try:
                accepted: ChatAccepted = await client.send(SendChat(text=text))
                return accepted
            except CommandFailed as failed:
                if not _too_fast(failed):
                    raise
                await asyncio.sleep(float(failed.details.get("retry_after_s") or 0.5))


def _too_fast(failed: CommandFailed) -> bool:
    # The room's own limit, or the moderation pipeline's rejection for the same reason.
    return failed.code == "rate_limited" or (
        failed.code == "message_rejected" and failed.details.get("reason") == "rate_limited"
    )


def chats(client: RecordingClient) -> list[ChatMessagePosted]:
    """The chat messages a client delivered, in delivery order."""
    return [e for e in client.record if isinstance(e, ChatMessagePosted)]


def heard(client: RecordingClient, message_id: str) -> bool:
    """Whether a client delivered a chat message."""
    return any(m.message_id == message_id for m in chats(client))


OpenClass = Callable[..., Awaitable[Classroom]]
"""The ``open_class`` fixture: ``await open_class(pupils=..., outsiders=..., meetings=...)``."""


def fixed_token(token: str) -> TokenSource:
    """The same join token at every (re)connect (a client that keeps its token)."""

    async def same() -> str:
        return token

    return same


def delivered(client: RecordingClient, kind: type[E], where: Callable[[E], bool]) -> list[E]:
    """The events of ``kind`` a client delivered that match ``where``, in order."""
    return [e for e in client.record if isinstance(e, kind) and where(e)]


async def received(
    client: RecordingClient,
    kind: type[E],
    where: Callable[[E], bool] = lambda _: True,
    timeout_s: float = WAIT_S,
) -> E:
    """The first matching event the client delivered, waiting (bounded) for it.

    Reads the client's record, so the order in which a test waits for events
    does not matter (unlike ``RealtimeClient.next``, which consumes them).
    """
    await eventually(
        f"{kind.__name__} at {client.participant_id}",
        lambda: bool(delivered(client, kind, where)),
        timeout_s,
    )
    return delivered(client, kind, where)[0]


async def everyone_has(clients: list[RecordingClient], sent: list[ChatAccepted]) -> None:
    """Wait until every client delivered every message, then check: each once,
    in the order of their ``seq``, and no sequenced event twice."""
    wanted = [(ack.message_id, ack.seq) for ack in sent]
    ids = {m for m, _ in wanted}
    await eventually(
        f"{len(ids)} chat messages at each of {len(clients)} clients",
        lambda: all({m.message_id for m in chats(c)} >= ids for c in clients),
    )
    for client in clients:
        assert [(m.message_id, m.seq) for m in chats(client)] == wanted, client.participant_id
        assert client.seqs() == sorted(set(client.seqs())), "a sequenced event shown twice"
