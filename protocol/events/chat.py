"""The room chat: channels, messages, history, reports, and what pupils see of moderation.

Every message crosses the moderation pipeline before anyone else sees it (see
docs/protocol.md, "Chat and moderation"). A refused message is an error
acknowledgement (``message_rejected`` with ``details.reason``); a held one is
acknowledged with ``held`` and reaches only its sender (``chat.message_held``)
and the room's teachers (``moderation.message_held``) until a teacher decides.

Text is text: clients render ``text`` as plain text, never as HTML, and make
links clickable only where the message says ``links_allowed``.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from json.encoder import encode_basestring
from typing import Annotated, ClassVar, Literal

from pydantic import BaseModel, Field

from .base import ClientEvent, ServerEvent, WireId, WireModel, wire_enum
from .text import ChatText

MAX_HISTORY_PAGE = 100
"""Most messages one ``chat.history`` answer holds."""


class ChatChannel(StrEnum):
    """Where a message goes."""

    ROOM = "room"
    """Everyone in the room; in a breakout group, the group (and visiting teachers)."""
    STAFF = "staff"
    """The room's teachers only."""
    TEACHERS = "teachers"
    """A pupil's own thread with the room's teachers: the pupil sees their messages and
    the teachers' replies, nobody else does."""
    DIRECT = "direct"
    """One pupil to another, only while a teacher has turned private messages on."""


class ReportReason(StrEnum):
    """Why a participant reports a message (a closed set: no free text about pupils)."""

    UNKIND = "unkind"
    UNSAFE = "unsafe"
    """It frightens me, or someone may be in danger."""
    PERSONAL_DATA = "personal_data"
    SPAM = "spam"
    OTHER = "other"


class ChatPremoderation(StrEnum):
    """Which pupil messages wait for a teacher (``moderation.Premoderation``)."""

    OFF = "off"
    FLAGGED = "flagged"
    ALL = "all"


class ChatPersonalData(StrEnum):
    """What happens to a pupil message with personal data or a link."""

    HOLD = "hold"
    BLOCK = "block"


# -- records -------------------------------------------------------------------


class ChatAccepted(WireModel):
    message_id: str
    seq: int | None
    """The sequence number of your copy of ``chat.message_posted``; None while the
    message is held for a teacher's review, and for a repeated ``client_msg_id``."""
    held: bool = False
    """The message waits for a teacher's approval before anyone sees it."""
    duplicate: bool = False
    """This ``client_msg_id`` was sent before: nothing new was stored or sent, and
    ``message_id`` is the first send's."""


class ChatMessageView(WireModel):
    """A message as ``chat.history`` shows it to one participant."""

    message_id: str
    participant_id: str
    channel: ChatChannel
    to_participant_id: str | None = None
    """``teachers``: the pupil whose thread it is; ``direct``: the recipient."""
    group_id: str | None = None
    state: Literal["posted", "waiting", "deleted"]
    """``waiting``: your own message, held for a teacher; ``deleted``: a tombstone."""
    text: str | None = None
    """Absent on tombstones. Plain text: never render it as HTML."""
    sent_at: datetime
    links_allowed: bool = False
    edited: bool = False
    """A teacher edited the text before approving it."""
    client_msg_id: str | None = None
    """Your own id for the message (your messages only)."""


class ChatPolicyView(WireModel):
    """The room's chat settings as everyone sees them."""

    locked: bool = False
    """Only teachers may write."""
    slow_mode_s: float | None = None
    """Each pupil may send one message every so many seconds."""
    links_allowed: bool = False
    """Links in messages may be shown clickable."""
    direct_messages: bool = False
    """Pupils may write to each other privately (this session only)."""
    premoderation: ChatPremoderation = ChatPremoderation.FLAGGED
    personal_data: ChatPersonalData = ChatPersonalData.HOLD


class ChatPage(WireModel):
    """Messages of the current session, oldest first, and where the next older page starts."""

    messages: list[ChatMessageView]
    before: str | None = None
    """Pass as ``before`` to get older messages; absent when there are none."""
    policy: ChatPolicyView | None = None
    """The room's chat settings now (a late joiner learns them here)."""
    muted_until: datetime | None = None
    """When a teacher's mute of *you* in the chat ends; absent: not muted."""


class ReportAccepted(WireModel):
    report_id: str
    """The same id when the same person reports the same message again."""


# -- commands ------------------------------------------------------------------


class SendChat(ClientEvent):
    """Post a message (by default to the room; in a breakout, to your group)."""

    name: ClassVar[str] = "chat.send"
    result: ClassVar[type[BaseModel] | None] = ChatAccepted

    text: ChatText
    client_msg_id: WireId | None = None
    """Your own id for the message: sending again with it never makes a second message."""
    channel: Annotated[ChatChannel, wire_enum(ChatChannel)] = ChatChannel.ROOM
    to_participant_id: WireId | None = None
    """``direct``: the recipient; ``teachers`` from a teacher: the pupil whose thread it is."""


class ChatHistory(ClientEvent):
    """Page backwards through the current session's messages you may see."""

    name: ClassVar[str] = "chat.history"
    result: ClassVar[type[BaseModel] | None] = ChatPage

    before: WireId | None = None
    """A ``message_id`` (the previous page's ``before``); absent for the latest page."""
    limit: Annotated[int, Field(ge=1, le=MAX_HISTORY_PAGE)] = 50


class ReportMessage(ClientEvent):
    """Tell the room's teachers about a message."""

    name: ClassVar[str] = "chat.report"
    result: ClassVar[type[BaseModel] | None] = ReportAccepted

    message_id: WireId
    reason: Annotated[ReportReason, wire_enum(ReportReason)]


# -- events --------------------------------------------------------------------


class ChatMessagePosted(ServerEvent):
    name: ClassVar[str] = "chat.message_posted"

    message_id: str
    participant_id: str
    text: str
    """Plain text: never render it as HTML."""
    sent_at: datetime
    group_id: str | None = None
    """The breakout group it was written in; absent in the main room."""
    client_msg_id: str | None = None
    channel: ChatChannel = ChatChannel.ROOM
    to_participant_id: str | None = None
    """``teachers``: the pupil whose thread it is; ``direct``: the recipient."""
    links_allowed: bool = False
    """Whether links in it may be shown clickable (a teacher's room setting)."""
    edited: bool = False
    """A teacher edited it before approving it."""


def posted_body(
    *,
    message_id: str,
    participant_id: str,
    text: str,
    sent_at: datetime,
    group_id: str | None,
    client_msg_id: str | None,
    channel: ChatChannel,
    to_participant_id: str | None,
    links_allowed: bool,
) -> str:
    """A ``chat.message_posted`` as the event log takes it: the very text of
    ``ChatMessagePosted(...).model_dump_json(exclude={"seq"})`` (``edited``
    false), written without the model.

    Why: the room chat serialises every message it posts once, on the event
    loop, and building the model (validation) and serialising it cost twice
    this function (8.5 against 3.8 µs here) for fields the server built
    itself (bench/README.md, chat_fanout: the send path's pydantic model). The
    keys come in the model's order; strings are escaped as pydantic escapes
    them (``"``, ``\\`` and the control characters, nothing else: no
    ``\\uXXXX`` for other characters); a UTC time ends in ``Z``. The model
    stays the event's documentation and schema, and a test keeps it as the
    oracle of this function.
    """
    stamp = sent_at.isoformat()
    if stamp.endswith("+00:00"):
        stamp = stamp[:-6] + "Z"
    return (
        f'{{"message_id":{encode_basestring(message_id)},'
        f'"participant_id":{encode_basestring(participant_id)},'
        f'"text":{encode_basestring(text)},"sent_at":"{stamp}",'
        f'"group_id":{"null" if group_id is None else encode_basestring(group_id)},'
        f'"client_msg_id":{"null" if client_msg_id is None else encode_basestring(client_msg_id)},'
        f'"channel":"{channel.value}",'
        f'"to_participant_id":'
        f"{'null' if to_participant_id is None else encode_basestring(to_participant_id)},"
        f'"links_allowed":{"true" if links_allowed else "false"},"edited":false}}'
    )


class ChatMessageHeld(ServerEvent):
    """*You*: your message waits for a teacher (only you and the teachers see it)."""

    name: ClassVar[str] = "chat.message_held"

    message_id: str
    client_msg_id: str | None = None
    channel: ChatChannel = ChatChannel.ROOM
    text: str
    sent_at: datetime
    reason: str
    """The pipeline's reason: ``flagged_word``, ``personal_data`` or ``premoderation``."""


class ChatMessageDeclined(ServerEvent):
    """*You*: a teacher did not approve your waiting message; nobody else saw it."""

    name: ClassVar[str] = "chat.message_declined"

    message_id: str


class ChatMessageDeleted(ServerEvent):
    """A teacher deleted a message: show a tombstone in its place."""

    name: ClassVar[str] = "chat.message_deleted"

    message_id: str


class ChatCleared(ServerEvent):
    """A teacher cleared the chat: remove every message shown so far."""

    name: ClassVar[str] = "chat.cleared"


class ChatPolicyChanged(ServerEvent):
    """A teacher changed the room's chat settings."""

    name: ClassVar[str] = "chat.policy_changed"

    policy: ChatPolicyView


class ChatMuteChanged(ServerEvent):
    """*Teachers and the participant*: a teacher muted (or unmuted) someone in the chat."""

    name: ClassVar[str] = "chat.mute_changed"

    participant_id: str
    until: datetime | None = None
    """When the mute ends; absent: unmuted."""
