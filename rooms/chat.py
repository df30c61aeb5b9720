"""A plain room chat: the hot path that fans one message out to a whole room.

``ChatService.send`` checks the sender (present on this connection, allowed
to chat, not frozen by the teacher-absent failsafe), hands the message to the
``ChatGate`` and appends ``chat.message_posted`` to the room's log, guarded by
the exact records it checked: if a teacher muted the sender meanwhile, the
message is refused rather than posted after the mute. Two reads and one
atomic append per message, whatever the size of the room; nothing is written
to the database here, and the event is serialised once for every recipient.

The moderation pipeline plugs in as the ``ChatGate`` (the one seat it needs):
rate limits, content and personal-data filters, pre-moderation and storing
the message before the acknowledgement all happen inside ``screen``, which
runs once per message, after the permission checks and before the append.
The wire does not change: a refusal is the gate's ``CodedError`` in the
error acknowledgement, a held message is acknowledged with ``held`` and no
``seq``, and an accepted one is the same ``chat.message_posted`` as today.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from cluster import Commit
from protocol.api.grants import RoomRole
from protocol.errors import Forbidden, Unavailable
from protocol.events.chat import ChatMessagePosted
from protocol.ids import MessageId, ParticipantId, RoomId, SchoolId, UserId, new_id

from .actors import RoomActor
from .errors import NotInRoom, RoomClosed, TeacherAbsent
from .kernel import MAX_ATTEMPTS, Outgoing, RoomKernel
from .model import ALL, group_audience
from .policy import effective
from .state import META, decode_meta, decode_participant, participant_field
from .views import at

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class ChatDraft:
    """A message on its way, as the gate sees it."""

    room_id: RoomId
    session_id: str
    message_id: MessageId
    participant_id: ParticipantId
    user_id: UserId
    role: RoomRole
    school_id: SchoolId | None
    group_id: str | None
    """The breakout group it goes to; None: the whole room."""
    text: str
    client_msg_id: str | None
    sent_at: datetime


@dataclass(frozen=True, slots=True)
class ChatOutcome:
    """What became of a message."""

    message_id: MessageId
    seq: int | None
    """The ``seq`` of ``chat.message_posted``; None when held for review."""
    is_held: bool = False


class ChatGate(Protocol):
    """The seat of the moderation pipeline: every message crosses it once."""

    async def screen(self, draft: ChatDraft) -> ChatDraft | None:
        """Decide a message's fate before anyone sees it.

        Returns:
            The message to post (its text may have been changed), or None to
            hold it for a teacher's review.

        Raises:
            CodedError: The message is refused (rate limit, filter...); the
                code reaches the sender in the error acknowledgement.
        """
        ...


class OpenGate:
    """A ``ChatGate`` that lets every message through (until moderation arrives)."""

    async def screen(self, draft: ChatDraft) -> ChatDraft | None:
        return draft


class ChatService:
    """Posts chat messages.

    Args:
        kernel: Room state and events.
        gate: The moderation pipeline's seat.
    """

    def __init__(self, *, kernel: RoomKernel, gate: ChatGate) -> None:
        self._kernel = kernel
        self._gate = gate

    async def send(self, actor: RoomActor, text: str, client_msg_id: str | None) -> ChatOutcome:
        """Post a message to the room, or to the sender's breakout group.

        Args:
            text: Already cleaned and bounded by the wire model.

        Raises:
            NotInRoom, RoomClosed: The sender is not present on this connection.
            Forbidden: The sender may not chat.
            TeacherAbsent: The failsafe froze pupils' chat.
            CodedError: Whatever the gate refuses the message with.
            Unavailable: The sender's records kept changing under it.
        """
        state = self._kernel.state
        names = [META, participant_field(actor.participant_id)]
        screened: ChatDraft | None = None
        for _ in range(MAX_ATTEMPTS):
            meta_text, participant_text = await state.load_fields(actor.room_id, names)
            if meta_text is None:
                raise RoomClosed("this session has ended")
            meta = decode_meta(meta_text)
            if meta.is_ended:
                raise RoomClosed("this session has ended")
            if participant_text is None:
                raise NotInRoom("join the room first")
            sender = decode_participant(participant_text)
            if not sender.is_present or sender.conn_id != actor.conn_id:
                raise NotInRoom("join the room first")
            if not effective(sender, meta).chat:
                if sender.perms.chat:
                    raise TeacherAbsent("chat is paused until a teacher is back")
                raise Forbidden("you may not write in this room's chat")
            if screened is None:
                draft = ChatDraft(
                    room_id=actor.room_id,
                    session_id=meta.session_id,
                    message_id=MessageId(new_id()),
                    participant_id=sender.participant_id,
                    user_id=sender.user_id,
                    role=sender.role,
                    school_id=sender.school_id,
                    group_id=sender.group_id,
                    text=text,
                    client_msg_id=client_msg_id,
                    sent_at=at(self._kernel.now()),
                )
                # The moderation pipeline's seat: once per message, after the
                # permission checks, before anyone can see it.
                screened = await self._gate.screen(draft)
                if screened is None:
                    return ChatOutcome(message_id=draft.message_id, seq=None, is_held=True)
            posted = Outgoing(
                ALL if screened.group_id is None else group_audience(screened.group_id),
                ChatMessagePosted(
                    message_id=screened.message_id,
                    participant_id=screened.participant_id,
                    text=screened.text,
                    sent_at=screened.sent_at,
                    group_id=screened.group_id,
                    client_msg_id=screened.client_msg_id,
                ),
            )
            seqs = await state.commit(
                actor.room_id,
                Commit(
                    expect_fields={META: meta_text, names[1]: participant_text},
                    events=[posted.encode()],
                ),
            )
            if seqs:
                return ChatOutcome(message_id=screened.message_id, seq=seqs[0])
        logger.warning("chat append kept conflicting", extra={"room_id": actor.room_id})
        raise Unavailable("the room is busy; try again")
