"""The held queue of a room: every teacher of the room sees it live and decides.

A held message is stored (``held``) and announced to the room's teachers
only (``moderation.message_held``); its sender sees it waiting. A teacher
approves it as written, edits and approves it, or refuses it. The decision
is a guarded update (two teachers deciding at once: one wins, the other gets
``conflict``) with its audit entry; the room learns it in one commit: the
message's copies as if just posted (with the original time, ``edited`` when
a teacher changed it) and ``moderation.held_resolved`` to the teachers, or
``chat.message_declined`` to its sender alone. A refused message's text is
dropped from the room's log too: its waiting notices are replayed as the
decision (``chat.message_declined`` to the sender, ``moderation.held_resolved``
to the teachers), under their own ``seq``.

The room is told *inside* the decision's transaction, before it commits.
Deciding first and telling afterwards left a window in which the database
said ``posted`` and nobody had been told (a crash, or the shared room state
unreachable for a moment): the message sat in the history and never arrived
live, and approving it again was a conflict. Now a failure to tell rolls the
decision back: the message still waits and the teacher can try again (a
refusal's redaction of the log, made just before, stays: the log errs on the
side of the text's removal). The
guarded update holds the row (PostgreSQL) or the write lock (SQLite) until
the commit, so a second teacher deciding at the same moment waits, then
finds it decided: the room is never told twice, nor told of an approval
that a refusal beat. What is left is a failing COMMIT after the room was
told (the database lost at that instant): the message is live but still
waits, and is logged as such.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import replace

from cluster import Clock, Redaction
from protocol.events.chat import ChatMessageDeclined, ChatMessageHeld
from protocol.events.moderation import (
    Approved,
    HeldList,
    HeldResolved,
    MessageHeld,
    ModerationReason,
)
from protocol.ids import MessageId
from rooms import TEACHERS, Notice, RoomActor, RoomServices, person, posting
from storage import Database
from storage.records_moderation import ChatMessageRecord

from .acting import RoomAction, replacing
from .errors import AlreadyDecided
from .views import held_view, posted_event, route_of

logger = logging.getLogger(__name__)


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
        room = (await RoomAction.begin(self._rooms, self._clock, actor)).room
        async with self._db.transaction("moderation.held_list") as uow:
            held = await uow.moderation.list_held(room.room_id, room.session_id)
        return HeldList(messages=[held_view(m) for m in held])

    async def approve(self, actor: RoomActor, message_id: MessageId, text: str | None) -> Approved:
        """Deliver a waiting message (with ``text``: edited by the teacher).

        Raises:
            NotInRoom, RoomClosed: Not present. Forbidden: not a teacher now.
            NotFound: No such message in this session.
            AlreadyDecided: It is not waiting (any more).
            ClusterUnavailable: The room could not be told (it still waits).
        """

        def notices(acting: RoomAction, message: ChatMessageRecord) -> list[Notice]:
            approved = replace(
                message, status="posted", text=text or message.text, edited=text is not None
            )
            resolved = HeldResolved(
                message_id=message_id,
                outcome="approved",
                by_participant_id=acting.room.actor.participant_id,
            )
            return [
                *posting(route_of(approved), posted_event(approved)),
                Notice(TEACHERS, resolved),
            ]

        action = "chat.message_edited" if text is not None else "chat.message_approved"
        seqs = await self._decide(actor, message_id, notices, text=text, action=action)
        return Approved(message_id=message_id, seq=seqs[0] if seqs else None)

    async def reject(
        self, actor: RoomActor, message_id: MessageId, reason: ModerationReason
    ) -> None:
        """Refuse a waiting message: its text is dropped, its sender told.

        Raises:
            NotInRoom, RoomClosed: Not present. Forbidden: not a teacher now.
            NotFound: No such message in this session.
            AlreadyDecided: It is not waiting (any more).
            ClusterUnavailable: The room could not be told (it still waits).
        """
        declined = ChatMessageDeclined(message_id=message_id)

        def notices(acting: RoomAction, message: ChatMessageRecord) -> list[Notice]:
            told = [Notice(TEACHERS, resolved(acting))]
            if message.sender_user_id is not None:
                told.append(Notice(person(message.sender_user_id), declined))
            return told

        def resolved(acting: RoomAction) -> HeldResolved:
            by = acting.room.actor.participant_id
            return HeldResolved(message_id=message_id, outcome="rejected", by_participant_id=by)

        def forget(acting: RoomAction) -> list[Redaction]:
            return [
                replacing((ChatMessageHeld.name,), message_id, declined),
                replacing((MessageHeld.name,), message_id, resolved(acting)),
            ]

        await self._decide(
            actor,
            message_id,
            notices,
            text=None,
            action="chat.message_rejected",
            reason=reason,
            forget=forget,
        )

    async def _decide(
        self,
        actor: RoomActor,
        message_id: MessageId,
        notices: Callable[[RoomAction, ChatMessageRecord], list[Notice]],
        *,
        text: str | None,
        action: str,
        reason: ModerationReason | None = None,
        forget: Callable[[RoomAction], list[Redaction]] | None = None,
    ) -> tuple[int, ...]:
        """Approve (``reason`` None) or refuse a waiting message, audit it, tell the room.

        The audit's reason is the teacher's for a refusal, the pipeline's hold
        reason for an approval. The room is told before the decision commits
        (see the module docstring), after ``forget``'s redactions of its log;
        returns the ``seq`` of each notice.
        """
        acting = await RoomAction.begin(self._rooms, self._clock, actor)
        told = False
        try:
            async with self._db.transaction("moderation.held_decide") as uow:
                message = await acting.message(uow, message_id)
                if not await uow.moderation.decide_held(
                    message_id,
                    approve=reason is None,
                    text=text,
                    decided_by=actor.user_id,
                    at=acting.at,
                ):
                    raise AlreadyDecided("this message is not waiting for a decision")
                await acting.audit(
                    uow,
                    action,
                    subject_type="chat_message",
                    subject_id=message_id,
                    reason=message.hold_reason if reason is None else reason.value,
                    session_id=acting.room.session_id,
                    hold_reason=message.hold_reason or "",
                )
                if forget is not None:
                    await acting.redact(*forget(acting))
                seqs = await acting.tell(notices(acting, message))
                told = True
        except Exception:
            if told:
                logger.error(
                    "the room was told of a decision on a held message that did not commit",
                    extra={"room_id": acting.room.room_id, "message_id": message_id},
                )
            raise
        return seqs
