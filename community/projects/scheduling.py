"""Proposing meeting slots that suit every partner school: a pure function.

Partner schools sit in different time zones, with their own hours and
holidays. A slot is proposed when, for every school, it starts and ends on
the same local day, inside one of that day's opening intervals, and that day
is not a holiday. Candidates step through UTC instants and each is converted
with ``zoneinfo`` for each school, so the answer stays right across
daylight-saving changes, including the weeks when one partner has changed its
clocks and another (Türkiye, Georgia, Jordan...) never does.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from protocol.errors import InvalidPayload

MAX_RANGE_DAYS = 62


@dataclass(frozen=True, slots=True)
class Opening:
    """One opening interval of a weekday, in local time."""

    opens: time
    closes: time


@dataclass(frozen=True, slots=True)
class SchoolWeek:
    """What the slot finder knows of one school."""

    zone: ZoneInfo
    hours: Mapping[int, tuple[Opening, ...]]
    """Weekday (0 = Monday) to its opening intervals."""
    holidays: tuple[tuple[date, date], ...] = field(default=())
    """Inclusive local date ranges."""

    def is_holiday(self, day: date) -> bool:
        return any(start <= day <= end for start, end in self.holidays)

    def is_open(self, start: datetime, end: datetime) -> bool:
        """Whether [start, end) (aware datetimes) lies inside this school's hours."""
        local_start = start.astimezone(self.zone)
        local_end = end.astimezone(self.zone)
        day = local_start.date()
        if local_end.date() != day or self.is_holiday(day):
            return False
        begin, finish = local_start.time(), local_end.time()
        return any(
            o.opens <= begin and finish <= o.closes for o in self.hours.get(day.weekday(), ())
        )


def propose_slots(
    schools: Sequence[SchoolWeek],
    *,
    first_day: date,
    last_day: date,
    range_zone: ZoneInfo,
    duration: timedelta,
    step: timedelta,
    limit: int,
) -> list[tuple[datetime, datetime]]:
    """Slots of ``duration`` within the days ``first_day``..``last_day`` (read in
    ``range_zone``), stepping by ``step`` from local midnight, that fit every school.

    Returns:
        Up to ``limit`` (start, end) pairs in UTC, earliest first.

    Raises:
        InvalidPayload: An empty or too long range, or a non-positive duration or step.
    """
    if last_day < first_day:
        raise InvalidPayload("the range ends before it starts", details={"field": "end_date"})
    if (last_day - first_day).days + 1 > MAX_RANGE_DAYS:
        raise InvalidPayload(
            f"search at most {MAX_RANGE_DAYS} days at once", details={"field": "end_date"}
        )
    if duration <= timedelta(0) or step <= timedelta(0):
        raise InvalidPayload("duration and step must be positive")
    if not schools:
        return []
    start = datetime.combine(first_day, time(0), range_zone).astimezone(UTC)
    stop = datetime.combine(last_day + timedelta(days=1), time(0), range_zone).astimezone(UTC)
    slots: list[tuple[datetime, datetime]] = []
    candidate = start
    while candidate + duration <= stop and len(slots) < limit:
        end = candidate + duration
        if all(school.is_open(candidate, end) for school in schools):
            slots.append((candidate, end))
        candidate += step
    return slots
