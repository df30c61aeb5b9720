"""A plain room chat: text only, sequenced like every event a client must not miss.

The wire stays the same when the moderation pipeline arrives: a refused
message is an error acknowledgement, an accepted one is ``chat.message_posted``.
"""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar

from pydantic import BaseModel

from .base import ClientEvent, ServerEvent, WireId, WireModel
from .text import ChatText


class ChatAccepted(WireModel):
    message_id: str
    seq: int | None
    """The sequence number of the resulting ``chat.message_posted``; None while
    the message is held for a teacher's review (pre-moderation)."""
    held: bool = False
    """The message waits for a teacher's approval before anyone sees it."""


class SendChat(ClientEvent):
    """Post a message to the room (or, in a breakout, to your group)."""

    name: ClassVar[str] = "chat.send"
    result: ClassVar[type[BaseModel] | None] = ChatAccepted

    text: ChatText
    client_msg_id: WireId | None = None
    """The client's own id for the message, to recognise its echo."""


class ChatMessagePosted(ServerEvent):
    name: ClassVar[str] = "chat.message_posted"

    message_id: str
    participant_id: str
    text: str
    sent_at: datetime
    group_id: str | None = None
    """The breakout group it was written in; absent in the main room."""
    client_msg_id: str | None = None
