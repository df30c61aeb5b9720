"""Errors of moderated chat, raised before anything changes.

Hierarchy::

    CodedError (protocol)
     ├── Forbidden                    (protocol)
     │    ├── ChatMuted               a teacher muted the sender (``details.until``)
     │    └── DirectMessagesOff       pupils' private messages are off this session
     ├── Conflict                     (protocol)
     │    ├── ChatLocked              a teacher locked the chat
     │    └── AlreadyDecided          (code ``conflict``) another teacher was quicker
     ├── NotFound                     (protocol) no such message, report or post here
     ├── MessageRejected, MessageHeld (moderation) the pipeline's verdicts
     └── InvalidPayload               (protocol) a term or setting that cannot be
"""

from __future__ import annotations

from protocol.errors import Conflict, ErrorCode, Forbidden


class ChatLocked(Conflict):
    """Only teachers may write while the chat is locked."""

    code = ErrorCode.CHAT_LOCKED


class ChatMuted(Forbidden):
    """A teacher muted the sender in the chat for a while."""

    code = ErrorCode.CHAT_MUTED


class DirectMessagesOff(Forbidden):
    """Private messages between pupils are off (a teacher turns them on per session)."""

    code = ErrorCode.DIRECT_MESSAGES_OFF


class AlreadyDecided(Conflict):
    """The message or post was decided by another teacher meanwhile."""
