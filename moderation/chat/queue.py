"""The held queue of a room: every teacher of the room sees it live and decides.

A held message is stored (``held``) and announced to the room's teachers
only (``moderation.message_held``); its sender sees it waiting. A teacher
approves it as written, edits and approves it, or refuses it. The decision
is a guarded update (two teachers deciding at once: one wins, the other gets
``conflict``) with its audit entry in the same transaction; then the room
learns it in one commit: the message's copies as if just posted (with the
original time, ``edited`` when a teacher changed it) and
``moderation.held_resolved`` to the teachers, or ``chat.message_declined`` to
its sender alone.
"""

from __future__ import annotations

from dataclasses import replace

from cluster import Clock
from community.clock import utc_now
from protocol.errors import NotFound
from protocol.events.chat import ChatMessageDeclined
from protocol.events.moderation import (
    Approved,
    HeldList,
    HeldResolved,
    ModerationReason,
)
from protocol.ids import MessageId
from rooms import TEACHERS, ChatChange, ChatRoom, Notice, RoomActor, RoomServices, person, posting
from storage import Database, UnitOfWork
from storage.records_moderation import ChatMessageRecord

from .audit import record
from .errors import AlreadyDecided
from .views import held_view, posted_event, route_of


async def message_of(uow: UnitOfWork, room: ChatRoom, message_id: str) -> ChatMessageRecord:
    """A message of the room's current session.

    Raises:
        NotFound: No such message in this session.
    """
    message = await uow.moderation.find_message(message_id)
    if message is None or message.room_id != room.room_id or message.session_id != room.session_id:
        raise NotFound("no such message in this session")
    return message


def announce(notices: list[Notice]) -> ChatChange[None]:
    """A chat change that only appends ``notices``."""
    return ChatChange(None, notices=notices)


class HeldQueue:
    """Lists and decides a room's waiting messages.

    Args:
        db: Where messages are stored.
        rooms: The live rooms.
        clock: For decision times.
    """

    def __init__(self, *, db: Database, rooms: RoomServices, clock: Clock) -> None:
        self._db = db
        self._rooms = rooms
        self._clock = clock

    async def list_held(self, actor: RoomActor) -> HeldList:
        """The session's waiting messages, oldest first.

        Raises:
            NotInRoom, RoomClosed: Not present. Forbidden: not a teacher now.
        """
        room = await self._rooms.chat.context(actor, staff=True)
        async with self._db.transaction("moderation.held_list") as uow:
            held = await uow.moderation.list_held(room.room_id, room.session_id)
        return HeldList(messages=[held_view(m) for m in held])

    async def approve(self, actor: RoomActor, message_id: MessageId, text: str | None) -> Approved:
        """Deliver a waiting message (with ``text``: edited by the teacher).

        Raises:
            NotInRoom, RoomClosed: Not present. Forbidden: not a teacher now.
            NotFound: No such message in this session.
            AlreadyDecided: It is not waiting (any more).
        """
        action = "chat.message_edited" if text is not None else "chat.message_approved"
        room, message = await self._decide(actor, message_id, text=text, action=action)
        approved = replace(
            message, status="posted", text=text or message.text, edited=text is not None
        )
        notices = posting(route_of(approved), posted_event(approved))
        resolved = HeldResolved(
            message_id=message_id, outcome="approved", by_participant_id=room.actor.participant_id
        )
        _, seqs = await self._rooms.chat.act(
            actor, lambda _room: announce([*notices, Notice(TEACHERS, resolved)])
        )
        return Approved(message_id=message_id, seq=seqs[0] if seqs else None)

    async def reject(
        self, actor: RoomActor, message_id: MessageId, reason: ModerationReason
    ) -> None:
        """Refuse a waiting message: its text is dropped, its sender told.

        Raises:
            NotInRoom, RoomClosed: Not present. Forbidden: not a teacher now.
            NotFound: No such message in this session.
            AlreadyDecided: It is not waiting (any more).
        """
        room, message = await self._decide(
            actor, message_id, text=None, action="chat.message_rejected", reason=reason
        )
        notices = [
            Notice(
                TEACHERS,
                HeldResolved(
                    message_id=message_id,
                    outcome="rejected",
                    by_participant_id=room.actor.participant_id,
                ),
            )
        ]
        if message.sender_user_id is not None:
            notices.append(
                Notice(person(message.sender_user_id), ChatMessageDeclined(message_id=message_id))
            )
        await self._rooms.chat.act(actor, lambda _room: announce(notices))

    async def _decide(
        self,
        actor: RoomActor,
        message_id: MessageId,
        *,
        text: str | None,
        action: str,
        reason: ModerationReason | None = None,
    ) -> tuple[ChatRoom, ChatMessageRecord]:
        """Approve (``reason`` None) or refuse a waiting message, with its audit entry.

        The audit's reason is the teacher's for a refusal, the pipeline's hold
        reason for an approval.
        """
        room = await self._rooms.chat.context(actor, staff=True)
        now = utc_now(self._clock)
        async with self._db.transaction("moderation.held_decide") as uow:
            message = await message_of(uow, room, message_id)
            if not await uow.moderation.decide_held(
                message_id, approve=reason is None, text=text, decided_by=actor.user_id, at=now
            ):
                raise AlreadyDecided("this message is not waiting for a decision")
            await record(
                uow,
                at=now,
                actor_id=actor.user_id,
                action=action,
                project_id=room.project_id,
                subject_type="chat_message",
                subject_id=message_id,
                reason=message.hold_reason if reason is None else reason.value,
                details={
                    "room_id": room.room_id,
                    "session_id": room.session_id,
                    "hold_reason": message.hold_reason or "",
                },
            )
        return room, message
