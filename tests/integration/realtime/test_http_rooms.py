"""Live rooms over HTTP: join tokens by project role, ad-hoc rooms, attendance, bans."""

from __future__ import annotations

import csv
import io

from protocol.events.rooms import BanParticipant, EndRoom, ParticipantRemoved
from rooms import MemberRole
from tests.integration.realtime.live import Live, until


async def test_the_join_token_follows_the_project_role(live: Live) -> None:
    admin = await live.teacher()
    teacher = await live.member(await live.world.teacher(), MemberRole.TEACHER)
    observer = await live.member(await live.world.teacher(), MemberRole.OBSERVER)
    pupil = await live.pupil(admin)
    for actor, role in ((admin, "host"), (teacher, "co_teacher"), (observer, "observer"),
                        (pupil, "pupil")):  # fmt: skip
        response = await live.http.post(
            f"/api/v1/rooms/{live.room}/join-token", headers=actor.headers
        )
        assert response.status == 201
        body = await response.json()
        assert body["role"] == role
        assert body["join_token"] not in response.headers.get("Location", "")


async def test_strangers_and_pupils_outside_the_audience_get_no_token(live: Live) -> None:
    admin = await live.teacher()
    stranger = await live.world.teacher()
    response = await live.http.post(
        f"/api/v1/rooms/{live.room}/join-token", headers=stranger.headers
    )
    assert response.status == 404
    teachers_only = live.directory.add_meeting(
        live.project, invited_roles=frozenset({MemberRole.TEACHER, MemberRole.OBSERVER})
    )
    pupil = await live.pupil(admin)
    response = await live.http.post(
        f"/api/v1/rooms/{teachers_only.room_id}/join-token", headers=pupil.headers
    )
    assert response.status == 404
    assert (await response.json())["code"] == "not_found"


async def test_an_adhoc_room_is_for_the_projects_teachers(live: Live) -> None:
    admin = await live.teacher()
    response = await live.http.post(f"/api/v1/projects/{live.project}/rooms", headers=admin.headers)
    assert response.status == 201
    room = (await response.json())["room_id"]
    token = await live.token(admin, room)
    assert token
    pupil = await live.pupil(admin)
    refused = await live.http.post(f"/api/v1/rooms/{room}/join-token", headers=pupil.headers)
    assert refused.status == 404
    outsider = await live.world.teacher()
    refused = await live.http.post(
        f"/api/v1/projects/{live.project}/rooms", headers=outsider.headers
    )
    assert refused.status == 404


async def test_attendance_in_json_and_csv_for_teachers_only(live: Live) -> None:
    admin = await live.teacher()
    host = await live.join(admin)
    pupil = await live.pupil(admin)
    live.directory.add_member(
        live.project, pupil.user_id, MemberRole.PUPIL, display_name='=HYPERLINK("x")'
    )
    kid = await live.join(pupil)
    live.world.clock.advance(90)
    await kid.close()
    await host.send(EndRoom())
    await until(lambda: not host.connected)
    sessions = await live.http.get(f"/api/v1/rooms/{live.room}/sessions", headers=admin.headers)
    assert sessions.status == 200
    (session,) = (await sessions.json())["sessions"]
    assert session["ended_at"] is not None
    base = f"/api/v1/rooms/{live.room}/sessions/{session['session_id']}/attendance"
    report = await (await live.http.get(base, headers=admin.headers)).json()
    lines = {line["user_id"]: line for line in report["lines"]}
    assert lines[pupil.user_id]["seconds"] == 90
    assert lines[pupil.user_id]["leave_reason"] in ("left", "disconnected")
    assert lines[admin.user_id]["leave_reason"] == "ended"
    response = await live.http.get(f"{base}.csv", headers=admin.headers)
    assert response.content_type == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(await response.text())))
    names = {row["user_id"]: row["display_name"] for row in rows}
    assert names[pupil.user_id] == '\'=HYPERLINK("x")'
    denied = await live.http.get(base, headers=pupil.headers)
    assert denied.status == 403


async def test_bans_are_listed_and_lifted_by_the_projects_teachers(live: Live) -> None:
    admin = await live.teacher()
    host = await live.join(admin)
    pupil = await live.pupil(admin)
    kid = await live.join(pupil)
    await host.send(BanParticipant(participant_id=str(kid.participant_id)))
    await kid.next(ParticipantRemoved)
    listed = await (
        await live.http.get(f"/api/v1/rooms/{live.room}/bans", headers=admin.headers)
    ).json()
    assert [b["user_id"] for b in listed["bans"]] == [pupil.user_id]
    lifted = await live.http.delete(
        f"/api/v1/rooms/{live.room}/bans/{pupil.user_id}", headers=admin.headers
    )
    assert lifted.status == 204
    again = await live.http.delete(
        f"/api/v1/rooms/{live.room}/bans/{pupil.user_id}", headers=admin.headers
    )
    assert again.status == 404
