"""What the SDK raises: every failure carries the server's stable error code."""

from __future__ import annotations

from typing import Any

from protocol.errors import ErrorCode


class RealtimeError(Exception):
    """Base of the SDK's realtime errors.

    Args:
        code: The stable code (see docs/errors.md); branch on it, not on the message.
        message: Safe to show.
        details: Machine-readable facts (retry delay, field paths, request id).
    """

    def __init__(self, code: str, message: str, details: dict[str, Any] | None = None) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
        self.details: dict[str, Any] = details or {}

    @property
    def error_code(self) -> ErrorCode | None:
        """The code as an ``ErrorCode`` (None for a code this SDK does not know)."""
        try:
            return ErrorCode(self.code)
        except ValueError:
            return None


class CommandFailed(RealtimeError):
    """The server answered a command with an error; the room did not change."""


class ConnectRefused(RealtimeError):
    """The server refused the connection (bad token, not a member, banned...)."""


class NotConnected(RealtimeError):
    """There is no live connection to send the command on."""

    def __init__(self, message: str = "not connected") -> None:
        super().__init__("not_connected", message)


TERMINAL_CODES = frozenset(
    {
        ErrorCode.TOKEN_INVALID.value,
        ErrorCode.TOKEN_REVOKED.value,
        ErrorCode.ACCOUNT_NOT_ACTIVE.value,
        ErrorCode.NOT_FOUND.value,
        ErrorCode.FORBIDDEN.value,
        ErrorCode.BANNED.value,
        ErrorCode.UNAUTHENTICATED.value,
    }
)
"""Connection refusals that retrying cannot fix."""
