"""The held queue of a room: every teacher of the room sees it live and decides.

A held message is stored (``held``) and announced to the room's teachers
only (``moderation.message_held``); its sender sees it waiting. A teacher
approves it as written, edits and approves it, or refuses it. The room
learns the decision in one commit: the message's copies as if just posted
(with the original time, ``edited`` when a teacher changed it) and
``moderation.held_resolved`` to the teachers, or ``chat.message_declined``
to its sender alone. A refused message's text is dropped from the room's log
too: its waiting notices are replayed as the decision, under their own
``seq``. Two teachers deciding at once: one wins, the other gets
``conflict``.

Told once, stored as told. The room's state and its event log live in one
store (``cluster``), the messages in another (the database), and no commit
spans both; so the decision is made *in the room*, where participants see
it, and the database follows:

1. the message is read (it must wait, in this session);
2. one room commit appends the decision's events *and* a mark
   ``held:<message_id>`` holding the decision (``ChatChange.marks``), guarded
   by the mark's absence (the commit is made on the version it checked).
   This is the decision's one moment: a second decision finds the mark and
   appends nothing, so no participant ever gets a message posted twice;
3. a refusal rewrites the waiting notices in the log (idempotent);
4. a short transaction stores the decision the mark holds (guarded
   ``held`` -> ``posted``/``rejected``) with its audit entry, by the teacher
   and at the time of the mark.

A crash or a failing database between 2 and 4 leaves the room told and the
message stored as waiting. Whoever next meets it, a teacher listing the
queue or deciding on it (any teacher: the one who retries gets
``conflict``, the decision having been made), or anyone reading the chat's
history (``settle``, before the page is read), finds the mark and finishes
3 and 4 with the mark's decision, not their own: what is stored becomes what
the room heard, and neither a history page, the queue nor a transcript
(``decision.settle_session``, before its rows are read) shows it waiting. Each message
is settled on its own: one that cannot be stored does not keep the others
waiting (the read still fails, after trying them all). A session's marks go
with its state when it ends, so a message decided in the
last seconds of a session whose database was down then stays waiting for
good (logged). If the room commit in 2 fails, nothing was told nor stored: the
message still waits and the decision can be made again. On one node with
the in-process room store, a crash takes the room's state, log and session
with it: clients rejoin a new session and read its history from the
database, so nothing told is left to agree with.

Why not tell inside the database transaction, as before: a crash or a
failing COMMIT after the room was told rolled the decision back while every
client had the message, and approving it again posted it a second time (live
and in every replay); it also held the database's write lock (SQLite) or the
row (PostgreSQL) across the round trips to the room store. Now the
transaction holds only the update and the audit insert. Once the decision
is stored, one more room commit shortens its mark to ``STORED``: it must
outlive the storing (a rival that read the message waiting before it was
stored must still find it), but not its content. What stays is one field
of about 45 bytes per decided message for the rest of the session, loaded
with the room's other fields by every room command (``RoomKernel.view``),
not by a chat message's path: some 14 KB for 300 decisions (a mark still
holding its decision is about 200 bytes, more for an edit's text).
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from cluster import Clock
from community.clock import utc_now
from protocol.errors import CodedError, NotFound
from protocol.events.moderation import Approved, HeldList, ModerationReason
from protocol.ids import MessageId
from rooms import ChatChange, ChatRoom, RoomActor, RoomServices
from storage import Database
from storage.records_moderation import ChatMessageRecord

from .acting import RoomAction
from .decision import MARK, STORED, Decision, each, mark_of, store
from .errors import AlreadyDecided
from .views import held_view

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

        A message the room already heard decided (its decision not stored
        yet: see the module docstring) is stored now and not listed.

        Raises:
            NotInRoom, RoomClosed: Not present. Forbidden: not a teacher now.
        """
        acting = await RoomAction.begin(self._rooms, self._clock, actor)
        room = acting.room
        async with self._db.transaction("moderation.held_list") as uow:
            held = await uow.moderation.list_held(room.room_id, room.session_id)
        waiting = await self._settle(acting, held)
        return HeldList(messages=[held_view(m) for m in waiting])

    async def settle(self, actor: RoomActor, room: ChatRoom) -> None:
        """Store every decision ``room`` heard whose storing may not have happened yet.

        For readers of the chat other than the queue (``ChatHistory``), any
        participant, before they read the database: so that no history shows
        a message waiting (or, to others, missing) that the room heard
        decided. Reads only the room's state when no such decision is
        pending (a mark not ``STORED``), which is the usual case.

        Raises:
            ClusterUnavailable, DatabaseUnavailable: A pending decision could
                not be stored (the reader would see it waiting).
        """
        pending = {
            name.removeprefix(MARK): heard for name, heard in room.marks(MARK) if heard != STORED
        }
        if not pending:
            return
        acting = RoomAction(self._rooms, actor, room, utc_now(self._clock))
        async with self._db.transaction("moderation.held_settle") as uow:
            found = [await uow.moderation.find_message(m) for m in pending]
        messages = [m for m in found if m is not None and m.session_id == room.session_id]
        for gone in pending.keys() - {m.message_id for m in messages}:
            # Its row is gone (an erasure): nothing to store, and no decision
            # can be made on it again; stop looking it up on every read.
            await self._shorten(acting, gone)
        await self._settle(acting, messages)

    async def _settle(
        self, acting: RoomAction, messages: list[ChatMessageRecord]
    ) -> list[ChatMessageRecord]:
        """Store the decisions the room heard on ``messages``; those it heard none on.

        Raises:
            Exception: The first of the decisions that could not be stored,
                after every other one was (``each``).
        """
        waiting = []
        heard = []
        for message in messages:
            mark = acting.room.mark(mark_of(message.message_id))
            if mark is None:
                waiting.append(message)
            else:
                heard.append((message, mark))
        await each(self._finish_heard(acting, message, mark) for message, mark in heard)
        return waiting

    async def approve(self, actor: RoomActor, message_id: MessageId, text: str | None) -> Approved:
        """Deliver a waiting message (with ``text``: edited by the teacher).

        Raises:
            NotInRoom, RoomClosed: Not present. Forbidden: not a teacher now.
            NotFound: No such message in this session.
            AlreadyDecided: It is not waiting (any more).
            ClusterUnavailable: The room could not be told (it still waits).
            DatabaseUnavailable: The room was told, the decision is not
                stored yet (it will be: see the module docstring).
        """
        seqs = await self._decide(actor, message_id, approve=True, text=text, reason=None)
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
            DatabaseUnavailable: As for ``approve``.
        """
        await self._decide(actor, message_id, approve=False, text=None, reason=reason.value)

    async def _decide(
        self,
        actor: RoomActor,
        message_id: MessageId,
        *,
        approve: bool,
        text: str | None,
        reason: str | None,
    ) -> tuple[int, ...]:
        """Tell the room the decision with its mark, then store it; the notices' ``seq``."""
        acting = await RoomAction.begin(self._rooms, self._clock, actor)
        async with self._db.transaction("moderation.held_read") as uow:
            message = await acting.message(uow, message_id)
        heard = acting.room.mark(mark_of(message_id))
        if heard is not None:
            await self._finish_heard(acting, message, heard)
        if heard is not None or message.status != "held":
            raise AlreadyDecided("this message is not waiting for a decision")
        decision = Decision(
            approve=approve,
            text=text,
            by=actor.user_id,
            by_participant_id=acting.room.actor.participant_id,
            at=acting.at,
            reason=reason,
        )
        earlier, seqs = await self._rooms.chat.act(actor, self._telling(message, decision))
        if earlier is not None:
            # Decided in the room already (a rival teacher, or this decision's
            # earlier attempt whose storing failed): store that one, not ours.
            await self._finish_heard(acting, message, earlier)
            raise AlreadyDecided("this message is not waiting for a decision")
        await self._finish(acting, message, decision)
        return seqs

    @staticmethod
    def _telling(
        message: ChatMessageRecord, decision: Decision
    ) -> Callable[[ChatRoom], ChatChange[str | None]]:
        """The room commit of ``decision``, or the mark of what the room heard before it."""
        name = mark_of(message.message_id)

        def decide(current: ChatRoom) -> ChatChange[str | None]:
            heard = current.mark(name)
            if heard is not None:
                return ChatChange(heard)
            if current.session_id != message.session_id:
                raise NotFound("no such message in this session")
            return ChatChange(
                None, notices=decision.notices(message), marks={name: decision.encode()}
            )

        return decide

    async def _finish_heard(
        self, acting: RoomAction, message: ChatMessageRecord, heard: str
    ) -> None:
        """Store the decision a mark holds, unless it says it is stored."""
        if heard != STORED:
            await self._finish(acting, message, Decision.decode(heard))

    async def _finish(
        self, acting: RoomAction, message: ChatMessageRecord, decision: Decision
    ) -> None:
        """Make the log and the database agree with ``decision``, which the room heard,
        then shorten its mark.

        Idempotent: each step is a no-op once done (a redaction already made,
        a message no longer waiting, a mark already short).
        """
        await store(self._db, self._rooms, message, decision)
        await self._shorten(acting, message.message_id)

    async def _shorten(self, acting: RoomAction, message_id: str) -> None:
        """Rewrite a stored decision's mark to ``STORED``; a failure leaves it long (harmless)."""
        name = mark_of(message_id)

        def decide(current: ChatRoom) -> ChatChange[None]:
            if current.mark(name) in (None, STORED):
                return ChatChange(None)
            return ChatChange(None, marks={name: STORED})

        try:
            # Any present participant may shorten it: no decision is made here.
            await self._rooms.chat.act(acting.actor, decide, staff=False)
        except CodedError as exc:
            logger.info(
                "a stored decision's mark stays long: %s",
                exc.code.value,
                extra={"room_id": acting.room.room_id, "message_id": message_id},
            )
