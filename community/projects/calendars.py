"""Schools' calendars: their time zone, weekly hours and holidays.

A school that never set its calendar uses its country's time zone (the
capital's, from ``community/countries.py``) and the default hours of the
settings, without holidays. The calendar is edited by any validated teacher
of the school (we chose teachers rather than only the school admin: school
admins exist for API keys and many schools have none, while the teachers
planning meetings know their timetable); every change is audited.
Any validated teacher may read any school's calendar, since partners plan
meetings together and opening hours are not personal data.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import time
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from cluster import Clock
from protocol.errors import Forbidden, InvalidPayload, NotFound
from protocol.ids import SchoolId
from storage import Database, UnitOfWork
from storage.records_projects import HolidayRecord, HoursRecord

from ..clock import utc_now
from ..countries import country_table
from ..principal import Principal
from .scheduling import Opening, SchoolWeek
from .settings import ProjectSettings

FALLBACK_ZONE = "UTC"
MAX_HOLIDAY_DAYS = 366


@dataclass(frozen=True, slots=True)
class EffectiveCalendar:
    """The calendar in force for a school, stored or by default."""

    school_id: SchoolId
    time_zone: str
    hours: tuple[HoursRecord, ...]
    holidays: tuple[HolidayRecord, ...]
    is_default: bool

    def week(self) -> SchoolWeek:
        """The form the slot finder reads."""
        hours: dict[int, list[Opening]] = {}
        for h in self.hours:
            hours.setdefault(h.weekday, []).append(
                Opening(time.fromisoformat(h.opens), time.fromisoformat(h.closes))
            )
        return SchoolWeek(
            zone=ZoneInfo(self.time_zone),
            hours={day: tuple(items) for day, items in hours.items()},
            holidays=tuple((h.starts_on, h.ends_on) for h in self.holidays),
        )


def check_zone(name: str) -> str:
    """Raises: InvalidPayload: not an IANA time zone we know."""
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise InvalidPayload("unknown time zone", details={"field": "time_zone"}) from exc
    return name


def check_hours(hours: Sequence[HoursRecord]) -> tuple[HoursRecord, ...]:
    """Raises: InvalidPayload: an interval that closes before it opens, or overlaps."""
    ordered = sorted(hours, key=lambda h: (h.weekday, h.opens))
    for index, h in enumerate(ordered):
        if not 0 <= h.weekday <= 6 or time.fromisoformat(h.opens) >= time.fromisoformat(h.closes):
            raise InvalidPayload(
                "each interval must open before it closes", details={"field": "hours"}
            )
        if (
            index
            and ordered[index - 1].weekday == h.weekday
            and ordered[index - 1].closes > h.opens
        ):
            raise InvalidPayload(
                "intervals of one day must not overlap", details={"field": "hours"}
            )
    return tuple(ordered)


def check_holidays(holidays: Sequence[HolidayRecord]) -> tuple[HolidayRecord, ...]:
    """Raises: InvalidPayload: a range that ends before it starts or is over a year."""
    for h in holidays:
        if h.ends_on < h.starts_on or (h.ends_on - h.starts_on).days > MAX_HOLIDAY_DAYS:
            raise InvalidPayload(
                "a holiday must end after it starts", details={"field": "holidays"}
            )
    return tuple(sorted(holidays, key=lambda h: (h.starts_on, h.ends_on)))


class CalendarService:
    """Reads and sets schools' calendars."""

    def __init__(self, *, db: Database, clock: Clock, settings: ProjectSettings) -> None:
        self._db = db
        self._clock = clock
        self._settings = settings

    def _default_hours(self) -> tuple[HoursRecord, ...]:
        s = self._settings
        return tuple(
            HoursRecord(d, s.default_opens, s.default_closes) for d in s.default_school_days
        )

    async def effective(self, uow: UnitOfWork, school_id: SchoolId) -> EffectiveCalendar:
        """The calendar in force (in the caller's transaction).

        Raises:
            NotFound: No such school.
        """
        stored = await uow.school_calendars.find_calendar(school_id)
        if stored is not None:
            return EffectiveCalendar(
                school_id, stored.time_zone, stored.hours, stored.holidays, is_default=False
            )
        school = await uow.schools.find_school(school_id)
        if school is None:
            raise NotFound("no such school")
        country = country_table().find(school.country_code)
        zone = country.timezone if country is not None else FALLBACK_ZONE
        return EffectiveCalendar(school_id, zone, self._default_hours(), (), is_default=True)

    async def get(self, actor: Principal, school_id: SchoolId) -> EffectiveCalendar:
        """Raises: Forbidden (not a validated teacher), NotFound (no such school)."""
        if not actor.is_validated_teacher:
            raise Forbidden("only teachers read schools' calendars")
        async with self._db.transaction("calendars.get") as uow:
            return await self.effective(uow, school_id)

    async def update(
        self,
        actor: Principal,
        school_id: SchoolId,
        *,
        time_zone: str,
        hours: Sequence[HoursRecord],
        holidays: Sequence[HolidayRecord],
    ) -> EffectiveCalendar:
        """Replace the school's calendar.

        Raises:
            Forbidden: Not a validated teacher of that school.
            InvalidPayload: Unknown zone, bad hours or holidays.
        """
        if not actor.is_validated_teacher or actor.school_id != school_id:
            raise Forbidden("only the school's own teachers set its calendar")
        zone = check_zone(time_zone)
        clean_hours = check_hours(hours)
        clean_holidays = check_holidays(holidays)
        now = utc_now(self._clock)
        async with self._db.transaction("calendars.update") as uow:
            await uow.school_calendars.replace_calendar(
                school_id,
                time_zone=zone,
                hours=clean_hours,
                holidays=clean_holidays,
                updated_by=actor.user_id,
                now=now,
            )
            await uow.audit.add_entry(
                at=now,
                actor_id=actor.user_id,
                action="school.calendar_updated",
                subject_type="school",
                subject_id=school_id,
                scope_type="school",
                scope_id=school_id,
            )
            return await self.effective(uow, school_id)
