"""The chat's seat for moderation: a message on its way, where it goes, and the gate.

``ChatService`` (``rooms.chat``) builds a ``ChatDraft`` for each message,
with its ``ChatRoute`` (``route_for``: the channel and the people it names),
and hands it to the ``ChatGate``, the one seat of the moderation pipeline
(see ``rooms.chat`` for when each of the gate's methods runs). The gate
answers with ``Screened``: the message to post (or to hold) and the notices
to append with it. ``OpenGate`` lets everything through and stores nothing
(tests of the rooms alone).

The records made for every message (``ChatRoute``, ``ChatDraft``, ``Screened``,
``ChatOutcome``) are named tuples: immutable as frozen dataclasses, but made
without an ``object.__setattr__`` call per field (a frozen dataclass of twelve
fields took about 1 µs to make, on every send).

Rules of the channels (checked here, before the gate sees anything):

* ``room``: everyone, or the sender's breakout group;
* ``staff``: teachers only, from teachers;
* ``teachers``: a pupil's own thread with the room's teachers (a teacher
  names the pupil);
* ``direct``: one pupil to another; teachers and observers neither send nor
  receive private messages (a teacher's switch turns them on: the gate).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import NamedTuple, Protocol

from protocol.api.grants import RoomRole
from protocol.errors import Forbidden, InvalidPayload
from protocol.events.base import ServerEvent
from protocol.events.chat import ChatChannel, ChatMessagePosted
from protocol.ids import MessageId, ParticipantId, ProjectId, RoomId, SchoolId, UserId

from .model import ALL, STAFF, Audience, Participant, group_audience, user_audience

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


class ChatRoute(NamedTuple):
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


class ChatDraft(NamedTuple):
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


class ChatOutcome(NamedTuple):
    """What became of a message."""

    message_id: MessageId
    seq: int | None
    """The ``seq`` of the sender's copy of ``chat.message_posted``; None when held,
    and for a repeated ``client_msg_id``."""
    is_held: bool = False
    is_duplicate: bool = False


class Screened(NamedTuple):
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


def route_for(sender: Participant, channel: ChatChannel, target: Participant | None) -> ChatRoute:
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
    if sender.role is not RoomRole.PUPIL or target.role is not RoomRole.PUPIL:
        # Adults (teachers, observers) never write privately to a pupil.
        raise Forbidden("private messages are between pupils; teachers use the teachers' thread")
    return ChatRoute(
        channel,
        sender.user_id,
        peer_user_id=target.user_id,
        peer_participant_id=target.participant_id,
    )
