"""The room chat: the hot path that fans one message out, and the seat of moderation.

``ChatService.send`` checks the sender (present on this connection, allowed
to chat, not frozen by the teacher-absent failsafe), resolves the channel
(``rooms.gate.route_for``: the room or the sender's breakout group, the
teachers, a pupil's thread with the teachers, a private message), hands the
message to the ``ChatGate`` (``rooms.gate``) and
appends ``chat.message_posted`` to the room's log, guarded by the exact
records it checked: if a teacher muted the sender meanwhile, the message is
refused rather than posted after the mute.

The gate is the moderation pipeline's one seat, in two halves:

* ``admit`` is pure and runs on every attempt against the room's chat policy
  (the ``chat`` field of the room state, opaque text to rooms: locks, mutes,
  slow mode...), so a commit guarded by that field never posts under a policy
  it did not check;
* ``screen`` runs once per message: rate limits, filters, pre-moderation, and
  storing the message *before* anyone sees it (one database write). It may
  hold the message, and then its notices (to the teachers, to the sender) are
  appended instead of the message. If the append then fails, ``withdraw``
  forgets the stored message, so nothing stored was left unsent.

Per message: two reads and one atomic append in the shared state, the gate's
work, nothing per recipient; the event is serialised once for every
recipient. Several copies of one message (a pupil's thread with the
teachers: one for the teachers, one for the pupil) are appended in the same
commit.

``context`` and ``act`` give moderation what it needs for the teachers'
actions without reaching into the room's records: who the actor is now, the
room's chat policy, and one atomic commit of a new policy with its events.
Moderation may also keep *marks* in the session's state (``ChatChange.marks``,
read back with ``ChatRoom.mark``), committed with those events: a record of
what the room was told, which a later action can check (a held message's
decision is told once; see ``moderation.chat.queue``). They go with the
session's other fields when it ends.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Generic, TypeVar

from cluster import Commit, NewEvent
from protocol.errors import CodedError, Forbidden, NotFound, Unavailable
from protocol.events.chat import ChatChannel, ChatMessagePosted, posted_body
from protocol.ids import MessageId, ProjectId, RoomId

from .actors import RoomActor, require_present
from .errors import NotInRoom, RoomClosed, TeacherAbsent
from .gate import (
    CHAT_FIELD,
    ChatDraft,
    ChatGate,
    ChatOutcome,
    Notice,
    Screened,
    route_for,
)
from .kernel import MAX_ATTEMPTS, Change, Outgoing, RoomKernel
from .model import Participant
from .policy import effective, require_staff
from .state import META, RoomView, decode_meta, decode_participant, participant_field
from .views import at

logger = logging.getLogger(__name__)

T = TypeVar("T")

MARK = "m:"
"""Prefix of moderation's marks among the room's fields."""

_VARIANT = {digit: "89ab"[int(digit, 16) & 3] for digit in "0123456789abcdef"}
"""A random hex digit made the RFC 9562 variant digit (``10xx``), keeping two random bits."""


def message_id_at(timestamp: float) -> MessageId:
    """A new message id that sorts by time: the layout of a UUIDv7 (RFC 9562).

    The first 48 bits are the clock's milliseconds, the rest random but for
    the version and variant bits (74 random bits: as unguessable as any id
    should be; the time they reveal is the message's ``sent_at``, which every
    reader gets anyway). Why not a random UUID4 like other ids: moderated chat
    stores every message before it is sent, and the table's unique index on
    ``message_id`` then took each new id at a random leaf of its B-tree (a
    page read and written per message, and splits all over the index); ids of
    one time land on the same few pages, the newest ones (bench/README.md,
    chat_fanout). Still a valid UUID in its canonical text form.
    """
    millis = int(timestamp * 1000) & 0xFFFF_FFFF_FFFF
    h = os.urandom(10).hex()
    return MessageId(
        f"{millis >> 16:08x}-{millis & 0xFFFF:04x}-7{h[:3]}-{_VARIANT[h[3]]}{h[4:7]}-{h[7:19]}"
    )


@dataclass(frozen=True)
class ChatRoom:
    """The room as a teacher's (or participant's) chat action sees it."""

    room_id: RoomId
    session_id: str
    project_id: ProjectId
    actor: Participant
    policy: str | None
    """The session's chat policy text (its initial one if none was kept yet)."""
    now: float
    _view: RoomView = field(repr=False)

    def participant(self, participant_id: str) -> Participant | None:
        """Anyone of this session, present or away."""
        return self._view.participant(participant_id)

    def participants(self) -> Iterator[Participant]:
        return self._view.participants()

    def mark(self, name: str) -> str | None:
        """A mark committed by ``ChatService.act`` in this session (None: none)."""
        return self._view.raw.get(MARK + name)

    def marks(self, prefix: str) -> Iterator[tuple[str, str]]:
        """Every mark of this session whose name starts with ``prefix``: (name, value)."""
        start = MARK + prefix
        for key, value in self._view.raw.items():
            if key.startswith(start):
                yield key[len(MARK) :], value


@dataclass
class ChatChange(Generic[T]):
    """What a chat action wants: a new policy, events, and a result."""

    result: T
    policy: str | None = None
    """The session's new chat policy; None leaves it."""
    notices: list[Notice] = field(default_factory=list)
    marks: dict[str, str] = field(default_factory=dict)
    """Marks to keep in the session's state, in the same commit as the notices."""


def _posted(screened: Screened) -> list[NewEvent]:
    """The copies of the message's ``chat.message_posted``, as the log takes them.

    Its body is written once for every copy (``protocol.events.chat.posted_body``:
    the text of ``ChatMessagePosted``'s serialiser, without building the model).
    """
    draft = screened.draft
    route = draft.route
    body = posted_body(
        message_id=draft.message_id,
        participant_id=draft.participant_id,
        text=draft.text,
        sent_at=draft.sent_at,
        group_id=route.group_id,
        client_msg_id=draft.client_msg_id,
        channel=route.channel,
        to_participant_id=route.peer_participant_id,
        links_allowed=screened.links_allowed,
    )
    return [NewEvent(audience, _POSTED, body) for audience in route.audiences()]


_POSTED = ChatMessagePosted.name


class ChatService:
    """Posts chat messages, and runs moderation's actions on the room.

    Args:
        kernel: Room state and events.
        gate: The moderation pipeline's seat.
    """

    def __init__(self, *, kernel: RoomKernel, gate: ChatGate) -> None:
        self._kernel = kernel
        self._gate = gate

    async def send(
        self,
        actor: RoomActor,
        text: str,
        client_msg_id: str | None,
        *,
        channel: ChatChannel = ChatChannel.ROOM,
        to: str | None = None,
    ) -> ChatOutcome:
        """Post a message.

        Args:
            text: Already cleaned and bounded by the wire model.
            channel: Where it goes (see ``ChatChannel``).
            to: ``direct``: the recipient; ``teachers`` from a teacher: the pupil.

        Raises:
            NotInRoom, RoomClosed: The sender is not present on this connection.
            Forbidden: The sender may not chat (or not on this channel).
            TeacherAbsent: The failsafe froze pupils' chat.
            NotFound: No such recipient in this session.
            InvalidPayload: A recipient missing or unexpected for the channel.
            CodedError: Whatever the gate refuses the message with.
            Unavailable: The sender's records kept changing under it.
        """
        state = self._kernel.state
        names = [META, participant_field(actor.participant_id), CHAT_FIELD]
        if to is not None:
            names.append(participant_field(to))
        now = self._kernel.now()
        message_id = message_id_at(now)
        sent_at = at(now)
        screened: Screened | None = None
        try:
            for _ in range(MAX_ATTEMPTS):
                loaded = await state.load_fields(actor.room_id, names)
                meta_text, participant_text, policy = loaded[0], loaded[1], loaded[2]
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
                target = None
                if to is not None:
                    if loaded[3] is None:
                        raise NotFound("no such participant")
                    target = decode_participant(loaded[3])
                if policy is None and screened is None:
                    project_id = ProjectId(meta.project_id)
                    initial = await self._gate.initial_policy(actor.room_id, project_id)
                    if initial is not None:
                        # Once per session: the policy every later message reads.
                        await state.commit(
                            actor.room_id,
                            Commit(
                                expect_fields={META: meta_text, CHAT_FIELD: None},
                                set_fields={CHAT_FIELD: initial},
                            ),
                        )
                        continue
                draft = ChatDraft(
                    room_id=actor.room_id,
                    session_id=meta.session_id,
                    project_id=ProjectId(meta.project_id),
                    message_id=message_id,
                    participant_id=sender.participant_id,
                    user_id=sender.user_id,
                    role=sender.role,
                    school_id=sender.school_id,
                    route=route_for(sender, channel, target),
                    text=text,
                    client_msg_id=client_msg_id,
                    sent_at=sent_at,
                )
                self._gate.admit(draft, policy, self._kernel.now())
                if screened is None:
                    # Once per message, after the checks, before anyone can see it.
                    screened = await self._gate.screen(draft, policy)
                    if screened.duplicate is not None:
                        return screened.duplicate
                elif screened.draft.route != draft.route:
                    raise Unavailable("the room changed while sending; send again")
                events = [Outgoing(n.audience, n.event).encode() for n in screened.notices]
                if not screened.is_held:
                    events = _posted(screened) + events
                expect = {META: meta_text, names[1]: participant_text, CHAT_FIELD: policy}
                seqs = await state.commit(
                    actor.room_id,
                    Commit(
                        expect_fields=expect,
                        events=events,
                    ),
                )
                if seqs is not None:
                    own = screened.draft.route.copy_of(sender.user_id, is_staff=sender.is_staff)
                    return ChatOutcome(
                        message_id=message_id,
                        seq=None if screened.is_held else seqs[own],
                        is_held=screened.is_held,
                    )
            logger.warning("chat append kept conflicting", extra={"room_id": actor.room_id})
            raise Unavailable("the room is busy; try again")
        except Exception:
            if screened is not None and screened.duplicate is None:
                await self._withdraw(screened)
            raise

    async def context(self, actor: RoomActor, *, staff: bool) -> ChatRoom:
        """The room as the actor finds it now (to check a chat action before storing it).

        Raises:
            NotInRoom, RoomClosed: See ``require_present``.
            Forbidden: ``staff`` and the actor is not a teacher now.
        """
        view = await self._kernel.view(actor.room_id)
        participant = require_present(view, actor)
        if staff:
            require_staff(participant)
        policy = view.raw.get(CHAT_FIELD)
        if policy is None:
            policy = await self._gate.initial_policy(actor.room_id, ProjectId(view.meta.project_id))
        return self._room(view, participant, policy)

    async def act(
        self,
        actor: RoomActor,
        decide: Callable[[ChatRoom], ChatChange[T]],
        *,
        staff: bool = True,
    ) -> tuple[T, tuple[int, ...]]:
        """Decide on the room and commit the new chat policy and events atomically.

        ``decide`` is pure (it may run again when another node changed the room).

        Returns:
            The decision's result and the ``seq`` of each of its notices.

        Raises:
            NotInRoom, RoomClosed: See ``require_present``.
            Forbidden: ``staff`` and the actor is not a teacher now.
            CodedError: Whatever ``decide`` raises (nothing changed).
        """
        view = await self._kernel.view(actor.room_id)
        initial = None
        if view.is_open and CHAT_FIELD not in view.raw:
            initial = await self._gate.initial_policy(
                actor.room_id, ProjectId(view.meta.project_id)
            )

        def decide_on(current: RoomView) -> Change[T]:
            participant = require_present(current, actor)
            if staff:
                require_staff(participant)
            kept = current.raw.get(CHAT_FIELD)
            wanted = decide(self._room(current, participant, kept or initial))
            change: Change[T] = Change(wanted.result)
            if wanted.policy is not None and wanted.policy != kept:
                change.set_fields[CHAT_FIELD] = wanted.policy
            change.events.extend(Outgoing(n.audience, n.event) for n in wanted.notices)
            for name, value in wanted.marks.items():
                change.set_fields[MARK + name] = value
            return change

        applied = await self._kernel.mutate(actor.room_id, decide_on)
        return applied.result, applied.seqs

    def _room(self, view: RoomView, actor: Participant, policy: str | None) -> ChatRoom:
        meta = view.meta
        return ChatRoom(
            room_id=view.room_id,
            session_id=meta.session_id,
            project_id=ProjectId(meta.project_id),
            actor=actor,
            policy=policy,
            now=self._kernel.now(),
            _view=view,
        )

    async def _withdraw(self, screened: Screened) -> None:
        try:
            await self._gate.withdraw(screened)
        except CodedError as exc:
            logger.error(
                "a stored message that was not sent could not be withdrawn: %s",
                exc.code.value,
                extra={"room_id": screened.draft.room_id, "message_id": screened.draft.message_id},
            )
