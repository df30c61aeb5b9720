"""Schools: add, read and list them by country."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from protocol.errors import NotFound
from protocol.ids import SchoolId

from ..pagination import decode_cursor, encode_cursor
from ..records import SchoolRecord, Slice
from ..tables.accounts import School


def _record(row: School) -> SchoolRecord:
    return SchoolRecord(
        id=SchoolId(row.id),
        name=row.name,
        country_code=row.country_code,
        city=row.city,
        school_type=row.school_type,
        age_min=row.age_min,
        age_max=row.age_max,
        languages=tuple(row.languages),
        created_at=row.created_at,
    )


class SqlSchoolRepo:
    """Schools table access."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def add_school(
        self,
        *,
        school_id: SchoolId,
        name: str,
        country_code: str,
        city: str,
        school_type: str,
        age_min: int,
        age_max: int,
        languages: list[str],
        now: datetime,
    ) -> SchoolRecord:
        row = School(
            id=school_id,
            name=name,
            country_code=country_code,
            city=city,
            school_type=school_type,
            age_min=age_min,
            age_max=age_max,
            languages=languages,
            created_at=now,
        )
        self._session.add(row)
        await self._session.flush()
        return _record(row)

    async def find_school(self, school_id: SchoolId) -> SchoolRecord | None:
        row = await self._session.get(School, school_id)
        return None if row is None else _record(row)

    async def get_school(self, school_id: SchoolId) -> SchoolRecord:
        """Raises: NotFound."""
        record = await self.find_school(school_id)
        if record is None:
            raise NotFound("no such school")
        return record

    async def list_schools(
        self,
        *,
        country_code: str | None,
        name_prefix: str | None,
        cursor: str | None,
        limit: int,
    ) -> Slice[SchoolRecord]:
        """Schools ordered by name then id, optionally of one country."""
        query = select(School)
        if country_code is not None:
            query = query.where(School.country_code == country_code)
        if name_prefix:
            escaped = name_prefix.lower().replace("\\", "\\\\").replace("%", "\\%")
            escaped = escaped.replace("_", "\\_")
            query = query.where(func.lower(School.name).like(f"{escaped}%", escape="\\"))
        if cursor is not None:
            name, last_id = decode_cursor(cursor, 2, kinds=(str, str))
            query = query.where(
                (School.name > name) | ((School.name == name) & (School.id > last_id))
            )
        rows = (
            await self._session.scalars(query.order_by(School.name, School.id).limit(limit + 1))
        ).all()
        page = [_record(r) for r in rows[:limit]]
        next_cursor = encode_cursor(page[-1].name, page[-1].id) if len(rows) > limit else None
        return Slice(tuple(page), next_cursor)
