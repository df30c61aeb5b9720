"""``Rooms``: live rooms wired with in-process state, a fake clock and a real database.

Unit tests of ``rooms`` build one per test: the services exactly as the
server builds them, over ``InMemoryRooms``, an SQLite file and a
``FakeDirectory``. People are users rows (attendance and bans reference
users) plus project memberships; ``join`` admits and joins them as the
server would. ``events()`` returns the events appended since the last call,
decoded, as every node's feed delivers them.
"""

from __future__ import annotations

import asyncio
import itertools
import json
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from cluster.feed import FeedQueue
from cluster.memory_rooms import InMemoryRooms
from protocol.api.accounts import AccountKind, AccountStatus
from protocol.api.grants import Grants, RoomRole
from protocol.ids import ProjectId, RoomId, SchoolId, UserId, new_id
from rooms import (
    JoinOutcome,
    MeetingRef,
    Member,
    MemberRole,
    RoomActor,
    RoomServices,
    RoomSettings,
    build_room_services,
)
from rooms.policy import TOKEN_ROLE_OF_MEMBER
from storage import Database, upgrade
from storage.tables.accounts import User
from tests.fakes.clock import FakeClock
from tests.unit.rooms.fakes import FakeDirectory

SCHOOL_A = SchoolId("school-a")
SCHOOL_B = SchoolId("school-b")
ALL_GRANTS = Grants(
    may_publish=True, may_screen=True, may_draw=True, may_chat=True, may_moderate=True
)


@dataclass(frozen=True)
class Person:
    user_id: UserId
    kind: AccountKind
    member: Member


@dataclass
class Seen:
    """An event as a client receives it."""

    name: str
    audience: str
    data: dict[str, Any]
    effects: list[dict[str, Any]] = field(default_factory=list)


class Rooms:
    """Live rooms for one test (see the module docstring)."""

    def __init__(
        self,
        db: Database,
        clock: FakeClock,
        settings: RoomSettings | None = None,
        liveness: Any = None,
    ) -> None:
        self.db = db
        self.clock = clock
        self.store = InMemoryRooms(log_capacity=50)
        self.directory = FakeDirectory()
        self.settings = settings or RoomSettings()
        self.services: RoomServices = build_room_services(
            db=db,
            state=self.store,
            log=self.store,
            clock=clock,
            directory=self.directory,
            settings=self.settings,
            liveness=liveness,
        )
        self.project = ProjectId(new_id())
        self.meeting: MeetingRef = self.directory.add_meeting(self.project)
        self._feed: FeedQueue | None = None
        self._names = itertools.count(1)

    @property
    def room(self) -> RoomId:
        return self.meeting.room_id

    async def start(self) -> None:
        self._feed = self.store.subscribe()
        await self._feed.__aenter__()

    async def close(self) -> None:
        if self._feed is not None:
            await self._feed.__aexit__(None, None, None)
        self.store.close()

    # -- people ------------------------------------------------------------

    async def person(
        self,
        role: MemberRole,
        *,
        school: SchoolId = SCHOOL_A,
        project: ProjectId | None = None,
    ) -> Person:
        kind = AccountKind.PUPIL if role is MemberRole.PUPIL else AccountKind.TEACHER
        user_id = UserId(new_id())
        now = datetime.now(UTC)
        async with self.db.transaction("test.user") as uow:
            uow.session.add(
                User(
                    id=user_id,
                    kind=kind.value,
                    status=AccountStatus.ACTIVE.value,
                    token_epoch=0,
                    created_at=now,
                    updated_at=now,
                )
            )
        member = self.directory.add_member(
            project or self.project,
            user_id,
            role,
            school_id=school,
            display_name=f"{role.value} {next(self._names)}",
        )
        return Person(user_id=user_id, kind=kind, member=member)

    async def teacher(self, school: SchoolId = SCHOOL_A) -> Person:
        return await self.person(MemberRole.ADMIN, school=school)

    async def pupil(self, school: SchoolId = SCHOOL_A) -> Person:
        return await self.person(MemberRole.PUPIL, school=school)

    # -- joining -----------------------------------------------------------

    async def knock(
        self,
        person: Person,
        *,
        role: RoomRole | None = None,
        room: RoomId | None = None,
        node: str = "node-a",
    ) -> tuple[JoinOutcome, str]:
        """Admit and join; returns the outcome and the connection id."""
        chosen = role or TOKEN_ROLE_OF_MEMBER[person.member.role]
        ticket = await self.services.admission.admit(
            user_id=person.user_id,
            kind=person.kind,
            room_id=room or self.room,
            role=chosen,
            grants=ALL_GRANTS,
        )
        conn_id = new_id()
        return await self.services.sessions.join(ticket, conn_id=conn_id, node_id=node), conn_id

    async def join(
        self, person: Person, *, role: RoomRole | None = None, node: str = "node-a"
    ) -> RoomActor:
        """Join, and insist on being in (not waiting)."""
        outcome, conn_id = await self.knock(person, role=role, node=node)
        assert outcome.participant is not None, f"waiting: {outcome.lobby_reason}"
        return RoomActor(
            room_id=self.room,
            user_id=person.user_id,
            participant_id=outcome.participant.participant_id,
            conn_id=conn_id,
        )

    # -- observing ---------------------------------------------------------

    def events(self) -> list[Seen]:
        """The events appended since the last call, in order."""
        assert self._feed is not None, "call start() first"
        seen = []
        while self._feed._buffer:
            logged = self._feed._buffer.popleft()
            seen.append(
                Seen(
                    name=logged.name,
                    audience=logged.audience,
                    data=json.loads(logged.payload),
                    effects=json.loads(logged.effects) if logged.effects else [],
                )
            )
        return seen

    def names(self) -> list[str]:
        return [e.name for e in self.events()]

    async def version(self) -> int:
        return (await self.store.load(self.room)).version

    async def participant(self, actor: RoomActor) -> Any:
        view = await self.services.kernel.view(self.room)
        return view.participant(actor.participant_id)


def migrate_template(path: Path) -> Path:
    """Create an SQLite file at the schema's head (to copy into each test).

    Runs its own event loop in a thread, since a session fixture may first be
    needed from inside a running loop.
    """

    async def migrate() -> None:
        database = Database(f"sqlite+aiosqlite:///{path}")
        await upgrade(database)
        await database.close()

    with ThreadPoolExecutor(max_workers=1) as pool:
        pool.submit(asyncio.run, migrate()).result()
    return path
