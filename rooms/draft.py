"""``Draft``: the room as one decision changes it, turned into a ``Change``.

A decision reads records through the draft (seeing its own changes), puts
new versions of records, and sends events; ``done`` collects the field
writes and, when the session's meta changed, the room's next wake-up time.
The presence rules every decision shares live here too: what happens when
the last teacher leaves or one arrives (the teacher-absent failsafe), when
the room empties, and the order of raised hands.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import replace
from typing import Any, TypeVar

from cluster import KEEP_WAKE
from protocol.events.base import ServerEvent
from protocol.events.hands import HandLowered
from protocol.events.lobby import LobbyAdmitted, LobbyLeft
from protocol.events.models import LobbyReason
from protocol.events.rooms import TeacherAbsentChanged

from .kernel import Change, RoomKernel
from .model import ALL, STAFF, Audience, LobbyEntry, Meta, Participant, user_audience
from .state import (
    META,
    RoomView,
    encode_lobby_entry,
    encode_meta,
    encode_participant,
    lobby_field,
    participant_field,
    user_field,
)

T = TypeVar("T")


class Draft:
    """A working copy of a room for one decision.

    Args:
        view: The room as loaded.
        next_wake: The room's next wake-up time for a given meta.
        now: The decision's time.
    """

    def __init__(self, view: RoomView, next_wake: Callable[[Meta], float], now: float) -> None:
        self.view = view
        self.now = now
        self._next_wake = next_wake
        self._change: Change[None] = Change(None)
        self._participants: dict[str, Participant] = {}
        self._dropped: set[str] = set()
        self._meta: Meta | None = view.meta if view.exists else None
        self._meta_changed = False

    # -- reading -----------------------------------------------------------

    @property
    def meta(self) -> Meta:
        assert self._meta is not None, "no session"
        return self._meta

    def participant(self, participant_id: str) -> Participant | None:
        if participant_id in self._dropped:
            return None
        return self._participants.get(participant_id) or self.view.participant(participant_id)

    def participants(self) -> Iterator[Participant]:
        seen: set[str] = set(self._dropped)
        for participant in self.view.participants():
            if participant.participant_id not in seen:
                seen.add(participant.participant_id)
                yield self._participants.get(participant.participant_id, participant)
        for participant_id, participant in self._participants.items():
            if participant_id not in seen:
                yield participant

    def teacher_present(self) -> bool:
        return any(p.is_present and p.is_staff for p in self.participants())

    def anyone_present(self) -> bool:
        return any(p.is_present for p in self.participants())

    def hand_queue(self) -> list[str]:
        raised = [p for p in self.participants() if p.hand is not None]
        return [p.participant_id for p in sorted(raised, key=lambda p: p.hand or 0)]

    # -- changing ----------------------------------------------------------

    def put_meta(self, meta: Meta) -> None:
        self._meta = meta
        self._meta_changed = True

    def put(self, participant: Participant) -> None:
        self._participants[participant.participant_id] = participant
        self._change.set_fields[participant_field(participant.participant_id)] = encode_participant(
            participant
        )

    def drop(self, participant: Participant) -> None:
        """Forget a participant (and their user's mapping) for this session."""
        self._dropped.add(participant.participant_id)
        self._participants.pop(participant.participant_id, None)
        self.delete_field(participant_field(participant.participant_id))
        self.delete_field(user_field(participant.user_id))

    def put_entry(self, entry: LobbyEntry) -> None:
        self._change.set_fields[lobby_field(entry.user_id)] = encode_lobby_entry(entry)

    def set_field(self, name: str, value: str) -> None:
        self._change.set_fields[name] = value

    def delete_field(self, name: str) -> None:
        self._change.set_fields.pop(name, None)
        if name not in self._change.delete_fields:
            self._change.delete_fields.append(name)

    def send(self, audience: Audience, event: ServerEvent, *effects: Mapping[str, Any]) -> None:
        self._change.send(audience, event, *effects)

    def done(self, result: T) -> Change[T]:
        """The change this draft describes, carrying ``result``."""
        wake = KEEP_WAKE
        if self._meta_changed and self._meta is not None:
            self._change.set_fields[META] = encode_meta(self._meta)
            wake = self._next_wake(self._meta)
        change = self._change
        return Change(
            result=result,
            set_fields=change.set_fields,
            # A field written after it was deleted (a new session's meta) stays.
            delete_fields=[n for n in change.delete_fields if n not in change.set_fields],
            events=change.events,
            wake_at=wake,
        )

    # -- shared presence rules ---------------------------------------------

    def lower_hand(self, participant: Participant, lowered_by: str) -> Participant:
        """The participant with their hand down (and the event), if it was up."""
        if participant.hand is None:
            return participant
        lowered = replace(participant, hand=None)
        self.put(lowered)
        self.send(
            ALL,
            HandLowered(
                participant_id=participant.participant_id,
                lowered_by=lowered_by,
                queue=self.hand_queue(),
            ),
        )
        return lowered

    def after_departure(self) -> None:
        """Start the failsafe's grace when the last teacher left, and the empty
        room's countdown when the last participant did."""
        meta = self.meta
        if not self.teacher_present() and meta.absent_since is None and not meta.teacher_absent:
            meta = replace(meta, absent_since=self.now)
        if not self.anyone_present() and meta.empty_since is None:
            meta = replace(meta, empty_since=self.now)
        if meta != self.meta:
            self.put_meta(meta)

    def after_arrival(self) -> None:
        """A participant is present: the room is not empty; if a teacher is among
        them the failsafe ends and whoever waited only for a teacher is let in."""
        meta = self.meta
        if meta.empty_since is not None:
            meta = replace(meta, empty_since=None)
        if self.teacher_present() and (meta.teacher_absent or meta.absent_since is not None):
            if meta.teacher_absent:
                self.send(ALL, TeacherAbsentChanged(teacher_absent=False))
                for entry in self.view.lobby():
                    if entry.reason is LobbyReason.TEACHER_ABSENT and not entry.is_admitted:
                        self.admit(entry)
            meta = replace(meta, teacher_absent=False, absent_since=None)
        if meta != self.meta:
            self.put_meta(meta)

    def admit(self, entry: LobbyEntry) -> None:
        """Let a waiting person in: their next join succeeds."""
        self.put_entry(replace(entry, is_admitted=True))
        self.send(STAFF, LobbyLeft(user_id=entry.user_id, reason="admitted"))
        self.send(user_audience(entry.user_id), LobbyAdmitted(user_id=entry.user_id))


class RoomCommands:
    """Base of the services whose commands are decisions over drafts.

    Args:
        kernel: Room state and events.
    """

    def __init__(self, *, kernel: RoomKernel) -> None:
        self._kernel = kernel

    def _draft(self, view: RoomView) -> Draft:
        return Draft(view, self._kernel.next_wake, self._kernel.now())
