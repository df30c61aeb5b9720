"""Slot proposals across time zones, hours, holidays and daylight-saving changes."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from community.projects.scheduling import Opening, SchoolWeek, propose_slots
from protocol.errors import InvalidPayload

WEEKDAYS = range(5)


def school(zone: str, opens: str = "08:00", closes: str = "16:00", holidays=()) -> SchoolWeek:
    opening = (Opening(time.fromisoformat(opens), time.fromisoformat(closes)),)
    return SchoolWeek(ZoneInfo(zone), {d: opening for d in WEEKDAYS}, tuple(holidays))


def slots(schools, first, last, *, zone="UTC", minutes=60, step=60, limit=100):
    return propose_slots(
        schools,
        first_day=first,
        last_day=last,
        range_zone=ZoneInfo(zone),
        duration=timedelta(minutes=minutes),
        step=timedelta(minutes=step),
        limit=limit,
    )


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


@pytest.mark.parametrize(
    ("schools", "day", "starts"),
    [
        # Paris (UTC+1 in January) alone: 08:00-16:00 local = 07:00-15:00 UTC.
        ([school("Europe/Paris")], date(2027, 1, 11), [utc(2027, 1, 11, h) for h in range(7, 15)]),
        # Paris and Lisbon (UTC+0): the overlap is 08:00-15:00 UTC.
        (
            [school("Europe/Paris"), school("Europe/Lisbon")],
            date(2027, 1, 11),
            [utc(2027, 1, 11, h) for h in range(8, 15)],
        ),
        # Paris and Tbilisi (UTC+4): 07:00-15:00 vs 04:00-12:00 UTC -> starts 07..11.
        (
            [school("Europe/Paris"), school("Asia/Tbilisi")],
            date(2027, 1, 11),
            [utc(2027, 1, 11, h) for h in range(7, 12)],
        ),
        # A Saturday: nothing.
        ([school("Europe/Paris")], date(2027, 1, 16), []),
    ],
)
def test_overlap_of_school_hours(schools, day, starts):
    assert [s for s, _ in slots(schools, day, day)] == starts


def test_holidays_of_any_school_are_left_out():
    paris = school("Europe/Paris")
    berlin = school("Europe/Berlin", holidays=[(date(2027, 1, 12), date(2027, 1, 13))])
    found = {s.date() for s, _ in slots([paris, berlin], date(2027, 1, 11), date(2027, 1, 15))}
    assert found == {date(2027, 1, 11), date(2027, 1, 14), date(2027, 1, 15)}


def test_daylight_saving_change_is_followed():
    # Europe moves to summer time on 28 March 2027; Istanbul stays at UTC+3.
    paris, istanbul = school("Europe/Paris"), school("Europe/Istanbul")
    before = [s for s, _ in slots([paris, istanbul], date(2027, 3, 26), date(2027, 3, 26))]
    after = [s for s, _ in slots([paris, istanbul], date(2027, 3, 29), date(2027, 3, 29))]
    # Winter: Paris 07-15 UTC, Istanbul 05-13 UTC -> starts 07..12.
    assert before == [utc(2027, 3, 26, h) for h in range(7, 13)]
    # Summer: Paris 06-14 UTC -> starts 06..12.
    assert after == [utc(2027, 3, 29, h) for h in range(6, 13)]


def test_a_slot_never_runs_past_closing_or_midnight():
    for start, end in slots(
        [school("Europe/Paris")], date(2027, 1, 11), date(2027, 1, 11), minutes=90, step=30
    ):
        local_end = end.astimezone(ZoneInfo("Europe/Paris"))
        assert local_end.time() <= time(16, 0)
        assert end - start == timedelta(minutes=90)


def test_the_range_is_read_in_the_given_zone():
    # 11 January read in Tokyo starts on 10 January 15:00 UTC: no Paris hours then.
    found = slots([school("Europe/Paris")], date(2027, 1, 11), date(2027, 1, 11), zone="Asia/Tokyo")
    assert found and all(s >= utc(2027, 1, 10, 15) for s, _ in found)
    assert all(e <= utc(2027, 1, 11, 15) for _, e in found)


def test_limit_and_no_schools():
    assert len(slots([school("Europe/Paris")], date(2027, 1, 11), date(2027, 1, 15), limit=3)) == 3
    assert slots([], date(2027, 1, 11), date(2027, 1, 11)) == []


@pytest.mark.parametrize(
    ("first", "last", "minutes"),
    [
        (date(2027, 1, 12), date(2027, 1, 11), 60),
        (date(2027, 1, 1), date(2027, 6, 1), 60),
        (date(2027, 1, 1), date(2027, 1, 2), 0),
    ],
)
def test_bad_ranges_are_refused(first, last, minutes):
    with pytest.raises(InvalidPayload):
        slots([school("Europe/Paris")], first, last, minutes=minutes)
