"""``ModeratedRooms``: the rooms' harness with moderation in the chat's seat.

The live rooms exactly as ``tests.unit.rooms.harness.Rooms`` builds them
(in-process state, a fake clock, a real SQLite file), but with the gates and
services of ``moderation.chat`` built the way the server builds them: the
chat's gate in ``build_room_services``, then the teachers' tools over those
rooms. ``seen_by`` replays the appended events through the audiences, so a
test can say what one participant's client received. ``store`` puts another
room store (``RedisRooms``) in place of the in-process one.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from cluster import RateLimiter
from cluster.memory import InMemoryRateLimiter
from community import Principal, ProjectDirectory
from moderation.chat import (
    ChatModeration,
    ChatModerationSettings,
    build_chat_moderation,
    build_moderation_gates,
)
from protocol.api.accounts import AccountKind, AccountStatus
from protocol.ids import SchoolId
from rooms import (
    EVERYONE,
    TEACHERS,
    RoomActor,
    RoomServices,
    build_room_services,
    group,
    person,
)
from storage import Database
from tests.contract.room_stores import Store
from tests.fakes.clock import FakeClock
from tests.unit.rooms.harness import Person, Rooms, Seen


@dataclass(frozen=True)
class Seat:
    """A participant on one connection, and who they are."""

    actor: RoomActor
    person: Person
    is_staff: bool

    @property
    def principal(self) -> Principal:
        kind = AccountKind.PUPIL if not self.is_staff else AccountKind.TEACHER
        status = AccountStatus.ACTIVE if not self.is_staff else AccountStatus.VALIDATED
        school = self.person.member.school_id or SchoolId("school-a")
        return Principal(self.person.user_id, kind, status, school, "FR")


class ModeratedRooms(Rooms):
    """Live rooms whose chat crosses moderation (see the module docstring)."""

    def __init__(
        self,
        db: Database,
        clock: FakeClock,
        settings: ChatModerationSettings | None = None,
        limiter: RateLimiter | None = None,
        store: Store | None = None,
    ) -> None:
        super().__init__(db, clock)
        self._own_store = store is None
        if store is not None:
            self.store = store  # type: ignore[assignment]  # the caller opens and closes it
        self.limiter = limiter or InMemoryRateLimiter(clock)
        self.moderation_settings = settings or ChatModerationSettings()
        directory = ProjectDirectory(db=db)
        self.gates = build_moderation_gates(
            db=db,
            limiter=self.limiter,
            directory=directory,
            clock=clock,
            settings=self.moderation_settings,
        )
        self.services = self.services_on(self.store)
        self.moderation: ChatModeration = build_chat_moderation(
            db=db,
            rooms=self.services,
            gates=self.gates,
            directory=directory,
            clock=clock,
            limiter=self.limiter,
            settings=self.moderation_settings,
        )
        self.log: list[Seen] = []

    def services_on(self, store: Store) -> RoomServices:
        """The rooms' services over ``store``: with another node's view of
        the same store, that node's services."""
        return build_room_services(
            db=self.db,
            state=store,
            log=store,
            clock=self.clock,
            directory=self.directory,
            settings=self.settings,
            gate=self.gates.chat,
        )

    async def close(self) -> None:
        await self.gates.close()  # the chat writer stores what is queued, as the server does
        if self._own_store:
            await super().close()
        elif self._feed is not None:
            await self._feed.__aexit__(None, None, None)

    async def seat_teacher(self) -> Seat:
        person = await self.teacher()
        return Seat(await self.join(person), person, is_staff=True)

    async def seat_pupil(self, school: SchoolId | None = None) -> Seat:
        person = await (self.pupil() if school is None else self.pupil(school))
        return Seat(await self.join(person), person, is_staff=False)

    def collect(self) -> list[Seen]:
        """The events appended since the last call (kept in ``log`` too)."""
        fresh = self.events()
        self.log.extend(fresh)
        return fresh

    def seen_by(self, seat: Seat, *, group_id: str | None = None) -> list[Seen]:
        """Every event so far that ``seat``'s connection received, in order."""
        self.collect()
        return [e for e in self.log if reaches(e.audience, seat, group_id)]

    def texts_seen_by(self, seat: Seat, *, group_id: str | None = None) -> list[str]:
        return [e.data["text"] for e in self.seen_by(seat, group_id=group_id) if e.name == POSTED]

    async def session_id(self) -> str:
        view = await self.services.kernel.view(self.room)
        return view.meta.session_id


POSTED = "chat.message_posted"


def reaches(audience: str, seat: Seat, group_id: str | None) -> bool:
    """Whether an event for ``audience`` reaches ``seat`` while in ``group_id``
    (``rooms.may_see``, with the group given rather than read from the room)."""
    if audience == EVERYONE:
        return True
    if audience == TEACHERS:
        return seat.is_staff
    if audience == person(seat.person.user_id):
        return True
    return audience.startswith("group:") and (
        seat.is_staff or (group_id is not None and audience == group(group_id))
    )


def data_of(events: list[Seen], name: str) -> list[dict[str, Any]]:
    return [e.data for e in events if e.name == name]
