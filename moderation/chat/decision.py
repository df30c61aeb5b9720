"""A decision on a held message as the room heard it, and the database made to follow.

The held queue (``queue``) tells a room its decision first, with a mark that
holds it (``Decision.encode``), and stores it after: see that module's
docstring for why. This module is the second half, shared by every reader
that may meet a decision told and not stored yet: ``store`` makes the room's
log and the database agree with one, ``settle_session`` does it for a whole
session for a reader who is not in the room (a teacher exporting a
transcript), and ``each`` tries every one even when some fail.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Iterable
from dataclasses import dataclass, replace
from datetime import datetime

from cluster import Redaction
from protocol.events.chat import ChatMessageDeclined, ChatMessageHeld
from protocol.events.moderation import HeldResolved, MessageHeld
from protocol.ids import RoomId, UserId
from rooms import TEACHERS, Notice, RoomServices, person, posting
from storage import Database
from storage.records_moderation import ChatMessageRecord

from .acting import replacing
from .audit import record
from .views import posted_event, route_of

logger = logging.getLogger(__name__)

MARK = "held:"
"""Prefix of a decision's mark in the session's state (``ChatRoom.mark``)."""
STORED = "s"
"""A mark's value once its decision is stored."""
ROOM_FIELD = "m:" + MARK
"""Prefix of a decision's mark among the room's fields (``rooms.ChatRoom.mark`` adds
"m:"): read directly by ``settle_session``, whose reader (a teacher exporting a
transcript over HTTP) need not be in the room, where ``ChatRoom`` is given only to
present participants."""


@dataclass(frozen=True, slots=True)
class Decision:
    """A decision on a waiting message, as the room heard it (its mark)."""

    approve: bool
    text: str | None
    """The teacher's text for an edited approval."""
    by: UserId
    by_participant_id: str
    at: datetime
    reason: str | None
    """The teacher's reason code for a refusal."""

    def encode(self) -> str:
        return json.dumps(
            {
                "a": self.approve,
                "t": self.text,
                "u": self.by,
                "p": self.by_participant_id,
                "at": self.at.isoformat(),
                "r": self.reason,
            },
            separators=(",", ":"),
        )

    @classmethod
    def decode(cls, text: str) -> Decision:
        data = json.loads(text)
        return cls(
            approve=bool(data["a"]),
            text=data["t"],
            by=UserId(data["u"]),
            by_participant_id=data["p"],
            at=datetime.fromisoformat(data["at"]),
            reason=data["r"],
        )

    @property
    def action(self) -> str:
        """The audit log's action name."""
        if not self.approve:
            return "chat.message_rejected"
        return "chat.message_edited" if self.text is not None else "chat.message_approved"

    def resolved(self, message_id: str) -> HeldResolved:
        outcome = "approved" if self.approve else "rejected"
        return HeldResolved(
            message_id=message_id, outcome=outcome, by_participant_id=self.by_participant_id
        )

    def notices(self, message: ChatMessageRecord) -> list[Notice]:
        """What the room is told of it."""
        resolved = Notice(TEACHERS, self.resolved(message.message_id))
        if self.approve:
            approved = replace(
                message,
                status="posted",
                text=self.text or message.text,
                edited=self.text is not None,
            )
            return [*posting(route_of(approved), posted_event(approved)), resolved]
        told = [resolved]
        if message.sender_user_id is not None:
            declined = ChatMessageDeclined(message_id=message.message_id)
            told.append(Notice(person(message.sender_user_id), declined))
        return told

    def redactions(self, message_id: str) -> list[Redaction]:
        """How the log forgets a refused message's waiting notices (none for an approval)."""
        if self.approve:
            return []
        declined = ChatMessageDeclined(message_id=message_id)
        return [
            replacing((ChatMessageHeld.name,), message_id, declined),
            replacing((MessageHeld.name,), message_id, self.resolved(message_id)),
        ]


def mark_of(message_id: str) -> str:
    return MARK + message_id


async def store(
    db: Database, rooms: RoomServices, message: ChatMessageRecord, decision: Decision
) -> None:
    """Make the room's log and the database agree with ``decision``, which the room heard.

    Idempotent: each step is a no-op once done (a redaction already made, a
    message no longer waiting: no second audit entry). Needs no participant:
    the message names its room, session and project.
    """
    message_id = message.message_id
    try:
        for redaction in decision.redactions(message_id):
            await rooms.kernel.log.redact(message.room_id, redaction)
        async with db.transaction("moderation.held_decide") as uow:
            stored = await uow.moderation.decide_held(
                message_id,
                approve=decision.approve,
                text=decision.text,
                decided_by=decision.by,
                at=decision.at,
            )
            if stored:
                await record(
                    uow,
                    at=decision.at,
                    actor_id=decision.by,
                    action=decision.action,
                    project_id=message.project_id,
                    subject_type="chat_message",
                    subject_id=message_id,
                    reason=message.hold_reason if decision.approve else decision.reason,
                    details={
                        "room_id": message.room_id,
                        "session_id": message.session_id,
                        "hold_reason": message.hold_reason or "",
                    },
                )
    except Exception:
        logger.warning(
            "a decision the room heard is not stored yet; the queue's next reader stores it",
            extra={"room_id": message.room_id, "message_id": message_id},
        )
        raise


async def settle_session(
    db: Database, rooms: RoomServices, room_id: RoomId, session_id: str
) -> None:
    """Store every decision the room heard in ``session_id`` whose storing may not have
    happened yet (``HeldQueue.settle`` for a reader who is not in the room).

    Reads only the room's state when none is pending, or when ``session_id`` is
    not the room's session any more (its marks went with it). The marks stay as
    they are: the next present reader's ``settle`` finds each decision stored
    and shortens its mark.

    Raises:
        ClusterUnavailable, DatabaseUnavailable: A pending decision could not be
            stored (after every other one was).
    """
    view = await rooms.kernel.view(room_id)
    if not view.exists or view.meta.session_id != session_id:
        return
    pending = {
        name.removeprefix(ROOM_FIELD): heard
        for name, heard in view.raw.items()
        if name.startswith(ROOM_FIELD) and heard != STORED
    }
    if not pending:
        return
    async with db.transaction("moderation.held_settle") as uow:
        found = [await uow.moderation.find_message(m) for m in pending]
    await each(
        store_heard(db, rooms, m, pending[m.message_id])
        for m in found
        if m is not None and m.room_id == room_id and m.session_id == session_id
    )


async def store_heard(
    db: Database, rooms: RoomServices, message: ChatMessageRecord, heard: str
) -> None:
    """``store`` the decision a mark (not ``STORED``) holds."""
    await store(db, rooms, message, Decision.decode(heard))


async def each(steps: Iterable[Awaitable[None]]) -> None:
    """Await every step, one after the other, even when some fail.

    One message's decision that cannot be stored (its row, its mark, a lost
    connection) must not keep the others waiting. ``steps`` is read lazily, so
    that no coroutine is made that is not awaited.

    Raises:
        Exception: The first failure, once every step was tried.
    """
    failed: list[Exception] = []
    for step in steps:
        try:
            await step
        except Exception as exc:  # re-raised below; each is logged by ``store``
            failed.append(exc)
    if failed:
        raise failed[0]
