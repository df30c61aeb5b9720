"""Sign-in, token refresh, sign-out and the check behind every request.

An access token lives minutes; a refresh token rotates on each use and is kept
only as a hash. Revocation is server-side: every account has a token epoch,
every token carries the epoch it was issued under, and bumping the epoch
(sign-out, disabling, password reset) voids them all at once. The bump is
announced on the cluster bus so that every node closes the account's live
connections.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from cluster import Bus, Clock, UserSessionsRevoked
from protocol.api.accounts import AccountStatus
from protocol.api.network import SearchKind
from protocol.errors import Unavailable
from protocol.ids import NodeId, UserId, new_id
from storage import Database, UnitOfWork
from storage.records import AuthSubjectRecord

from ..accounts.names import normalise_login
from ..accounts.states import may_log_in
from ..clock import utc_now
from ..errors import (
    AccountNotActive,
    InvalidCredentials,
    TokenExpired,
    TokenInvalid,
    TokenRevoked,
)
from ..network.documents import INACTIVE_AFTER
from ..principal import Principal
from ..settings import AccountSettings
from .limits import AuthLimits, Throttle
from .passwords import PasswordHasher
from .tokens import JoinClaims, TokenSigner

logger = logging.getLogger(__name__)

MAX_LOGIN_LEN = 254
MAX_REFRESH_TOKEN_LEN = 128


@dataclass(frozen=True, slots=True)
class SignedIn:
    """A fresh pair of tokens."""

    user_id: UserId
    access_token: str
    access_expires_at: datetime
    refresh_token: str
    refresh_expires_at: datetime


def hash_refresh_token(token: str) -> str:
    """Refresh tokens are 256 random bits, so a plain SHA-256 is enough."""
    return hashlib.sha256(token.encode()).hexdigest()


VOID_STATES = frozenset({AccountStatus.DISABLED, AccountStatus.REJECTED, AccountStatus.SUSPENDED})
"""States in which none of the account's tokens is honoured."""


def principal_of(subject: AuthSubjectRecord | None, epoch: int) -> Principal:
    """The account behind a token issued under ``epoch``, from its row read fresh.

    A pure check, so that a caller that reads the account together with other
    rows (the realtime connect: one statement for the account and the room,
    ``storage`` ``find_entry``) applies exactly the rule of ``authenticate``.

    Raises:
        TokenRevoked: The account is gone, its epoch moved on, or it is void.
    """
    if subject is None or subject.token_epoch != epoch or subject.status in VOID_STATES:
        raise TokenRevoked("the token was revoked; sign in again")
    return Principal(
        user_id=subject.user_id,
        kind=subject.kind,
        status=subject.status,
        school_id=subject.school_id,
        country_code=subject.country_code,
        is_school_admin=subject.is_school_admin,
    )


def join_principal(subject: AuthSubjectRecord | None, claims: JoinClaims) -> Principal:
    """The participant behind a verified join token (see ``authenticate_join``).

    Raises:
        TokenRevoked: See ``principal_of``.
        AccountNotActive: The account may not take part now.
    """
    principal = principal_of(subject, claims.epoch)
    if not principal.is_active:
        raise AccountNotActive(f"this account is {principal.status.value}")
    return principal


class SessionService:
    """Issues, rotates, checks and revokes an account's tokens."""

    def __init__(
        self,
        *,
        db: Database,
        hasher: PasswordHasher,
        signer: TokenSigner,
        throttle: Throttle,
        bus: Bus,
        node_id: NodeId,
        clock: Clock,
        settings: AccountSettings,
    ) -> None:
        self._db = db
        self._hasher = hasher
        self._signer = signer
        self._throttle = throttle
        self._limits = AuthLimits.from_settings(settings)
        self._bus = bus
        self._node_id = node_id
        self._clock = clock
        self._settings = settings

    async def login(self, login: str, password: str, *, client: str) -> SignedIn:
        """Exchange a login and password for tokens.

        Raises:
            RateLimited: Too many attempts for this login or address.
            InvalidCredentials: Unknown login or wrong password (same answer,
                same time, so the answer never tells who has an account).
            AccountNotActive: Right password, but the account may not sign in.
        """
        key = normalise_login(login)[:MAX_LOGIN_LEN]
        await self._throttle.check(self._limits.login_per_address, client)
        await self._throttle.check(self._limits.login_per_account, key)
        async with self._db.transaction("sessions.find_credential") as uow:
            credential = await uow.accounts.find_credential(key)
        if credential is None:
            await self._hasher.verify_nothing(password)
            raise InvalidCredentials("wrong login or password")
        if not await self._hasher.verify(credential.password_hash, password):
            raise InvalidCredentials("wrong login or password")
        rehash = (
            await self._hasher.hash(password)
            if self._hasher.needs_rehash(credential.password_hash)
            else None
        )
        async with self._db.transaction("sessions.login") as uow:
            user = await uow.accounts.get_user(credential.user_id)
            if not may_log_in(user.kind, user.status):
                raise AccountNotActive(f"this account is {user.status.value}")
            now = utc_now(self._clock)
            if rehash is not None:
                await uow.accounts.update_password(user.id, rehash, now)
            await uow.accounts.touch_login(user.id, now)
            # An inactive teacher's profile is back in search (see network.documents).
            await uow.search.keep_until(
                SearchKind.PROFILE, user.id, now + INACTIVE_AFTER, step=timedelta(days=1)
            )
            signed = await self._issue(uow, user.id, user.token_epoch, family_id=new_id(), now=now)
        logger.info("signed in", extra={"user_id": user.id})
        return signed

    async def refresh(self, refresh_token: str, *, client: str) -> SignedIn:
        """Rotate a refresh token: the old one is spent, a new pair is issued.

        Presenting a token that was already spent revokes its whole family:
        either it was stolen, or a client replays it; both must sign in again.

        Raises:
            RateLimited: Too many refreshes from this address.
            TokenInvalid: Not a token we issued.
            TokenRevoked: Revoked, or spent before (the family is now revoked).
            TokenExpired: Its time is over.
            AccountNotActive: The account may no longer sign in.
        """
        await self._throttle.check(self._limits.token_per_address, client)
        if len(refresh_token) > MAX_REFRESH_TOKEN_LEN:
            raise TokenInvalid("the refresh token is not valid")
        token_hash = hash_refresh_token(refresh_token)
        replayed = False
        async with self._db.transaction("sessions.refresh") as uow:
            record = await uow.tokens.find_refresh_token(token_hash)
            if record is None:
                raise TokenInvalid("the refresh token is not valid")
            if record.revoked_at is not None:
                raise TokenRevoked("the refresh token was revoked; sign in again")
            now = utc_now(self._clock)
            if record.expires_at <= now:
                raise TokenExpired("the refresh token has expired; sign in again")
            if record.used_at is not None or not await uow.tokens.mark_refresh_token_used(
                record.id, now
            ):
                await uow.tokens.revoke_refresh_family(record.family_id, now)
                replayed = True
            else:
                user = await uow.accounts.get_user(record.user_id)
                if not may_log_in(user.kind, user.status):
                    raise AccountNotActive(f"this account is {user.status.value}")
                signed = await self._issue(
                    uow, user.id, user.token_epoch, family_id=record.family_id, now=now
                )
        if replayed:
            logger.warning(
                "refresh token replayed; family revoked",
                extra={"user_id": record.user_id},
            )
            raise TokenRevoked("the refresh token was already used; sign in again")
        return signed

    async def logout(self, actor: Principal) -> None:
        """Revoke every token of the caller and close their live connections."""
        async with self._db.transaction("sessions.logout") as uow:
            await self.revoke_all(uow, actor.user_id)
        await self.announce_revoked(actor.user_id)

    async def authenticate(self, access_token: str) -> Principal:
        """The account behind an access token, read fresh from the database.

        Raises:
            TokenInvalid, TokenExpired: See ``TokenSigner.verify_access``.
            TokenRevoked: The account's epoch moved on, or it is gone.
        """
        claims = self._signer.verify_access(access_token)
        return await self._principal(claims.user_id, claims.epoch)

    async def authenticate_join(self, join_token: str) -> tuple[Principal, JoinClaims]:
        """The account and room grants behind a join token.

        Raises:
            TokenInvalid, TokenExpired, TokenRevoked: As for access tokens.
            AccountNotActive: The account may not take part now.
        """
        claims = self._signer.verify_join(join_token)
        async with self._db.transaction("sessions.authenticate") as uow:
            subject = await uow.accounts.find_auth_subject(claims.user_id)
        return join_principal(subject, claims), claims

    async def revoke_all(self, uow: UnitOfWork, user_id: UserId) -> None:
        """Void every token of an account inside the caller's transaction.

        The caller must call :meth:`announce_revoked` after committing.
        """
        now = utc_now(self._clock)
        await uow.accounts.bump_token_epoch(user_id, now)
        await uow.tokens.revoke_refresh_tokens_of(user_id, now)

    async def announce_revoked(self, user_id: UserId) -> None:
        """Tell every node to close the account's live connections."""
        try:
            await self._bus.publish(UserSessionsRevoked(origin=self._node_id, user_id=user_id))
        except Unavailable:
            # The tokens are already void in the database; connections on
            # other nodes fail their next check. Log it and carry on.
            logger.warning(
                "could not announce revocation to other nodes",
                extra={"user_id": user_id},
            )

    async def _principal(self, user_id: UserId, epoch: int) -> Principal:
        async with self._db.transaction("sessions.authenticate") as uow:
            subject = await uow.accounts.find_auth_subject(user_id)
        return principal_of(subject, epoch)

    async def _issue(
        self,
        uow: UnitOfWork,
        user_id: UserId,
        epoch: int,
        *,
        family_id: str,
        now: datetime,
    ) -> SignedIn:
        user = await uow.accounts.get_user(user_id)
        access, access_expires = self._signer.issue_access(
            user_id=user_id,
            kind=user.kind,
            epoch=epoch,
            ttl_s=self._settings.access_token_ttl_s,
        )
        refresh = secrets.token_urlsafe(32)
        refresh_expires = now + timedelta(seconds=self._settings.refresh_token_ttl_s)
        await uow.tokens.add_refresh_token(
            token_id=new_id(),
            user_id=user_id,
            family_id=family_id,
            token_hash=hash_refresh_token(refresh),
            issued_at=now,
            expires_at=refresh_expires,
        )
        return SignedIn(
            user_id=user_id,
            access_token=access,
            access_expires_at=access_expires,
            refresh_token=refresh,
            refresh_expires_at=refresh_expires,
        )
