"""``Live``: the real app on a real port, a project with a meeting, and SDK clients.

The app is ``build_app(settings)`` with a ``FakeDirectory`` for projects and
meetings (the community's projects are tested elsewhere); accounts are real
(``tests.support.World``) and join tokens come from the HTTP endpoint, as a
signed-in member gets them. Clients are ``client_sdk.RealtimeClient``, so the
SDK is tested as schools will use it.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

from aiohttp.test_utils import TestClient

from client_sdk import RealtimeClient
from client_sdk.realtime import Delivered
from protocol.api.grants import RoomRole
from protocol.events.base import ServerEvent
from protocol.ids import ProjectId, RoomId, UserId, new_id
from rooms import MeetingRef, MemberRole
from server.realtime.runtime import REALTIME_KEY, Realtime
from server.services import Services
from tests.support import Actor, World
from tests.unit.rooms.fakes import FakeDirectory

CLIENT_TIMEOUT_S = 5.0


class RecordingClient(RealtimeClient):
    """The SDK client, keeping a record of everything it delivered, in order."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.record: list[Delivered] = []

    def _deliver(self, items: list[Delivered]) -> None:
        self.record.extend(items)
        super()._deliver(items)

    def seqs(self, after: int = 0) -> list[int]:
        """The ``seq`` of every sequenced event delivered, in delivery order."""
        return [
            e.seq
            for e in self.record
            if isinstance(e, ServerEvent) and e.seq is not None and e.seq > after
        ]


def base_url(http: TestClient[Any, Any]) -> str:
    """Where a test app serves (its clients' URL)."""
    return str(http.make_url("")).rstrip("/")


async def mint_join_token(services: Services, actor: Actor, room: RoomId, role: RoomRole) -> str:
    """A join token signed directly, as a school's tool mints it (no access token
    and no membership check: the connection's admission checks)."""
    from community import cap_grants
    from server.realtime.accounts import AccountEpochs

    epoch = await AccountEpochs(services.db).current(UserId(actor.user_id))
    assert epoch is not None
    token, _ = services.accounts.signer.issue_join(
        user_id=actor.user_id,
        room_id=room,
        role=role,
        grants=cap_grants(role, None),
        epoch=epoch,
        ttl_s=600,
        minted_by="api_key:test",
    )
    return token


@dataclass
class Live:
    """One app, one project with one meeting, and helpers to join it."""

    http: TestClient[Any, Any]
    world: World
    directory: FakeDirectory
    project: ProjectId = field(default_factory=lambda: ProjectId(new_id()))
    meeting: MeetingRef | None = None
    clients: list[RecordingClient] = field(default_factory=list)

    def __post_init__(self) -> None:
        if self.meeting is None:
            self.meeting = self.directory.add_meeting(self.project)

    def moved_to(self, meeting: MeetingRef) -> Live:
        """The same node, for another meeting (with clients of its own)."""
        return Live(
            http=self.http, world=self.world, directory=self.directory,
            project=meeting.project_id, meeting=meeting,
        )  # fmt: skip

    def on(self, http: TestClient[Any, Any]) -> Live:
        """The same project and meeting, served by another node."""
        from server.services import SERVICES_KEY

        world = World(http.app[SERVICES_KEY], http, self.world.clock)
        return Live(
            http=http, world=world, directory=self.directory, project=self.project,
            meeting=self.meeting,
        )  # fmt: skip

    @property
    def room(self) -> RoomId:
        assert self.meeting is not None
        return self.meeting.room_id

    @property
    def services(self) -> Services:
        return self.world.services

    @property
    def realtime(self) -> Realtime:
        realtime: Realtime = self.http.app[REALTIME_KEY]
        return realtime

    @property
    def url(self) -> str:
        return base_url(self.http)

    async def member(self, actor: Actor, role: MemberRole) -> Actor:
        self.directory.add_member(
            self.project,
            actor.user_id,
            role,
            school_id=actor.school_id,
            display_name=f"{role.value}-{actor.user_id[:6]}",
        )
        return actor

    async def teacher(self, school_admin: bool = False) -> Actor:
        return await self.member(await self.world.teacher(), MemberRole.ADMIN)

    async def pupil(self, teacher: Actor) -> Actor:
        return await self.member(await self.world.pupil(teacher), MemberRole.PUPIL)

    async def token(self, actor: Actor, room: RoomId | None = None) -> str:
        response = await self.http.post(
            f"/api/v1/rooms/{room or self.room}/join-token", headers=actor.headers
        )
        assert response.status == 201, await response.text()
        return str((await response.json())["join_token"])

    def token_source(self, actor: Actor) -> Callable[[], Awaitable[str]]:
        async def fresh() -> str:
            return await self.token(actor)

        return fresh

    def minted_token_source(self, actor: Actor, role: RoomRole) -> Callable[[], Awaitable[str]]:
        """Join tokens signed directly (as a school's tool would mint them):
        no access token involved, so fake time may run for hours."""

        async def fresh() -> str:
            return await mint_join_token(self.services, actor, self.room, role)

        return fresh

    def client(self, actor: Actor, **options: Any) -> RecordingClient:
        token = options.pop("token", None) or self.token_source(actor)
        client = RecordingClient(
            self.url,
            token,
            timeout_s=CLIENT_TIMEOUT_S,
            reconnect_delay_s=options.pop("reconnect_delay_s", 0.05),
            reconnect_delay_max_s=options.pop("reconnect_delay_max_s", 0.2),
            **options,
        )
        self.clients.append(client)
        return client

    async def join(self, actor: Actor, **options: Any) -> RecordingClient:
        client = self.client(actor, **options)
        await client.connect()
        return client

    async def close(self) -> None:
        await asyncio.gather(*(c.close() for c in self.clients), return_exceptions=True)


async def until(condition: Callable[[], bool], timeout_s: float = CLIENT_TIMEOUT_S) -> None:
    """Wait (briefly, bounded) for something the network delivers."""
    async with asyncio.timeout(timeout_s):
        while not condition():  # noqa: ASYNC110 - polling a plain attribute
            await asyncio.sleep(0.01)


async def drop(client: RealtimeClient) -> None:
    """Cut a client's connection as a network failure would (it may reconnect)."""
    transport = client._sio.eio.ws
    assert transport is not None, "not connected"
    await transport.close()


@asynccontextmanager
async def open_live(
    aiohttp_client: Callable[..., Any],
    settings: Any,
    clock: Any,
    directory: FakeDirectory,
) -> AsyncIterator[Live]:
    """The real app on a port, with ``directory`` for projects, as a ``Live``."""
    from server.app import build_app
    from server.services import SERVICES_KEY

    http: TestClient[Any, Any] = await aiohttp_client(
        build_app(settings, clock=clock, room_directory=directory)
    )
    live = Live(http=http, world=World(http.app[SERVICES_KEY], http, clock), directory=directory)
    try:
        yield live
    finally:
        await live.close()


async def forget_namespace(url: str, namespace: str) -> None:
    """Delete a test's Redis keys (its nodes shared ``namespace``)."""
    from cluster.redis import RedisKeys, open_client

    client = open_client(url)
    try:
        keys = [
            key async for key in client.scan_iter(match=RedisKeys(namespace).all_keys_pattern())
        ]
        if keys:
            await client.delete(*keys)
    finally:
        await client.aclose()
