"""Errors of accounts, authentication and (later) projects.

Hierarchy::

    CodedError (protocol)
     ├── Unauthenticated
     │    ├── InvalidCredentials   wrong login or password (never says which)
     │    ├── TokenInvalid         malformed, tampered, wrong audience or algorithm
     │    ├── TokenExpired
     │    └── TokenRevoked         logged out, disabled, or rotated away
     ├── Forbidden
     │    └── AccountNotActive     pending, rejected, suspended or disabled
     ├── InvalidPayload
     │    └── WeakPassword         the password policy refused it
     └── Conflict
          └── InvalidTransition    that state change is not allowed from here
"""

from __future__ import annotations

from protocol.errors import (
    Conflict,
    ErrorCode,
    Forbidden,
    InvalidPayload,
    Unauthenticated,
)


class InvalidCredentials(Unauthenticated):
    """The login or the password is wrong; we never say which."""

    code = ErrorCode.INVALID_CREDENTIALS


class TokenInvalid(Unauthenticated):
    """The token is not one we issued for this purpose."""

    code = ErrorCode.TOKEN_INVALID


class TokenExpired(Unauthenticated):
    """The token was ours but its time is over."""

    code = ErrorCode.TOKEN_EXPIRED


class TokenRevoked(Unauthenticated):
    """The token was withdrawn on the server (logout, disabling, rotation)."""

    code = ErrorCode.TOKEN_REVOKED


class AccountNotActive(Forbidden):
    """The account exists but may not do this in its current state."""

    code = ErrorCode.ACCOUNT_NOT_ACTIVE


class WeakPassword(InvalidPayload):
    """The password policy refused the password; ``details["rule"]`` says why."""

    code = ErrorCode.WEAK_PASSWORD


class InvalidTransition(Conflict):
    """That change of state is not allowed from the current state."""

    code = ErrorCode.INVALID_TRANSITION
