"""Attendance: every stay recorded, and a report for the project's teachers only."""

from __future__ import annotations

import pytest

from community import Principal
from protocol.api.accounts import AccountKind, AccountStatus
from protocol.errors import Forbidden, NotFound
from protocol.ids import UserId
from tests.unit.rooms.harness import Person, Rooms


def principal(person: Person) -> Principal:
    return Principal(
        user_id=person.user_id,
        kind=person.kind,
        status=AccountStatus.VALIDATED
        if person.kind is AccountKind.TEACHER
        else AccountStatus.ACTIVE,
        school_id=person.member.school_id,
        country_code="FR",
    )


async def test_the_report_lists_every_stay_with_roster_names(rooms: Rooms) -> None:
    teacher = await rooms.teacher()
    host = await rooms.join(teacher)
    pupil = await rooms.pupil()
    first = await rooms.join(pupil)
    rooms.clock.advance(120)
    await rooms.services.sessions.leave(
        rooms.room, pupil.user_id, conn_id=first.conn_id, reason="disconnected"
    )
    rooms.clock.advance(30)
    await rooms.join(pupil)
    rooms.clock.advance(60)
    await rooms.services.sessions.end(host)
    (session,) = await rooms.services.attendance.sessions(principal(teacher), rooms.room)
    assert session.ended_at is not None
    report = await rooms.services.attendance.report(principal(teacher), rooms.room, session.id)
    lines = [(line.display_name, line.seconds, line.leave_reason) for line in report.lines]
    assert lines == [
        (teacher.member.display_name, 210, "ended"),
        (pupil.member.display_name, 120, "disconnected"),
        (pupil.member.display_name, 60, "ended"),
    ]


async def test_a_stay_still_open_counts_until_now(rooms: Rooms) -> None:
    teacher = await rooms.teacher()
    await rooms.join(teacher)
    rooms.clock.advance(42)
    (session,) = await rooms.services.attendance.sessions(principal(teacher), rooms.room)
    (line,) = (
        await rooms.services.attendance.report(principal(teacher), rooms.room, session.id)
    ).lines
    assert line.left_at is None and line.seconds == 42


async def test_pupils_and_strangers_may_not_read_attendance(rooms: Rooms) -> None:
    teacher = await rooms.teacher()
    await rooms.join(teacher)
    pupil = await rooms.pupil()
    with pytest.raises(Forbidden):
        await rooms.services.attendance.sessions(principal(pupil), rooms.room)
    stranger = await rooms.teacher()
    rooms.directory.remove_member(rooms.project, stranger.user_id)
    with pytest.raises(NotFound):
        await rooms.services.attendance.sessions(principal(stranger), rooms.room)


async def test_a_session_of_another_room_is_not_found(rooms: Rooms) -> None:
    teacher = await rooms.teacher()
    await rooms.join(teacher)
    with pytest.raises(NotFound):
        await rooms.services.attendance.report(principal(teacher), rooms.room, "other")


async def test_an_erased_account_shows_as_removed(rooms: Rooms) -> None:
    teacher = await rooms.teacher()
    await rooms.join(teacher)
    pupil = await rooms.pupil()
    await rooms.join(pupil)
    rooms.directory.remove_member(rooms.project, UserId(pupil.user_id))
    (session,) = await rooms.services.attendance.sessions(principal(teacher), rooms.room)
    report = await rooms.services.attendance.report(principal(teacher), rooms.room, session.id)
    assert report.lines[-1].display_name == "(removed account)"
