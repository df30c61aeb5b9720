"""The one way a room changes: decide on a view, commit if nothing moved, retry.

Every command is a pure *decision* over a ``RoomView``: it checks (raising a
``CodedError`` before anything changes), then returns a ``Change``: fields to
write, events to send, the room's next wake-up time and a result. The kernel
commits the change guarded by the version it was decided on, together with
its events (so ``seq`` follows the order of changes on every node), and
decides again on a fresh view when another node got there first. A decision
may therefore run more than once: it must not have side effects.

Commands of one room on one node queue on a per-room lock, so they do not
race each other into retries; the lock is held across the store round trips
on purpose, it is what makes the queue. Nodes race only each other.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from cluster import KEEP_WAKE, NO_WAKE, Clock, Commit, EventLog, NewEvent, RoomState
from protocol.errors import Unavailable
from protocol.events.base import ServerEvent
from protocol.ids import RoomId

from .model import Audience, Meta
from .settings import RoomSettings
from .state import RoomView

logger = logging.getLogger(__name__)

T = TypeVar("T")

MAX_ATTEMPTS = 20
"""Commits tried before giving up on a room that other nodes keep changing."""


@dataclass(frozen=True, slots=True)
class Outgoing:
    """An event to send, to whom, and what each node does to its connections."""

    audience: Audience
    event: ServerEvent
    effects: Sequence[Mapping[str, Any]] = ()

    def encode(self) -> NewEvent:
        """As the event log takes it: the body is serialised here, once."""
        return NewEvent(
            audience=self.audience,
            name=self.event.name,
            body=self.event.model_dump_json(exclude={"seq"}),
            effects=json.dumps(list(self.effects), separators=(",", ":")) if self.effects else "",
        )


@dataclass
class Change(Generic[T]):
    """What a decision wants: writes, events, next wake-up, and its result."""

    result: T
    set_fields: dict[str, str] = field(default_factory=dict)
    delete_fields: list[str] = field(default_factory=list)
    events: list[Outgoing] = field(default_factory=list)
    wake_at: float = KEEP_WAKE

    @property
    def is_empty(self) -> bool:
        return not (
            self.set_fields or self.delete_fields or self.events or self.wake_at != KEEP_WAKE
        )

    def send(self, audience: Audience, event: ServerEvent, *effects: Mapping[str, Any]) -> None:
        self.events.append(Outgoing(audience, event, effects))


@dataclass(frozen=True, slots=True)
class Applied(Generic[T]):
    """A committed change: its result and the ``seq`` of each of its events."""

    result: T
    seqs: tuple[int, ...]
    version: int


class RoomKernel:
    """Loads, decides, commits; shared by every room service.

    Args:
        state: Shared room state.
        log: The rooms' event log.
        clock: Wall time for every decision.
        settings: Room knobs.
    """

    def __init__(
        self, *, state: RoomState, log: EventLog, clock: Clock, settings: RoomSettings
    ) -> None:
        self.state = state
        self.log = log
        self.clock = clock
        self.settings = settings
        self._locks: dict[RoomId, tuple[asyncio.Lock, int]] = {}

    def now(self) -> float:
        return self.clock.now()

    async def view(self, room_id: RoomId) -> RoomView:
        """The room as it is now."""
        return RoomView(room_id, await self.state.load(room_id))

    async def mutate(self, room_id: RoomId, decide: Callable[[RoomView], Change[T]]) -> Applied[T]:
        """Decide on the current room and commit, again until no other node interferes.

        Raises:
            CodedError: Whatever ``decide`` raises (nothing changed).
            Unavailable: Other nodes changed the room ``MAX_ATTEMPTS`` times in a row.
            ClusterUnavailable: The shared state could not be reached.
        """
        async with self._room_lock(room_id):
            for _ in range(MAX_ATTEMPTS):
                view = await self.view(room_id)
                change = decide(view)
                if change.is_empty:
                    return Applied(change.result, (), view.version)
                commit = Commit(
                    expect_version=view.version,
                    set_fields=change.set_fields,
                    delete_fields=change.delete_fields,
                    events=[outgoing.encode() for outgoing in change.events],
                    wake_at=change.wake_at,
                )
                seqs = await self.state.commit(room_id, commit)
                if seqs is not None:
                    version = view.version + (1 if commit.writes else 0)
                    return Applied(change.result, tuple(seqs), version)
        logger.warning("room stayed busy through %d attempts", MAX_ATTEMPTS)
        raise Unavailable("the room is busy; try again")

    def next_wake(self, meta: Meta, view: RoomView | None = None) -> float:
        """The earliest moment the room needs attention, from its (new) meta.

        The failsafe grace, the breakout timer, closing an empty session and
        forgetting an ended one; ``NO_WAKE`` when none applies.
        """
        settings = self.settings
        if meta.is_ended:
            return (meta.ended_at or self.now()) + settings.ended_keep_s
        moments: list[float] = []
        if meta.absent_since is not None and not meta.teacher_absent:
            moments.append(meta.absent_since + settings.teacher_absent_grace_s)
        if meta.breakout is not None and meta.breakout.ends_at is not None:
            moments.append(meta.breakout.ends_at)
        if meta.empty_since is not None:
            moments.append(meta.empty_since + settings.empty_close_s)
        if meta.presence_check_at is not None:
            moments.append(meta.presence_check_at)
        return min(moments) if moments else NO_WAKE

    @asynccontextmanager
    async def _room_lock(self, room_id: RoomId) -> AsyncIterator[None]:
        lock, users = self._locks.get(room_id) or (asyncio.Lock(), 0)
        self._locks[room_id] = (lock, users + 1)
        try:
            async with lock:
                yield
        finally:
            lock, users = self._locks[room_id]
            if users == 1:
                del self._locks[room_id]
            else:
                self._locks[room_id] = (lock, users - 1)
