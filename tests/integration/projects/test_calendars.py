"""Schools' calendars, slot proposals over the API, and the live rooms' read API."""

from __future__ import annotations

from datetime import date, timedelta

from community import MeetingPlan, may_join_meeting
from community.clock import utc_now
from protocol.api.spaces import MeetingAudience
from protocol.ids import RoomId

HOURS = [{"weekday": d, "opens": "09:00", "closes": "12:00"} for d in range(5)]


async def test_a_schools_teachers_set_its_calendar_and_others_cannot(app_client, services, team):
    school = team.co_founder.school_id
    url = f"/api/v1/schools/{school}/calendar"
    default = await (await app_client.get(url, headers=team.founder.headers)).json()
    assert default["is_default"] is True
    assert default["time_zone"] == "Europe/Berlin"
    refused = await app_client.put(
        url, json={"time_zone": "Europe/Paris", "hours": HOURS}, headers=team.founder.headers
    )
    assert refused.status == 403
    assert (await (await app_client.get(url, headers=team.founder.headers)).json()) == default
    bad = await app_client.put(
        url, json={"time_zone": "Mars/Olympus", "hours": HOURS}, headers=team.co_founder.headers
    )
    assert bad.status == 400
    inverted = await app_client.put(
        url,
        json={
            "time_zone": "Europe/Berlin",
            "hours": [{"weekday": 0, "opens": "12:00", "closes": "09:00"}],
        },
        headers=team.co_founder.headers,
    )
    assert inverted.status == 400
    holiday = {"starts_on": "2027-01-12", "ends_on": "2027-01-13", "label": "Winter"}
    ok = await app_client.put(
        url,
        json={"time_zone": "Europe/Berlin", "hours": HOURS, "holidays": [holiday]},
        headers=team.co_founder.headers,
    )
    assert ok.status == 200
    stored = await ok.json()
    assert stored["is_default"] is False
    assert stored["holidays"] == [holiday]


async def test_slots_follow_every_member_schools_calendar(app_client, services, team, world):
    monday = date(2027, 1, 11)
    await app_client.put(
        f"/api/v1/schools/{team.co_founder.school_id}/calendar",
        json={
            "time_zone": "Europe/Berlin",
            "hours": HOURS,
            "holidays": [{"starts_on": "2027-01-12", "ends_on": "2027-01-12"}],
        },
        headers=team.co_founder.headers,
    )
    query = {
        "start_date": monday.isoformat(),
        "end_date": (monday + timedelta(days=2)).isoformat(),
        "duration_minutes": 60,
        "step_minutes": 60,
    }
    response = await app_client.get(
        team.url("/meeting-slots"), params=query, headers=team.founder.headers
    )
    assert response.status == 200, await response.text()
    slots = (await response.json())["slots"]
    days = {s["starts_at"][:10] for s in slots}
    assert days == {"2027-01-11", "2027-01-13"}
    # Berlin 09-12 local = 08-11 UTC in winter; 1-hour slots start 08, 09 and 10 UTC.
    assert sorted({s["starts_at"][11:16] for s in slots}) == ["08:00", "09:00", "10:00"]
    refused = await app_client.get(
        team.url("/meeting-slots"), params=query, headers=team.pupil.headers
    )
    assert refused.status == 403


async def test_the_directory_answers_the_live_rooms(services, team, world):
    directory = services.projects.directory
    start = utc_now(world.clock) + timedelta(days=1)
    seen = await services.projects.meetings.schedule(
        team.founder.principal,
        team.project_id,
        MeetingPlan("Teachers", start, start + timedelta(hours=1), MeetingAudience.TEACHERS),
    )
    meeting = await directory.find_meeting_by_room(seen.meetings[0].room_id)
    assert meeting is not None and meeting.project_id == team.project_id
    assert meeting.project_status.value == "active"
    assert await directory.find_meeting_by_room(RoomId("no-such-room")) is None
    founder = await directory.membership(team.project_id, team.founder.user_id)
    pupil = await directory.membership(team.project_id, team.pupil.user_id)
    outsider = await directory.membership(team.project_id, team.other_pupil.user_id)
    assert founder is not None and founder.role.value == "teacher_admin"
    assert founder.school_id == team.founder.school_id and founder.kind.value == "founder"
    assert pupil is not None and pupil.is_pupil
    assert outsider is None
    assert may_join_meeting(meeting, founder)
    assert not may_join_meeting(meeting, pupil)
    assert not may_join_meeting(meeting, outsider)
    members = await directory.list_members(team.project_id)
    assert {m.user_id for m in members} >= {team.founder.user_id, team.pupil.user_id}
