"""Refresh tokens and school API keys; both stored only as hashes."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from protocol.errors import NotFound
from protocol.ids import ApiKeyId, SchoolId, UserId

from ..records import ApiKeyRecord, RefreshTokenRecord
from ..tables.accounts import ApiKey, RefreshToken


def _refresh(row: RefreshToken) -> RefreshTokenRecord:
    return RefreshTokenRecord(
        id=row.id,
        user_id=UserId(row.user_id),
        family_id=row.family_id,
        issued_at=row.issued_at,
        expires_at=row.expires_at,
        used_at=row.used_at,
        revoked_at=row.revoked_at,
    )


def _api_key(row: ApiKey) -> ApiKeyRecord:
    return ApiKeyRecord(
        id=ApiKeyId(row.id),
        school_id=SchoolId(row.school_id),
        name=row.name,
        prefix=row.prefix,
        secret_hash=row.secret_hash,
        scopes=tuple(row.scopes),
        created_by=UserId(row.created_by),
        created_at=row.created_at,
        last_used_at=row.last_used_at,
        revoked_at=row.revoked_at,
    )


class SqlTokenRepo:
    """Refresh-token families and API keys."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    # -- refresh tokens ---------------------------------------------------

    async def add_refresh_token(
        self,
        *,
        token_id: str,
        user_id: UserId,
        family_id: str,
        token_hash: str,
        issued_at: datetime,
        expires_at: datetime,
    ) -> None:
        self._session.add(
            RefreshToken(
                id=token_id,
                user_id=user_id,
                family_id=family_id,
                token_hash=token_hash,
                issued_at=issued_at,
                expires_at=expires_at,
            )
        )
        await self._session.flush()

    async def find_refresh_token(self, token_hash: str) -> RefreshTokenRecord | None:
        row = await self._session.scalar(
            select(RefreshToken).where(RefreshToken.token_hash == token_hash).with_for_update()
        )
        return None if row is None else _refresh(row)

    async def mark_refresh_token_used(self, token_id: str, now: datetime) -> bool:
        """Mark a token used; False if another request used it first."""
        result = await self._session.execute(
            update(RefreshToken)
            .where(RefreshToken.id == token_id, RefreshToken.used_at.is_(None))
            .values(used_at=now)
        )
        return bool(result.rowcount)  # type: ignore[attr-defined]

    async def revoke_refresh_family(self, family_id: str, now: datetime) -> None:
        await self._session.execute(
            update(RefreshToken)
            .where(RefreshToken.family_id == family_id, RefreshToken.revoked_at.is_(None))
            .values(revoked_at=now)
        )

    async def revoke_refresh_tokens_of(self, user_id: UserId, now: datetime) -> None:
        await self._session.execute(
            update(RefreshToken)
            .where(RefreshToken.user_id == user_id, RefreshToken.revoked_at.is_(None))
            .values(revoked_at=now)
        )

    # -- API keys ---------------------------------------------------------

    async def add_api_key(
        self,
        *,
        key_id: ApiKeyId,
        school_id: SchoolId,
        name: str,
        prefix: str,
        secret_hash: str,
        scopes: list[str],
        created_by: UserId,
        now: datetime,
    ) -> ApiKeyRecord:
        row = ApiKey(
            id=key_id,
            school_id=school_id,
            name=name,
            prefix=prefix,
            secret_hash=secret_hash,
            scopes=scopes,
            created_by=created_by,
            created_at=now,
        )
        self._session.add(row)
        await self._session.flush()
        return _api_key(row)

    async def find_api_key_by_prefix(self, prefix: str) -> ApiKeyRecord | None:
        row = await self._session.scalar(select(ApiKey).where(ApiKey.prefix == prefix))
        return None if row is None else _api_key(row)

    async def get_api_key(self, key_id: ApiKeyId) -> ApiKeyRecord:
        """Raises: NotFound."""
        row = await self._session.get(ApiKey, key_id)
        if row is None:
            raise NotFound("no such API key")
        return _api_key(row)

    async def list_api_keys(self, school_id: SchoolId) -> tuple[ApiKeyRecord, ...]:
        rows = await self._session.scalars(
            select(ApiKey)
            .where(ApiKey.school_id == school_id)
            .order_by(ApiKey.created_at, ApiKey.id)
        )
        return tuple(_api_key(r) for r in rows)

    async def revoke_api_key(self, key_id: ApiKeyId, now: datetime) -> None:
        await self._session.execute(
            update(ApiKey)
            .where(ApiKey.id == key_id, ApiKey.revoked_at.is_(None))
            .values(revoked_at=now)
        )

    async def touch_api_key(self, key_id: ApiKeyId, now: datetime) -> None:
        await self._session.execute(
            update(ApiKey).where(ApiKey.id == key_id).values(last_used_at=now)
        )
