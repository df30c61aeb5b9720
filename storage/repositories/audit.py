"""The audit log: append, and read one scope's entries newest first."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from protocol.ids import UserId

from ..pagination import decode_cursor, encode_cursor
from ..records import AuditRecord, Slice
from ..tables.accounts import AuditEntry


def _record(row: AuditEntry) -> AuditRecord:
    return AuditRecord(
        id=row.id,
        at=row.at,
        actor_id=None if row.actor_id is None else UserId(row.actor_id),
        action=row.action,
        subject_type=row.subject_type,
        subject_id=row.subject_id,
        scope_type=row.scope_type,
        scope_id=row.scope_id,
        reason=row.reason,
        details=dict(row.details or {}),
    )


class SqlAuditRepo:
    """Append-only: there is no update or delete here on purpose."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def add_entry(
        self,
        *,
        at: datetime,
        actor_id: UserId | None,
        action: str,
        subject_type: str,
        subject_id: str,
        scope_type: str | None = None,
        scope_id: str | None = None,
        reason: str | None = None,
        details: dict[str, Any] | None = None,
    ) -> None:
        self._session.add(
            AuditEntry(
                at=at,
                actor_id=actor_id,
                action=action,
                subject_type=subject_type,
                subject_id=subject_id,
                scope_type=scope_type,
                scope_id=scope_id,
                reason=reason,
                details=details or {},
            )
        )
        await self._session.flush()

    async def list_entries(
        self,
        *,
        scope_type: str | None = None,
        scope_id: str | None = None,
        subject_id: str | None = None,
        cursor: str | None,
        limit: int,
    ) -> Slice[AuditRecord]:
        query = select(AuditEntry)
        if scope_type is not None:
            query = query.where(
                AuditEntry.scope_type == scope_type, AuditEntry.scope_id == scope_id
            )
        if subject_id is not None:
            query = query.where(AuditEntry.subject_id == subject_id)
        if cursor is not None:
            (last_id,) = decode_cursor(cursor, 1, kinds=(int,))
            query = query.where(AuditEntry.id < last_id)
        rows = (
            await self._session.scalars(query.order_by(AuditEntry.id.desc()).limit(limit + 1))
        ).all()
        page = [_record(r) for r in rows[:limit]]
        next_cursor = encode_cursor(page[-1].id) if len(rows) > limit else None
        return Slice(tuple(page), next_cursor)
