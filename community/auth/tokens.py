"""Signed JSON Web Tokens: short-lived access tokens and room join tokens.

Only HS256 is accepted (an allowlist, so ``alg: none`` and algorithm confusion
are refused), every token names its audience, issuer, expiry and not-before,
and carries the account's token epoch: bumping the epoch on the server
revokes every token issued before, whatever its expiry says. Keys are derived
from the server's secret per purpose and named by a ``kid``, so that the
secret can be rotated while tokens signed with the previous one stay valid
for their short life.

Expiry and not-before are checked against the injected clock rather than
PyJWT's own, so tests can move time.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import jwt

from cluster.ports import Clock
from protocol.api.accounts import AccountKind
from protocol.api.grants import Grants, RoomRole
from protocol.ids import RoomId, UserId, new_id

from ..errors import TokenExpired, TokenInvalid

ALGORITHM = "HS256"
ACCESS_AUDIENCE = "jumelage:api"
JOIN_AUDIENCE = "jumelage:room"
CLOCK_LEEWAY_S = 5
MAX_TOKEN_LEN = 4096
REQUIRED_CLAIMS = ["iss", "aud", "sub", "iat", "nbf", "exp", "jti", "typ", "epoch"]


def derive_key(secret: str, purpose: str) -> bytes:
    """A 256-bit key for one purpose, derived from the server secret."""
    return hmac.new(secret.encode(), f"jumelage/{purpose}/v1".encode(), hashlib.sha256).digest()


def _kid(key: bytes) -> str:
    return hashlib.sha256(key).hexdigest()[:12]


@dataclass(frozen=True, slots=True)
class AccessClaims:
    """What a verified access token says."""

    user_id: UserId
    kind: AccountKind
    epoch: int
    token_id: str
    expires_at: datetime


@dataclass(frozen=True, slots=True)
class JoinClaims:
    """What a verified join token says."""

    user_id: UserId
    room_id: RoomId
    role: RoomRole
    grants: Grants
    epoch: int
    token_id: str
    expires_at: datetime
    minted_by: str
    """``user`` when issued to a logged-in account, else ``api_key:<id>``."""


_COMPACT = re.compile(r"[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+")
"""A compact JWS as ``jwt.encode`` writes ours: three base64url segments, no padding."""


def _unverified_header(token: str) -> dict[str, Any]:
    """The token's header, to pick the key by its ``kid`` (``jwt.decode`` then
    checks the signature over it, and its ``alg`` against the allowlist).

    Not ``jwt.get_unverified_header``: it decodes and checks all three
    segments, character by character in Python, as ``jwt.decode`` does again
    right after: that check was about a fifth of a realtime connection's CPU
    (bench/README.md, chat_fanout). One regular expression checks the
    alphabet of the whole token here.

    Raises:
        TokenInvalid: Not a compact JWS, or its header is not a JSON object.
    """
    if _COMPACT.fullmatch(token) is None:
        raise TokenInvalid("the token is not valid")
    segment = token[: token.index(".")]
    try:
        header = json.loads(base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4)))
    except (ValueError, binascii.Error) as exc:
        raise TokenInvalid("the token is not valid") from exc
    if not isinstance(header, dict):
        raise TokenInvalid("the token is not valid")
    return header


class TokenSigner:
    """Issues and verifies JWTs.

    Args:
        secret: The server's secret key.
        previous_secrets: Retired secrets whose tokens are still accepted.
        issuer: The ``iss`` claim.
        clock: Time source for ``iat``, ``nbf`` and ``exp``.
    """

    def __init__(
        self,
        secret: str,
        *,
        previous_secrets: Sequence[str] = (),
        issuer: str,
        clock: Clock,
    ) -> None:
        self._key = derive_key(secret, "jwt")
        self._kid = _kid(self._key)
        self._keys = {_kid(k): k for k in [derive_key(s, "jwt") for s in previous_secrets]}
        self._keys[self._kid] = self._key
        self._issuer = issuer
        self._clock = clock

    # -- issuing -----------------------------------------------------------

    def issue_access(
        self, *, user_id: UserId, kind: AccountKind, epoch: int, ttl_s: int
    ) -> tuple[str, datetime]:
        """An access token for the HTTP API and its expiry."""
        claims = {"typ": "access", "kind": kind.value}
        return self._sign(ACCESS_AUDIENCE, user_id, epoch, ttl_s, claims)

    def issue_join(
        self,
        *,
        user_id: UserId,
        room_id: RoomId,
        role: RoomRole,
        grants: Grants,
        epoch: int,
        ttl_s: int,
        minted_by: str,
    ) -> tuple[str, datetime]:
        """A join token for one room and its expiry."""
        claims = {
            "typ": "join",
            "room": room_id,
            "role": role.value,
            "grants": grants.model_dump(),
            "minted_by": minted_by,
        }
        return self._sign(JOIN_AUDIENCE, user_id, epoch, ttl_s, claims)

    def _sign(
        self,
        audience: str,
        user_id: UserId,
        epoch: int,
        ttl_s: int,
        extra: dict[str, Any],
    ) -> tuple[str, datetime]:
        now = int(self._clock.now())
        payload = {
            "iss": self._issuer,
            "aud": audience,
            "sub": user_id,
            "iat": now,
            "nbf": now,
            "exp": now + ttl_s,
            "jti": new_id(),
            "epoch": epoch,
            **extra,
        }
        token = jwt.encode(payload, self._key, algorithm=ALGORITHM, headers={"kid": self._kid})
        return token, datetime.fromtimestamp(now + ttl_s, UTC)

    # -- verifying ---------------------------------------------------------

    def verify_access(self, token: str) -> AccessClaims:
        """Check an access token's signature, audience and times.

        Raises:
            TokenInvalid: Malformed, tampered, wrong key, algorithm or audience.
            TokenExpired: Its time is over.
        """
        claims = self._verify(token, ACCESS_AUDIENCE, "access")
        try:
            return AccessClaims(
                user_id=UserId(str(claims["sub"])),
                kind=AccountKind(claims["kind"]),
                epoch=int(claims["epoch"]),
                token_id=str(claims["jti"]),
                expires_at=datetime.fromtimestamp(claims["exp"], UTC),
            )
        except (KeyError, ValueError, TypeError) as exc:
            raise TokenInvalid("the token is not valid") from exc

    def verify_join(self, token: str) -> JoinClaims:
        """Check a join token's signature, audience and times.

        Raises:
            TokenInvalid: Malformed, tampered, wrong key, algorithm or audience.
            TokenExpired: Its time is over.
        """
        claims = self._verify(token, JOIN_AUDIENCE, "join")
        try:
            return JoinClaims(
                user_id=UserId(str(claims["sub"])),
                room_id=RoomId(str(claims["room"])),
                role=RoomRole(claims["role"]),
                grants=Grants.model_validate(claims["grants"]),
                epoch=int(claims["epoch"]),
                token_id=str(claims["jti"]),
                expires_at=datetime.fromtimestamp(claims["exp"], UTC),
                minted_by=str(claims["minted_by"]),
            )
        except (KeyError, ValueError, TypeError) as exc:
            raise TokenInvalid("the token is not valid") from exc

    def _verify(self, token: str, audience: str, typ: str) -> dict[str, Any]:
        if len(token) > MAX_TOKEN_LEN:
            raise TokenInvalid("the token is not valid")
        header = _unverified_header(token)
        key = self._keys.get(str(header.get("kid")))
        if key is None or header.get("alg") != ALGORITHM:
            raise TokenInvalid("the token is not valid")
        try:
            claims: dict[str, Any] = jwt.decode(
                token,
                key,
                algorithms=[ALGORITHM],
                audience=audience,
                issuer=self._issuer,
                options={
                    "verify_exp": False,
                    "verify_nbf": False,
                    "verify_iat": False,
                    "require": REQUIRED_CLAIMS,
                },
            )
        except jwt.InvalidTokenError as exc:
            raise TokenInvalid("the token is not valid") from exc
        if claims.get("typ") != typ:
            raise TokenInvalid("the token is not valid")
        now = self._clock.now()
        try:
            not_before, expires = float(claims["nbf"]), float(claims["exp"])
        except (TypeError, ValueError) as exc:
            raise TokenInvalid("the token is not valid") from exc
        if not_before > now + CLOCK_LEEWAY_S:
            raise TokenInvalid("the token is not valid yet")
        if expires <= now:
            raise TokenExpired("the token has expired; sign in again or refresh it")
        return claims
