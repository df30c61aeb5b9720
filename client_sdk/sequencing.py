"""Exactly once and in order: the client's half of resume.

Sequenced events carry the room's ``seq``. While a join (or a resume) is in
flight, live events are held; when its answer comes, the replay (or the
snapshot) is applied first, then the held events, each ``seq`` once: a seq
at or below the last one applied is a duplicate and is dropped. Pure logic,
no I/O, so it can be tested on its own.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Generic, TypeVar

T = TypeVar("T")


class EventSequencer(Generic[T]):
    """Orders and de-duplicates a room's events for one client."""

    def __init__(self) -> None:
        self.session_id: str | None = None
        """The session of the last successful join."""
        self.last_seq = 0
        """The highest ``seq`` applied in that session."""
        self._holding = False
        self._held: list[tuple[int, T]] = []

    @property
    def can_resume(self) -> bool:
        """Whether a reconnect can ask for the missed events."""
        return self.session_id is not None

    def hold(self) -> None:
        """A join is in flight: keep sequenced events until it answers."""
        self._holding = True

    def live(self, seq: int | None, item: T, *, member: bool = True) -> list[T]:
        """An event as it arrives; returns what to deliver now.

        Args:
            seq: The event's ``seq``; None for unsequenced events.
            member: False while waiting in the lobby: events addressed to the
                waiting person are delivered as they come, outside the count.
        """
        if seq is None or not member:
            return [item]
        if self._holding:
            self._held.append((seq, item))
            return []
        if seq <= self.last_seq:
            return []
        self.last_seq = seq
        return [item]

    def joined(
        self,
        session_id: str,
        *,
        snapshot: tuple[int, T] | None = None,
        replay: Iterable[tuple[int, T]] = (),
    ) -> list[T]:
        """The join answered: apply the snapshot or the replay, then the held events."""
        if session_id != self.session_id:
            self.last_seq = 0
        self.session_id = session_id
        out: list[T] = []
        if snapshot is not None:
            seq, item = snapshot
            out.append(item)
            self.last_seq = seq
        for seq, item in [*replay, *self._held]:
            if seq > self.last_seq:
                out.append(item)
                self.last_seq = seq
        self._held = []
        self._holding = False
        return out

    def waiting(self) -> list[T]:
        """The join answered "wait in the lobby": release what was held."""
        held = [item for _, item in self._held]
        self._held = []
        self._holding = False
        return held
