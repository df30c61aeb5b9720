"""School integrations: API keys, and the join tokens they mint.

A school admin creates API keys for the school's own tools (its learning
platform, its timetable). A key can mint short-lived join tokens for the
school's own users only, as LiveKit and Jitsi let an application server sign
tokens: the tool vouches for who the user is, and Jumelage still checks the
account's state, the role's ceiling of grants and, at connect, the project
membership behind the room.

A key reads ``jmlg_<prefix>_<secret>``: the prefix finds the row, the secret
is compared with a keyed hash in constant time. The full key is shown once.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from cluster import Clock
from protocol.api.accounts import AccountKind
from protocol.api.grants import Grants, RoomRole
from protocol.errors import Forbidden, InvalidPayload, NotFound
from protocol.ids import ApiKeyId, RoomId, SchoolId, UserId, new_id
from storage import Database
from storage.records import ApiKeyRecord

from .accounts.names import clean_display_text
from .auth.grants import cap_grants, may_take_role
from .auth.limits import AuthLimits, Throttle
from .auth.tokens import TokenSigner
from .clock import utc_now
from .errors import AccountNotActive, TokenInvalid, TokenRevoked
from .principal import ACTIVE_STATES, Integration, Principal
from .settings import AccountSettings

logger = logging.getLogger(__name__)

KEY_PREFIX = "jmlg"
SCOPE_JOIN_TOKENS = "join_tokens"
KNOWN_SCOPES = frozenset({SCOPE_JOIN_TOKENS})
MAX_KEYS_PER_SCHOOL = 20
LAST_USED_RESOLUTION_S = 60
MAX_KEY_LEN = 128


@dataclass(frozen=True, slots=True)
class IssuedApiKey:
    """A new API key; ``secret_key`` is shown this once only."""

    record: ApiKeyRecord
    secret_key: str


@dataclass(frozen=True, slots=True)
class MintedJoinToken:
    token: str
    expires_at: datetime
    role: RoomRole
    grants: Grants


class IntegrationService:
    """API keys of schools and the join tokens they mint."""

    def __init__(
        self,
        *,
        db: Database,
        signer: TokenSigner,
        throttle: Throttle,
        key_secret: bytes,
        clock: Clock,
        settings: AccountSettings,
    ) -> None:
        self._db = db
        self._signer = signer
        self._throttle = throttle
        self._limits = AuthLimits.from_settings(settings)
        self._key_secret = key_secret
        self._clock = clock
        self._settings = settings

    def _hash(self, secret: str) -> str:
        return hmac.new(self._key_secret, secret.encode(), hashlib.sha256).hexdigest()

    @staticmethod
    def _require_school_admin(actor: Principal, school_id: SchoolId) -> None:
        if actor.is_platform_admin:
            return
        if not (
            actor.is_validated_teacher and actor.is_school_admin and actor.school_id == school_id
        ):
            raise Forbidden("only the school's admin manages its API keys")

    async def create_key(
        self,
        actor: Principal,
        school_id: SchoolId,
        *,
        name: str,
        scopes: frozenset[str],
    ) -> IssuedApiKey:
        """Create an API key for a school.

        Raises:
            Forbidden: The caller is not that school's admin.
            InvalidPayload: Unknown scope, bad name, or too many keys.
        """
        self._require_school_admin(actor, school_id)
        unknown = scopes - KNOWN_SCOPES
        if unknown or not scopes:
            raise InvalidPayload(
                f"scopes must be among {sorted(KNOWN_SCOPES)}",
                details={"field": "scopes"},
            )
        label = clean_display_text(name, field="name", max_len=80)
        prefix = secrets.token_hex(6)
        secret = secrets.token_urlsafe(32)
        now = utc_now(self._clock)
        async with self._db.transaction("integrations.create_key") as uow:
            await uow.schools.get_school(school_id)
            active = [k for k in await uow.tokens.list_api_keys(school_id) if k.revoked_at is None]
            if len(active) >= MAX_KEYS_PER_SCHOOL:
                raise InvalidPayload(f"a school may have at most {MAX_KEYS_PER_SCHOOL} active keys")
            record = await uow.tokens.add_api_key(
                key_id=ApiKeyId(new_id()),
                school_id=school_id,
                name=label,
                prefix=prefix,
                secret_hash=self._hash(secret),
                scopes=sorted(scopes),
                created_by=actor.user_id,
                now=now,
            )
            await uow.audit.add_entry(
                at=now,
                actor_id=actor.user_id,
                action="api_key.created",
                subject_type="api_key",
                subject_id=record.id,
                scope_type="school",
                scope_id=school_id,
            )
        return IssuedApiKey(record=record, secret_key=f"{KEY_PREFIX}_{prefix}_{secret}")

    async def list_keys(self, actor: Principal, school_id: SchoolId) -> tuple[ApiKeyRecord, ...]:
        """Raises: Forbidden."""
        self._require_school_admin(actor, school_id)
        async with self._db.transaction("integrations.list_keys") as uow:
            return await uow.tokens.list_api_keys(school_id)

    async def revoke_key(self, actor: Principal, school_id: SchoolId, key_id: ApiKeyId) -> None:
        """Revoke a key at once; tokens it minted still expire on their own.

        Raises:
            Forbidden: The caller is not that school's admin.
            NotFound: No such key in that school.
        """
        self._require_school_admin(actor, school_id)
        now = utc_now(self._clock)
        async with self._db.transaction("integrations.revoke_key") as uow:
            key = await uow.tokens.get_api_key(key_id)
            if key.school_id != school_id:
                raise NotFound("no such API key")
            await uow.tokens.revoke_api_key(key_id, now)
            await uow.audit.add_entry(
                at=now,
                actor_id=actor.user_id,
                action="api_key.revoked",
                subject_type="api_key",
                subject_id=key_id,
                scope_type="school",
                scope_id=school_id,
            )

    async def authenticate_key(self, raw_key: str) -> Integration:
        """The school integration behind an API key.

        Raises:
            TokenInvalid: Malformed or unknown key, or wrong secret.
            TokenRevoked: The key was revoked.
        """
        parts = raw_key.split("_", 2) if len(raw_key) <= MAX_KEY_LEN else []
        if len(parts) != 3 or parts[0] != KEY_PREFIX:
            raise TokenInvalid("the API key is not valid")
        _, prefix, secret = parts
        now = utc_now(self._clock)
        async with self._db.transaction("integrations.authenticate_key") as uow:
            key = await uow.tokens.find_api_key_by_prefix(prefix)
            if key is None or not hmac.compare_digest(key.secret_hash, self._hash(secret)):
                raise TokenInvalid("the API key is not valid")
            if key.revoked_at is not None:
                raise TokenRevoked("the API key was revoked")
            stale = key.last_used_at is None or now - key.last_used_at > timedelta(
                seconds=LAST_USED_RESOLUTION_S
            )
            if stale:
                await uow.tokens.touch_api_key(key.id, now)
        return Integration(api_key_id=key.id, school_id=key.school_id, scopes=frozenset(key.scopes))

    async def mint_join_token(
        self,
        integration: Integration,
        *,
        user_id: UserId,
        room_id: RoomId,
        role: RoomRole | None,
        grants: Grants | None,
        ttl_s: int | None,
        client: str,
    ) -> MintedJoinToken:
        """Mint a join token for one of the school's own users.

        Raises:
            RateLimited: The key or the address minted too many.
            Forbidden: The key lacks the ``join_tokens`` scope, or the role
                does not suit the account (a pupil is always a pupil).
            NotFound: No such user in the key's school.
            AccountNotActive: The account is pending, suspended or disabled.
            InvalidPayload: ``ttl_s`` out of range.
        """
        if SCOPE_JOIN_TOKENS not in integration.scopes:
            raise Forbidden("this API key may not mint join tokens")
        await self._throttle.check(self._limits.join_tokens_per_key, integration.api_key_id)
        await self._throttle.check(self._limits.token_per_address, client)
        max_ttl = self._settings.join_token_max_ttl_s
        ttl = max_ttl if ttl_s is None else ttl_s
        if not 1 <= ttl <= max_ttl:
            raise InvalidPayload(
                f"ttl_s must be between 1 and {max_ttl}", details={"field": "ttl_s"}
            )
        async with self._db.transaction("integrations.mint_join_token") as uow:
            subject = await uow.accounts.find_auth_subject(user_id)
        if subject is None or subject.school_id != integration.school_id:
            raise NotFound("no such user in this school")
        if subject.status not in ACTIVE_STATES:
            raise AccountNotActive(f"this account is {subject.status.value}")
        chosen = role or (RoomRole.PUPIL if subject.kind is AccountKind.PUPIL else RoomRole.HOST)
        if not may_take_role(subject.kind, chosen):
            raise Forbidden(f"a {subject.kind.value} cannot join as {chosen.value}")
        capped = cap_grants(chosen, grants)
        token, expires = self._signer.issue_join(
            user_id=user_id,
            room_id=room_id,
            role=chosen,
            grants=capped,
            epoch=subject.token_epoch,
            ttl_s=ttl,
            minted_by=f"api_key:{integration.api_key_id}",
        )
        return MintedJoinToken(token=token, expires_at=expires, role=chosen, grants=capped)
