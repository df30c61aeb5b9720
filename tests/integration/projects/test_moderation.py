"""The project space through the moderation pipeline, over HTTP: forum posts and
pupils' pages refused or held for the project's teachers, the project's own
words, its chat reports for teacher admins, and schools' chat retention."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from protocol.ids import MessageId, RoomId, UserId, new_id
from storage.records_moderation import NewChatMessage
from tests.integration.projects.conftest import Team
from tests.support import World

HELD_BODY = "write to me: anna.smith@gmail.com"


async def open_thread(app_client: Any, team: Team) -> str:
    """A discussion and a thread by the founder; returns the thread id."""
    founder = team.founder.headers
    made = await app_client.post(team.url("/forum"), json={"title": "Rivers"}, headers=founder)
    assert made.status == 201, await made.text()
    discussion_id = (await made.json())["id"]
    thread = await app_client.post(
        team.url(f"/forum/{discussion_id}/threads"),
        json={"title": "Our river", "body": "Tell us about yours"},
        headers=founder,
    )
    assert thread.status == 201, await thread.text()
    return str((await thread.json())["id"])


async def reply(app_client: Any, team: Team, thread_id: str, body: str, headers: Any) -> Any:
    return await app_client.post(
        f"/api/v1/projects/{team.project_id}/threads/{thread_id}/posts",
        json={"body": body},
        headers=headers,
    )


async def post_bodies(app_client: Any, team: Team, thread_id: str) -> list[str]:
    listed = await app_client.get(
        f"/api/v1/projects/{team.project_id}/threads/{thread_id}/posts",
        headers=team.founder.headers,
    )
    assert listed.status == 200, await listed.text()
    return [p["body"] for p in (await listed.json())["posts"]]


async def test_a_pupils_forum_post_is_refused_held_and_approved_like_a_chat_message(
    app_client: Any, team: Team, world: World
) -> None:
    thread_id = await open_thread(app_client, team)
    pupil = team.pupil.headers
    refused = await reply(app_client, team, thread_id, "this is shit", pupil)
    assert refused.status == 422
    problem = await refused.json()
    assert (problem["code"], problem["details"]["reason"]) == ("message_rejected", "blocked_word")

    held = await reply(app_client, team, thread_id, HELD_BODY, pupil)
    assert held.status == 202
    held_id = (await held.json())["details"]["held_id"]
    assert await post_bodies(app_client, team, thread_id) == ["Tell us about yours"]
    world.clock.advance(60)

    queue = await app_client.get(team.url("/moderation/held"), headers=team.teacher.headers)
    assert queue.status == 200
    (waiting,) = (await queue.json())["posts"]
    assert (waiting["held_id"], waiting["kind"], waiting["body"]) == (
        held_id,
        "forum_reply",
        HELD_BODY,
    )
    assert waiting["findings"][0]["kind"] == "email"
    assert "anna.smith" not in str(waiting["findings"])

    as_pupil = await app_client.get(team.url("/moderation/held"), headers=pupil)
    assert as_pupil.status == 403
    approved = await app_client.post(
        team.url(f"/moderation/held/{held_id}/approve"), headers=team.teacher.headers
    )
    assert approved.status == 200, await approved.text()
    assert await post_bodies(app_client, team, thread_id) == ["Tell us about yours", HELD_BODY]
    again = await app_client.post(
        team.url(f"/moderation/held/{held_id}/reject"), json={}, headers=team.founder.headers
    )
    assert again.status == 409

    audit = await app_client.get(team.url("/audit"), headers=team.founder.headers)
    assert audit.status == 200
    actions = [e["action"] for e in (await audit.json())["items"]]
    assert "space.post_approved" in actions


async def test_a_pupil_admins_page_is_held_and_a_teacher_refuses_it(
    app_client: Any, team: Team
) -> None:
    made = await app_client.post(
        team.url("/pages"),
        json={
            "title": "About me",
            "body": f"Hello! {HELD_BODY}",
            "edit_scope": "teachers_and_pupils",
        },
        headers=team.pupil_admin.headers,
    )
    assert made.status == 202
    held_id = (await made.json())["details"]["held_id"]
    refused = await app_client.post(
        team.url(f"/moderation/held/{held_id}/reject"),
        json={"reason": "personal_data"},
        headers=team.founder.headers,
    )
    assert refused.status == 204, await refused.text()
    queue = await app_client.get(team.url("/moderation/held"), headers=team.founder.headers)
    assert (await queue.json())["posts"] == []
    pages = await app_client.get(team.url("/pages"), headers=team.founder.headers)
    assert [p["title"] for p in (await pages.json())["pages"]] == []
    teachers_page = await app_client.post(
        team.url("/pages"),
        json={"title": "Contact", "body": f"Teachers: {HELD_BODY}"},
        headers=team.teacher.headers,
    )
    assert teachers_page.status == 201


async def test_a_projects_own_words_apply_at_once_and_only_teachers_change_them(
    app_client: Any, team: Team
) -> None:
    thread_id = await open_thread(app_client, team)
    terms = team.url("/moderation/terms")
    added = await app_client.post(
        terms, json={"text": "Broccoli", "severity": "block"}, headers=team.teacher.headers
    )
    assert added.status == 201, await added.text()
    assert (await added.json()) == {"text": "broccoli", "severity": "block"}
    twice = await app_client.post(
        terms, json={"text": "broccoli", "severity": "hold"}, headers=team.founder.headers
    )
    assert twice.status == 409
    by_pupil = await app_client.post(terms, json={"text": "x"}, headers=team.pupil.headers)
    assert by_pupil.status == 403
    outsider = await app_client.get(terms, headers=team.outsider_teacher.headers)
    assert outsider.status == 404

    refused = await reply(app_client, team, thread_id, "I love BROCCOLI", team.pupil.headers)
    assert refused.status == 422
    listed = await app_client.get(terms, headers=team.founder.headers)
    assert (await listed.json())["terms"] == [{"text": "broccoli", "severity": "block"}]
    removed = await app_client.delete(
        terms, params={"text": "broccoli"}, headers=team.teacher.headers
    )
    assert removed.status == 204
    accepted = await reply(app_client, team, thread_id, "I love broccoli", team.pupil.headers)
    assert accepted.status == 201


async def test_chat_reports_are_listed_for_the_projects_teacher_admins(
    app_client: Any, team: Team, world: World
) -> None:
    now = datetime.now(UTC)
    async with world.services.db.transaction("test.report") as uow:
        message = await uow.moderation.add_message(
            NewChatMessage(
                message_id=MessageId(new_id()), room_id=RoomId("room-1"), session_id="s-1",
                project_id=team.project_id, school_id=team.pupil.school_id,
                participant_id="p-1", sender_user_id=UserId(team.pupil.user_id),
                sender_role="pupil", channel="room", group_id=None, peer_user_id=None,
                peer_participant_id=None, status="posted", text="rude", client_msg_id=None,
                sent_at=now, links_allowed=False,
            )
        )  # fmt: skip
        await uow.moderation.add_report(
            report_id="report-1",
            message=message,
            reporter_user_id=UserId(team.pupil_admin.user_id),
            reporter_participant_id="p-2",
            reason="unkind",
            at=now,
        )
    url = team.url("/moderation/reports")
    listed = await app_client.get(url, headers=team.founder.headers)
    assert listed.status == 200, await listed.text()
    (report,) = (await listed.json())["items"]
    assert (report["report_id"], report["reason"], report["status"]) == (
        "report-1",
        "unkind",
        "open",
    )
    assert "rude" not in str(report)
    assert (await app_client.get(url, headers=team.teacher.headers)).status == 403
    assert (await app_client.get(url, headers=team.pupil.headers)).status == 403


async def test_a_school_admin_sets_the_schools_chat_retention(
    world: World, app_client: Any
) -> None:
    admin = await world.teacher(school_admin=True)
    url = f"/api/v1/schools/{admin.school_id}/chat-retention"
    default = await app_client.get(url, headers=admin.headers)
    assert (await default.json()) == {
        "school_id": admin.school_id,
        "days": world.services.settings.moderation.retention_days,
        "is_default": True,
    }
    changed = await app_client.put(url, json={"days": 7}, headers=admin.headers)
    assert (await changed.json())["days"] == 7
    assert (await app_client.put(url, json={"days": 0}, headers=admin.headers)).status == 400
    other = await world.teacher(school_admin=True)
    foreign = f"/api/v1/schools/{other.school_id}/chat-retention"
    assert (await app_client.put(foreign, json={"days": 3}, headers=admin.headers)).status == 403
    back = await app_client.put(url, json={}, headers=admin.headers)
    assert (await back.json())["is_default"] is True
