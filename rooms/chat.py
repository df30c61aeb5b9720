"""The room chat: the hot path that fans one message out, and the seat of moderation.

``ChatService.send`` checks the sender (present on this connection, allowed
to chat, not frozen by the teacher-absent failsafe), resolves the channel
(the room or the sender's breakout group, the teachers, a pupil's thread with
the teachers, a private message), hands the message to the ``ChatGate`` and
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
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Generic, Protocol, TypeVar

from cluster import Commit
from protocol.api.grants import RoomRole
from protocol.errors import CodedError, Forbidden, InvalidPayload, NotFound, Unavailable
from protocol.events.base import ServerEvent
from protocol.events.chat import ChatChannel, ChatMessagePosted
from protocol.ids import MessageId, ParticipantId, ProjectId, RoomId, SchoolId, UserId, new_id

from .actors import RoomActor, require_present
from .errors import NotInRoom, RoomClosed, TeacherAbsent
from .kernel import MAX_ATTEMPTS, Change, Outgoing, RoomKernel
from .model import ALL, STAFF, Audience, Participant, group_audience, user_audience
from .policy import effective, require_staff
from .state import META, RoomView, decode_meta, decode_participant, participant_field
from .views import at

logger = logging.getLogger(__name__)

T = TypeVar("T")

CHAT_FIELD = "chat"
"""The room state field holding the session's chat policy (moderation's text)."""
EVERYONE: Audience = ALL
TEACHERS: Audience = STAFF


def person(user_id: str) -> Audience:
    """The audience of one user's connections to the room."""
    return user_audience(user_id)


def group(group_id: str) -> Audience:
    """The audience of one breakout group (and the teachers visiting it)."""
    return group_audience(group_id)


@dataclass(frozen=True, slots=True)
class ChatRoute:
    """Where a message goes: its channel and the people that channel names."""

    channel: ChatChannel
    sender_user_id: UserId
    group_id: str | None = None
    """``room`` in a breakout group: the group."""
    peer_user_id: UserId | None = None
    """``teachers``: the pupil whose thread it is (the sender, for a pupil); ``direct``:
    the recipient."""
    peer_participant_id: ParticipantId | None = None

    def audiences(self) -> tuple[Audience, ...]:
        """One audience per copy of the message, the teachers' copy first."""
        if self.channel is ChatChannel.ROOM:
            return (EVERYONE if self.group_id is None else group(self.group_id),)
        if self.channel is ChatChannel.STAFF:
            return (TEACHERS,)
        assert self.peer_user_id is not None
        if self.channel is ChatChannel.TEACHERS:
            return (TEACHERS, person(self.peer_user_id))
        return (person(self.sender_user_id), person(self.peer_user_id))

    def copy_of(self, user_id: UserId, *, is_staff: bool) -> int:
        """Which copy reaches ``user_id`` (its index in ``audiences``)."""
        if self.channel is ChatChannel.TEACHERS and not is_staff:
            return 1
        if self.channel is ChatChannel.DIRECT and user_id != self.sender_user_id:
            return 1
        return 0


@dataclass(frozen=True, slots=True)
class ChatDraft:
    """A message on its way, as the gate sees it."""

    room_id: RoomId
    session_id: str
    project_id: ProjectId
    message_id: MessageId
    participant_id: ParticipantId
    user_id: UserId
    role: RoomRole
    school_id: SchoolId | None
    route: ChatRoute
    text: str
    client_msg_id: str | None
    sent_at: datetime

    @property
    def group_id(self) -> str | None:
        """The breakout group it goes to; None: not a group message."""
        return self.route.group_id


@dataclass(frozen=True, slots=True)
class Notice:
    """An event for one audience, appended in the same commit as a change."""

    audience: Audience
    event: ServerEvent


@dataclass(frozen=True, slots=True)
class ChatOutcome:
    """What became of a message."""

    message_id: MessageId
    seq: int | None
    """The ``seq`` of the sender's copy of ``chat.message_posted``; None when held,
    and for a repeated ``client_msg_id``."""
    is_held: bool = False
    is_duplicate: bool = False


@dataclass(frozen=True, slots=True)
class Screened:
    """The gate's answer for a message it let through or held."""

    draft: ChatDraft
    """The message to post (its text may have been changed)."""
    is_held: bool = False
    links_allowed: bool = False
    notices: tuple[Notice, ...] = ()
    """Appended with the message (or, when held, instead of it)."""
    duplicate: ChatOutcome | None = None
    """Set when the sender's ``client_msg_id`` was used before: nothing is appended."""


class ChatGate(Protocol):
    """The seat of the moderation pipeline: every message crosses it."""

    async def initial_policy(self, room_id: RoomId, project_id: ProjectId) -> str | None:
        """The chat policy a session starts with (None: the room keeps none)."""
        ...

    def admit(self, draft: ChatDraft, policy: str | None, now: float) -> None:
        """Check the message against the room's chat policy (pure; every attempt).

        Raises:
            CodedError: The chat is locked, the sender muted...
        """
        ...

    async def screen(self, draft: ChatDraft, policy: str | None) -> Screened:
        """Decide a message's fate and store it, before anyone sees it (once).

        Raises:
            CodedError: The message is refused (rate limit, filter...); the
                code reaches the sender in the error acknowledgement.
        """
        ...

    async def withdraw(self, screened: Screened) -> None:
        """Forget a screened message whose append failed (it was never sent)."""
        ...


class OpenGate:
    """A ``ChatGate`` that lets every message through and stores nothing (tests)."""

    async def initial_policy(self, room_id: RoomId, project_id: ProjectId) -> str | None:
        return None

    def admit(self, draft: ChatDraft, policy: str | None, now: float) -> None:
        return None

    async def screen(self, draft: ChatDraft, policy: str | None) -> Screened:
        return Screened(draft)

    async def withdraw(self, screened: Screened) -> None:
        return None


def posting(route: ChatRoute, event: ChatMessagePosted) -> list[Notice]:
    """The copies of ``event`` that ``route`` sends, in the order of ``route.audiences``."""
    return [Notice(audience, event) for audience in route.audiences()]


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


@dataclass
class ChatChange(Generic[T]):
    """What a chat action wants: a new policy, events, and a result."""

    result: T
    policy: str | None = None
    """The session's new chat policy; None leaves it."""
    notices: list[Notice] = field(default_factory=list)


def _route(sender: Participant, channel: ChatChannel, target: Participant | None) -> ChatRoute:
    """Where a message from ``sender`` on ``channel`` goes.

    Raises:
        InvalidPayload: A recipient missing, unexpected or oneself.
        Forbidden: A pupil in the teachers' channel; a teacher in a private one.
    """
    if channel is ChatChannel.ROOM or channel is ChatChannel.STAFF:
        if target is not None:
            raise InvalidPayload(
                "to_participant_id is for direct and teachers messages",
                details={"field": "to_participant_id"},
            )
        if channel is ChatChannel.STAFF:
            if not sender.is_staff:
                raise Forbidden("only teachers write in the teachers' channel")
            return ChatRoute(channel, sender.user_id)
        return ChatRoute(channel, sender.user_id, group_id=sender.group_id)
    if channel is ChatChannel.TEACHERS:
        if sender.is_staff:
            if target is None or target.is_staff:
                raise InvalidPayload(
                    "name the pupil whose thread this is", details={"field": "to_participant_id"}
                )
            owner = target
        else:
            if target is not None and target.participant_id != sender.participant_id:
                raise InvalidPayload(
                    "a pupil writes in their own thread only",
                    details={"field": "to_participant_id"},
                )
            owner = sender
        return ChatRoute(
            channel,
            sender.user_id,
            peer_user_id=owner.user_id,
            peer_participant_id=owner.participant_id,
        )
    if target is None or target.participant_id == sender.participant_id:
        raise InvalidPayload(
            "name someone else to write to", details={"field": "to_participant_id"}
        )
    if sender.is_staff or target.is_staff:
        raise Forbidden("private messages are between pupils; teachers use the teachers' thread")
    return ChatRoute(
        channel,
        sender.user_id,
        peer_user_id=target.user_id,
        peer_participant_id=target.participant_id,
    )


def _posted(screened: Screened) -> list[Notice]:
    draft = screened.draft
    route = draft.route
    return posting(
        route,
        ChatMessagePosted(
            message_id=draft.message_id,
            participant_id=draft.participant_id,
            text=draft.text,
            sent_at=draft.sent_at,
            group_id=route.group_id,
            client_msg_id=draft.client_msg_id,
            channel=route.channel,
            to_participant_id=route.peer_participant_id,
            links_allowed=screened.links_allowed,
        ),
    )


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
        message_id = MessageId(new_id())
        sent_at = at(self._kernel.now())
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
                    route=_route(sender, channel, target),
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
                notices = list(screened.notices)
                if not screened.is_held:
                    notices = _posted(screened) + notices
                expect = {META: meta_text, names[1]: participant_text, CHAT_FIELD: policy}
                seqs = await state.commit(
                    actor.room_id,
                    Commit(
                        expect_fields=expect,
                        events=[Outgoing(n.audience, n.event).encode() for n in notices],
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
