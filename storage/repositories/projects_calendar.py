"""Schools' calendars: time zone, weekly hours and holidays, used to plan meetings."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from protocol.ids import SchoolId, UserId

from ..records_projects import HolidayRecord, HoursRecord, SchoolCalendarRecord
from ..tables.projects import SchoolCalendar, SchoolHoliday


class SqlSchoolCalendarRepo:
    """One calendar row per school (absent until someone sets it) and its holidays."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def find_calendar(self, school_id: SchoolId) -> SchoolCalendarRecord | None:
        row = await self._session.get(SchoolCalendar, school_id)
        if row is None:
            return None
        holidays = (
            await self._session.scalars(
                select(SchoolHoliday)
                .where(SchoolHoliday.school_id == school_id)
                .order_by(SchoolHoliday.starts_on, SchoolHoliday.id)
            )
        ).all()
        return SchoolCalendarRecord(
            school_id=SchoolId(row.school_id),
            time_zone=row.time_zone,
            hours=tuple(
                HoursRecord(
                    weekday=int(h["weekday"]), opens=str(h["opens"]), closes=str(h["closes"])
                )
                for h in row.hours
            ),
            holidays=tuple(
                HolidayRecord(starts_on=h.starts_on, ends_on=h.ends_on, label=h.label)
                for h in holidays
            ),
            updated_by=UserId(row.updated_by),
            updated_at=row.updated_at,
        )

    async def replace_calendar(
        self,
        school_id: SchoolId,
        *,
        time_zone: str,
        hours: Sequence[HoursRecord],
        holidays: Sequence[HolidayRecord],
        updated_by: UserId,
        now: datetime,
    ) -> None:
        """Set the whole calendar at once (the caller checked it)."""
        stored = [{"weekday": h.weekday, "opens": h.opens, "closes": h.closes} for h in hours]
        row = await self._session.get(SchoolCalendar, school_id)
        if row is None:
            self._session.add(
                SchoolCalendar(
                    school_id=school_id,
                    time_zone=time_zone,
                    hours=stored,
                    updated_by=updated_by,
                    updated_at=now,
                )
            )
        else:
            row.time_zone = time_zone
            row.hours = stored
            row.updated_by = updated_by
            row.updated_at = now
        await self._session.execute(
            delete(SchoolHoliday).where(SchoolHoliday.school_id == school_id)
        )
        for holiday in holidays:
            self._session.add(
                SchoolHoliday(
                    school_id=school_id,
                    starts_on=holiday.starts_on,
                    ends_on=holiday.ends_on,
                    label=holiday.label,
                )
            )
        await self._session.flush()
