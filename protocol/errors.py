"""Stable error codes and the one exception base that carries them.

Every failure the product reports to a client has a code from ``ErrorCode``.
The code is the contract: clients and SDKs branch on it, never on the message.
The transport (``server/errors.py``) chooses the HTTP status or the error
acknowledgement; the domain only raises.

Hierarchy::

    Exception
     └── CodedError               code, safe message, JSON-safe details
          ├── (protocol)   InvalidPayload
          ├── (community)  community.errors.*
          ├── (rooms)      rooms.errors.*
          └── ...

Anything that is not a ``CodedError`` is an internal error: it is logged with
its traceback and the client sees only ``internal`` and a request id.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any


class ErrorCode(StrEnum):
    """Every error code a client may see. Never rename one: add a new code."""

    # general
    INVALID_PAYLOAD = "invalid_payload"
    PAYLOAD_TOO_LARGE = "payload_too_large"
    UNSUPPORTED_MEDIA_TYPE = "unsupported_media_type"
    UNAUTHENTICATED = "unauthenticated"
    FORBIDDEN = "forbidden"
    NOT_FOUND = "not_found"
    METHOD_NOT_ALLOWED = "method_not_allowed"
    CONFLICT = "conflict"
    RATE_LIMITED = "rate_limited"
    UNAVAILABLE = "unavailable"
    INTERNAL = "internal"
    # authentication and tokens
    INVALID_CREDENTIALS = "invalid_credentials"
    TOKEN_INVALID = "token_invalid"
    TOKEN_EXPIRED = "token_expired"
    TOKEN_REVOKED = "token_revoked"
    ACCOUNT_NOT_ACTIVE = "account_not_active"
    WEAK_PASSWORD = "weak_password"
    INVALID_TRANSITION = "invalid_transition"
    # projects and their spaces
    FOUNDING_PAIR_INVALID = "founding_pair_invalid"
    NOT_A_CONTACT = "not_a_contact"
    PARTNER_NOT_ELIGIBLE = "partner_not_eligible"
    ALREADY_MEMBER = "already_member"
    FOUNDER_PROTECTED = "founder_protected"
    SPACE_READ_ONLY = "space_read_only"
    FILE_TYPE_REFUSED = "file_type_refused"
    QUOTA_EXCEEDED = "quota_exceeded"
    IMAGE_TOO_LARGE = "image_too_large"
    # networking: contacts
    CONTACT_SELF = "contact_self"
    CONTACT_EXISTS = "contact_exists"
    CONTACT_COOLDOWN = "contact_cooldown"
    # live rooms
    UNKNOWN_EVENT = "unknown_event"
    ROOM_CLOSED = "room_closed"
    ROOM_LOCKED = "room_locked"
    ROOM_FULL = "room_full"
    BANNED = "banned"
    NOT_IN_ROOM = "not_in_room"
    TEACHER_ABSENT = "teacher_absent"
    POLL_CLOSED = "poll_closed"
    # moderation
    MESSAGE_REJECTED = "message_rejected"
    MESSAGE_HELD = "message_held"
    CHAT_LOCKED = "chat_locked"
    CHAT_MUTED = "chat_muted"
    DIRECT_MESSAGES_OFF = "direct_messages_off"


class CodedError(Exception):
    """An error with a stable code and a message that is safe to show.

    Args:
        message: Human-readable, safe for any client: no ids of other users,
            no names, no internal detail.
        details: Optional JSON-safe data (field paths, limits, retry delays).
    """

    code: ErrorCode = ErrorCode.INTERNAL

    def __init__(self, message: str, *, details: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.details: dict[str, Any] = details or {}

    def __repr__(self) -> str:
        return f"{type(self).__name__}(code={self.code.value!r}, message={self.message!r})"


class InvalidPayload(CodedError):
    """The request or event does not match its schema."""

    code = ErrorCode.INVALID_PAYLOAD


class NotFound(CodedError):
    """The thing does not exist, or the caller may not know that it exists."""

    code = ErrorCode.NOT_FOUND


class Forbidden(CodedError):
    """The caller is known but may not do this."""

    code = ErrorCode.FORBIDDEN


class Unauthenticated(CodedError):
    """The caller did not prove who they are."""

    code = ErrorCode.UNAUTHENTICATED


class Conflict(CodedError):
    """The request conflicts with the current state."""

    code = ErrorCode.CONFLICT


class RateLimited(CodedError):
    """Too many attempts; ``details["retry_after_s"]`` says when to try again."""

    code = ErrorCode.RATE_LIMITED


class Unavailable(CodedError):
    """A backing service (database, Redis) cannot be reached right now."""

    code = ErrorCode.UNAVAILABLE
