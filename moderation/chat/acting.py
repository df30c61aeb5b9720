"""A participant's action on a room's chat: checked against the room, audited, told.

Every teacher's tool (delete, mute, clear, settings, the held queue, closing
a report) and a participant's report has the same three steps: read the room
as it is now (``ChatService.context``: present, a teacher when it must be),
write the change and its audit entry in one transaction, and tell the room
in one atomic commit. No commit spans the database and the room's store, so
each tool orders the two for the failure it can bear:

* the held queue's decisions tell the room first, with a mark of the
  decision in the same room commit, then store it; whoever meets the
  message next finishes storing what the mark says (``queue``): told once,
  stored as told;
* delete and clear commit first and tell after, so that no history shows
  a text the room was told is gone; doing it again tells a room that was
  not told (a delete once, by its mark: ``sanctions``);
* mute and settings commit their audit first and tell after: their change
  lives in the room's state, committed with its event (``sanctions``);
* reports commit first and tell after, with a mark of what the teachers
  were told, so that one not told is told once later (``reports``).

None calls the room's store while its transaction is open: a writing
transaction holds SQLite's write lock (PostgreSQL: its rows) until it ends,
and every other writer would wait out the round trip.

``RoomAction`` holds what the three share, so each tool states only what
is its own: which rows change, which entry, which events.
A tool that drops a message's text also rewrites the room's log
(``replacing``, ``RoomAction.redact``), so that no replay carries it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from cluster import Clock, Redaction
from community.clock import utc_now
from protocol.errors import NotFound
from protocol.events.base import ServerEvent
from protocol.ids import UserId
from rooms import ChatChange, ChatRoom, Notice, RoomActor, RoomServices
from storage import UnitOfWork
from storage.records_moderation import ChatMessageRecord

from .audit import record


def replacing(names: tuple[str, ...], message_id: str, event: ServerEvent) -> Redaction:
    """The redaction that turns the room's logged events ``names`` about
    ``message_id`` into ``event``, each under its own ``seq``."""
    return Redaction(
        names=names,
        key="message_id",
        value=message_id,
        name=event.name,
        body=event.model_dump_json(exclude={"seq"}),
    )


@dataclass(frozen=True, slots=True)
class RoomAction:
    """One action of ``actor`` on ``room``, at ``at``."""

    rooms: RoomServices
    actor: RoomActor
    room: ChatRoom
    """The room as the actor found it before acting."""
    at: datetime

    @classmethod
    async def begin(
        cls, rooms: RoomServices, clock: Clock, actor: RoomActor, *, staff: bool = True
    ) -> RoomAction:
        """Check that the actor may act on the room now.

        Raises:
            NotInRoom, RoomClosed: Not present. Forbidden: ``staff`` and not a teacher now.
        """
        room = await rooms.chat.context(actor, staff=staff)
        return cls(rooms, actor, room, utc_now(clock))

    async def message(self, uow: UnitOfWork, message_id: str) -> ChatMessageRecord:
        """A message of the room's current session.

        Raises:
            NotFound: No such message in this session.
        """
        found = await uow.moderation.find_message(message_id)
        room = self.room
        if found is None or found.room_id != room.room_id or found.session_id != room.session_id:
            raise NotFound("no such message in this session")
        return found

    async def audit(
        self,
        uow: UnitOfWork,
        action: str,
        *,
        subject_type: str,
        subject_id: str,
        reason: str | None = None,
        decided: tuple[UserId, datetime] | None = None,
        **details: Any,
    ) -> None:
        """The action's entry in the project's audit log (in ``uow``), naming the room.

        ``decided``: who acted and when, if not this actor now (a decision
        stored after another teacher made it: see ``queue``).
        """
        actor_id, at = decided or (self.actor.user_id, self.at)
        await record(
            uow,
            at=at,
            actor_id=actor_id,
            action=action,
            project_id=self.room.project_id,
            subject_type=subject_type,
            subject_id=subject_id,
            reason=reason,
            details={"room_id": self.room.room_id, **details},
        )

    async def redact(self, *redactions: Redaction) -> None:
        """Rewrite the room's kept events (``EventLog.redact``), before telling the room.

        Raises:
            ClusterUnavailable: The shared store could not be reached.
        """
        for redaction in redactions:
            await self.rooms.kernel.log.redact(self.room.room_id, redaction)

    async def tell(self, notices: list[Notice], *, staff: bool = True) -> tuple[int, ...]:
        """Append ``notices`` to the room in one commit; their ``seq``, in order.

        Raises:
            NotInRoom, RoomClosed: The actor left meanwhile. Forbidden: ``staff``
                and no longer a teacher.
            ClusterUnavailable: The shared store could not be reached.
        """
        _, seqs = await self.rooms.chat.act(
            self.actor, lambda _room: ChatChange(None, notices=notices), staff=staff
        )
        return seqs
