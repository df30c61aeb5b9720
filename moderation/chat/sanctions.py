"""Teachers' sanctions and settings in a room's chat: delete, mute, clear, lock, policy.

Each action is checked against the room as it is now (a present teacher,
acting on a participant of lower rank), written to the audit log with its
reason code, and reaches the room in one atomic commit of the session's new
chat policy with its events:

* **delete**: the message's text is dropped for good; everyone who could see
  it gets ``chat.message_deleted`` (late joiners read a tombstone), and the
  room's event log keeps, under the same ``seq``, a tombstone where its copies
  were (``EventLog.redact``): a client that reconnects inside the replay
  window never receives the text;
* **mute** / **unmute**: the participant cannot write until a time; the
  teachers and the participant are told (``chat.mute_changed``);
* **clear**: every message so far leaves the participants' view
  (``chat.cleared``; in the room's log, each becomes a ``chat.cleared``
  under its ``seq``); the teachers keep them in the session's transcript;
* **policy**: lock the chat, slow mode, clickable links, private messages
  for this session, pre-moderation and personal data (kept for the room's
  next sessions): ``chat.policy_changed`` to everyone.

Every action here is kept first, then told; each reaches the room in one
room commit, after its transaction.

Delete and clear commit the message rows and the audit first: from then on
no history shows the text, whatever happens to the telling. If the room
cannot be told (a crash, its store unreachable), its clients still show the
message (the teacher's too, who acts again) and a reconnecting one may
replay it; acting again tells the room: a second delete finds the message
deleted without its mark ``deleted:<message_id>`` (committed with the
tombstone) and tells it, once; a second clear clears what is left and tells
again (``chat.cleared`` twice is harmless). Telling first, inside the
transaction, had the worse failure: a room told and a database that kept
the text, shown again by every history read to late joiners, after the
teacher saw it gone and had no reason to act again.

Mute and policy commit the audit entry (and the lasting settings) first,
then the room: a mute or a setting *is* the session's chat policy in the
room's state, committed with its event, so the room cannot be muted or
locked without being told, nor told without it. A crash or an unreachable
room store between the two commits leaves the room as it was (the teacher
gets an error, or nothing, and acts again) and an audit entry for an
attempt that did not take effect: every sanction in effect is audited, some
audited attempts are not in effect (and a policy's lasting settings may
already apply to the room's next session). A client that missed the event
and resumes from a snapshot (which holds no chat) reads the policy and its
own mute in ``chat.history`` (``ChatPage.policy``, ``muted_until``), from the
same room state.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from cluster import Clock, Redaction
from protocol.errors import Forbidden, InvalidPayload, NotFound
from protocol.events.chat import (
    ChatCleared,
    ChatMessageDeleted,
    ChatMessageHeld,
    ChatMessagePosted,
    ChatMuteChanged,
    ChatPolicyChanged,
    ChatPolicyView,
)
from protocol.events.moderation import MessageHeld, ModerationReason
from protocol.ids import MessageId
from rooms import (
    EVERYONE,
    TEACHERS,
    ChatChange,
    ChatRoom,
    Notice,
    Participant,
    RoomActor,
    RoomServices,
    person,
)
from storage import Database

from ..policy import PersonalDataPolicy, Premoderation
from .acting import RoomAction, replacing
from .errors import AlreadyDecided
from .policy import ChatPolicy
from .views import at, route_of

TEXT_BEARING = (ChatMessagePosted.name, ChatMessageHeld.name, MessageHeld.name)
"""The logged events that carry a message's text: its copies, and the notices of
its wait for a teacher (the sender's and the teachers')."""

DELETED = "deleted:"
"""Prefix of a deleted message's mark in the session's state: the room was told."""

CLEARED = Redaction(
    names=(ChatMessagePosted.name,),
    name=ChatCleared.name,
    body=ChatCleared().model_dump_json(exclude={"seq"}),
)
"""How the room's log forgets a cleared chat: every kept message becomes ``chat.cleared``."""

_HOST = re.compile(r"[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)+")


@dataclass(frozen=True, slots=True)
class PolicyChanges:
    """What a teacher changes in the chat's settings (None: unchanged)."""

    locked: bool | None = None
    slow_mode_s: float | None = None
    """0 turns slow mode off."""
    links_allowed: bool | None = None
    direct_messages: bool | None = None
    premoderation: Premoderation | None = None
    personal_data: PersonalDataPolicy | None = None
    allowed_domains: tuple[str, ...] | None = None

    def applied_to(self, policy: ChatPolicy) -> ChatPolicy:
        changed = {
            name: getattr(self, name)
            for name in (
                "locked",
                "links_allowed",
                "direct_messages",
                "premoderation",
                "personal_data",
                "allowed_domains",
            )
            if getattr(self, name) is not None
        }
        if self.slow_mode_s is not None:
            changed["slow_mode_s"] = self.slow_mode_s or None
        return replace(policy, **changed)

    def names(self) -> list[str]:
        """The settings changed, for the audit log."""
        return [name for name in self.__slots__ if getattr(self, name) is not None]


def clean_domains(domains: list[str]) -> tuple[str, ...]:
    """Link hosts as the filter compares them.

    Raises:
        InvalidPayload: Not a host name like ``wikipedia.org``.
    """
    cleaned = []
    for domain in domains:
        host = domain.strip().lower().removeprefix("www.")
        if not _HOST.fullmatch(host):
            raise InvalidPayload(
                "allowed_domains lists host names like wikipedia.org",
                details={"field": "allowed_domains"},
            )
        cleaned.append(host)
    return tuple(sorted(set(cleaned)))


def tombstone_of(message_id: MessageId) -> Redaction:
    """How the room's log forgets a deleted message: each event bearing its text
    becomes ``chat.message_deleted``, the event its live clients get."""
    return replacing(TEXT_BEARING, message_id, ChatMessageDeleted(message_id=message_id))


def _lower_rank(room: ChatRoom, participant_id: str) -> Participant:
    """The target of a sanction: anyone of the session but a teacher.

    Raises:
        NotFound: No such participant. Forbidden: a teacher.
    """
    target = room.participant(participant_id)
    if target is None:
        raise NotFound("no such participant")
    if target.is_staff:
        raise Forbidden("teachers act only on participants of lower rank")
    return target


class ChatSanctions:
    """Delete, mute, clear and the chat's settings.

    Args:
        db: Messages, settings and the audit log.
        rooms: The live rooms.
        clock: For action times.
    """

    def __init__(self, *, db: Database, rooms: RoomServices, clock: Clock) -> None:
        self._db = db
        self._rooms = rooms
        self._clock = clock

    async def delete(
        self, actor: RoomActor, message_id: MessageId, reason: ModerationReason
    ) -> None:
        """Delete a posted message for everyone.

        Kept first, then told (see the module docstring): when the room
        cannot be told, the message is gone from every history already, and
        deleting it again tells the room, once (the mark ``deleted:<id>``).

        Raises:
            NotInRoom, RoomClosed: Not present. Forbidden: not a teacher now.
            NotFound: No such message in this session.
            AlreadyDecided: It is not posted (waiting: refuse it instead;
                deleted and told already).
            ClusterUnavailable: The room could not be told (delete it again).
        """
        acting = await RoomAction.begin(self._rooms, self._clock, actor)
        told = DELETED + message_id
        async with self._db.transaction("moderation.chat_delete") as uow:
            message = await acting.message(uow, message_id)
            if await uow.moderation.tombstone(message_id, decided_by=actor.user_id, at=acting.at):
                await acting.audit(
                    uow,
                    "chat.message_deleted",
                    subject_type="chat_message",
                    subject_id=message_id,
                    reason=reason.value,
                    participant_id=message.participant_id,
                )
            elif message.status != "deleted" or acting.room.mark(told) is not None:
                raise AlreadyDecided("only a posted message can be deleted")
            # else: deleted before, the room never told: tell it now.
        audiences = list(route_of(message).audiences())
        if EVERYONE not in audiences and TEACHERS not in audiences:
            # Teachers read groups' and private messages in their history too.
            audiences.append(TEACHERS)
        # The log first: a client reconnecting from now on replays no text;
        # then the live ones get the tombstone, once.
        await acting.redact(tombstone_of(message_id))
        tombstone = ChatMessageDeleted(message_id=message_id)

        def decide(current: ChatRoom) -> ChatChange[None]:
            if current.mark(told) is not None:
                return ChatChange(None)
            notices = [Notice(audience, tombstone) for audience in audiences]
            return ChatChange(None, notices=notices, marks={told: "1"})

        await self._rooms.chat.act(actor, decide)

    async def mute(
        self,
        actor: RoomActor,
        participant_id: str,
        duration_s: float | None,
        reason: ModerationReason | None,
    ) -> None:
        """Mute a participant in the chat for ``duration_s`` (None: unmute).

        Raises:
            NotInRoom, RoomClosed: Not present. Forbidden: not a teacher now, or a
                teacher as the target.
            NotFound: No such participant in this session.
        """
        acting = await RoomAction.begin(self._rooms, self._clock, actor)
        target = _lower_rank(acting.room, participant_id)
        async with self._db.transaction("moderation.chat_mute") as uow:
            await acting.audit(
                uow,
                "chat.muted" if duration_s is not None else "chat.unmuted",
                subject_type="user",
                subject_id=target.user_id,
                reason=None if reason is None else reason.value,
                duration_s=duration_s or 0,
            )

        def decide(current: ChatRoom) -> ChatChange[None]:
            muted = _lower_rank(current, participant_id)
            until = None if duration_s is None else current.now + duration_s
            policy = ChatPolicy.decode(current.policy).with_mute(muted.user_id, until, current.now)
            event = ChatMuteChanged(
                participant_id=muted.participant_id, until=None if until is None else at(until)
            )
            return ChatChange(
                None,
                policy=policy.encode(),
                notices=[Notice(TEACHERS, event), Notice(person(muted.user_id), event)],
            )

        await self._rooms.chat.act(actor, decide)

    async def clear(self, actor: RoomActor, reason: ModerationReason) -> int:
        """Clear the chat for everyone; returns how many messages left the view.

        Raises:
            NotInRoom, RoomClosed: Not present. Forbidden: not a teacher now.
            ClusterUnavailable: The room could not be told (cleared all the same:
                clear again to tell it).
        """
        acting = await RoomAction.begin(self._rooms, self._clock, actor)
        room = acting.room
        async with self._db.transaction("moderation.chat_clear") as uow:
            cleared = await uow.moderation.clear_session(
                room.room_id, room.session_id, decided_by=actor.user_id, at=acting.at
            )
            await acting.audit(
                uow,
                "chat.cleared",
                subject_type="room",
                subject_id=room.room_id,
                reason=reason.value,
                session_id=room.session_id,
                messages=cleared,
            )
        # As a delete: kept, then told, the log first, so that a reconnecting
        # client replays no cleared text. Clearing again tells again.
        await acting.redact(CLEARED)
        await acting.tell([Notice(EVERYONE, ChatCleared())])
        return cleared

    async def set_policy(self, actor: RoomActor, changes: PolicyChanges) -> ChatPolicyView:
        """Change the chat's settings; the lasting ones are kept for the room's next sessions.

        Raises:
            NotInRoom, RoomClosed: Not present. Forbidden: not a teacher now.
        """
        acting = await RoomAction.begin(self._rooms, self._clock, actor)
        room = acting.room
        updated = changes.applied_to(ChatPolicy.decode(room.policy))
        async with self._db.transaction("moderation.chat_policy") as uow:
            await uow.moderation.put_room_settings(
                updated.lasting(room.room_id), updated_by=actor.user_id, at=acting.at
            )
            await acting.audit(
                uow,
                "chat.policy_changed",
                subject_type="room",
                subject_id=room.room_id,
                changed=changes.names(),
            )

        def decide(current: ChatRoom) -> ChatChange[ChatPolicyView]:
            policy = changes.applied_to(ChatPolicy.decode(current.policy))
            view = policy.view()
            return ChatChange(
                view,
                policy=policy.encode(),
                notices=[Notice(EVERYONE, ChatPolicyChanged(policy=view))],
            )

        view, _ = await self._rooms.chat.act(actor, decide)
        return view
