"""Space visibility: the same 404 for forbidden and missing ids, page scopes and
drafts, public pages without pupils' names, the teacher bulletin, meetings' audiences."""

from __future__ import annotations

from datetime import timedelta

import pytest

from community import MeetingPlan, PageDraft
from community.clock import utc_now
from protocol.api.spaces import MeetingAudience, PageEditScope, PageState, PageViewScope


def _without_request_id(body: dict) -> dict:
    return {k: v for k, v in body.items() if k != "request_id"}


async def _page(
    team,
    services,
    view=PageViewScope.MEMBERS,
    state=PageState.PUBLISHED,
    edit=PageEditScope.TEACHERS,
    author=None,
):
    draft = PageDraft("Title", "Body", view, edit, state)
    actor = (author or team.founder).principal
    return await services.projects.pages.create_page(actor, team.project_id, draft)


@pytest.mark.parametrize("what", ["pages", "materials", "forum", "meetings"])
async def test_a_pupil_of_another_project_gets_the_same_404_as_for_a_missing_id(
    app_client, services, team, world, what
):
    page = await _page(team, services)
    start = utc_now(world.clock) + timedelta(days=1)
    seen = await services.projects.meetings.schedule(
        team.founder.principal,
        team.project_id,
        MeetingPlan("Live", start, start + timedelta(hours=1), MeetingAudience.ALL_MEMBERS),
    )
    discussion = await services.projects.forum.create_discussion(
        team.founder.principal, team.project_id, "Topic"
    )
    (folder,) = await services.projects.materials.list_folders(
        team.founder.principal, team.project_id
    )
    paths = {
        "pages": (f"/pages/{page.id}", "/pages/00000000-0000-4000-8000-000000000000"),
        "materials": ("/materials", "/materials"),
        "forum": (f"/forum/{discussion.id}/threads", "/forum/nope/threads"),
        "meetings": (f"/meetings/{seen.meetings[0].id}", "/meetings/nope"),
    }
    real, missing = paths[what]
    forbidden = await app_client.get(team.url(real), headers=team.other_pupil.headers)
    unknown_project = await app_client.get(
        f"/api/v1/projects/00000000-0000-4000-8000-000000000000{missing}",
        headers=team.other_pupil.headers,
    )
    assert forbidden.status == unknown_project.status == 404
    assert _without_request_id(await forbidden.json()) == _without_request_id(
        await unknown_project.json()
    )
    # The member sees it.
    assert (await app_client.get(team.url(real), headers=team.pupil.headers)).status == 200
    # A folder id of this project through the other project is also just missing.
    other = await app_client.get(
        f"/api/v1/projects/{team.other_project_id}/folders", headers=team.pupil.headers
    )
    assert other.status == 404
    assert folder.id


async def test_a_pupil_sees_no_networking_and_no_other_project(app_client, team):
    listed = await (await app_client.get("/api/v1/projects", headers=team.pupil.headers)).json()
    assert [p["id"] for p in listed["items"]] == [team.project_id]
    for path in ("/api/v1/invitations", f"/api/v1/schools/{team.founder.school_id}/calendar"):
        response = await app_client.get(path, headers=team.pupil.headers)
        assert response.status == 403


async def test_drafts_are_seen_by_their_editors_only(app_client, services, team):
    draft = await _page(team, services, state=PageState.DRAFT)
    for actor, status in (
        (team.teacher, 200),
        (team.founder, 200),
        (team.pupil, 404),
        (team.observer, 404),
    ):
        response = await app_client.get(team.url(f"/pages/{draft.id}"), headers=actor.headers)
        assert response.status == status
        listed = await (await app_client.get(team.url("/pages"), headers=actor.headers)).json()
        assert (draft.id in [p["id"] for p in listed["pages"]]) is (status == 200)


async def test_teachers_only_pages_are_hidden_from_pupils(app_client, services, team):
    page = await _page(team, services, view=PageViewScope.TEACHERS)
    assert (
        await app_client.get(team.url(f"/pages/{page.id}"), headers=team.observer.headers)
    ).status == 200
    assert (
        await app_client.get(team.url(f"/pages/{page.id}"), headers=team.pupil.headers)
    ).status == 404


async def test_edit_scope_decides_who_edits(app_client, services, team):
    admins_only = await _page(team, services, edit=PageEditScope.ADMINS)
    refused = await app_client.patch(
        team.url(f"/pages/{admins_only.id}"), json={"title": "Mine"}, headers=team.teacher.headers
    )
    assert refused.status == 403
    shared = await _page(team, services, edit=PageEditScope.TEACHERS_AND_PUPILS)
    allowed = await app_client.patch(
        team.url(f"/pages/{shared.id}"),
        json={"body": "Pupils wrote this"},
        headers=team.pupil.headers,
    )
    assert allowed.status == 200
    assert (await allowed.json())["updated_by"]["is_pupil"] is True
    public = await app_client.patch(
        team.url(f"/pages/{shared.id}"), json={"view_scope": "public"}, headers=team.pupil.headers
    )
    assert public.status == 403


async def test_public_view_labels_pupils_and_shows_teachers(app_client, services, team):
    teacher_page = await _page(team, services, view=PageViewScope.PUBLIC)
    pupils_page = await services.projects.pages.create_page(
        team.pupil_admin.principal,
        team.project_id,
        PageDraft(
            "Our work",
            "By pupils",
            PageViewScope.MEMBERS,
            PageEditScope.TEACHERS_AND_PUPILS,
            PageState.PUBLISHED,
        ),
    )
    await services.projects.pages.update_page(
        team.founder.principal,
        team.project_id,
        pupils_page.id,
        PageDraft(
            "Our work",
            "By pupils",
            PageViewScope.PUBLIC,
            PageEditScope.TEACHERS_AND_PUPILS,
            PageState.PUBLISHED,
        ),
    )
    cover = await (await app_client.get(f"/api/v1/public/projects/{team.project_id}")).json()
    assert {p["id"] for p in cover["pages"]} == {teacher_page.id, pupils_page.id}
    by_pupil = await (
        await app_client.get(f"/api/v1/public/projects/{team.project_id}/pages/{pupils_page.id}")
    ).json()
    assert by_pupil["author"] == {"user_id": None, "label": "a pupil", "is_pupil": True}
    assert team.pupil_admin.principal.user_id not in str(by_pupil)
    by_teacher = await (
        await app_client.get(f"/api/v1/public/projects/{team.project_id}/pages/{teacher_page.id}")
    ).json()
    assert by_teacher["author"]["label"] == "Ada Teacher"
    members_page = await _page(team, services)
    hidden = await app_client.get(
        f"/api/v1/public/projects/{team.project_id}/pages/{members_page.id}"
    )
    assert hidden.status == 404


async def test_pupil_admins_cannot_make_pages_public(services, team):
    from protocol.errors import Forbidden

    with pytest.raises(Forbidden):
        await _page(
            team,
            services,
            view=PageViewScope.PUBLIC,
            author=team.pupil_admin,
            edit=PageEditScope.TEACHERS_AND_PUPILS,
        )
    assert [
        p for p in await services.projects.pages.list_pages(team.founder.principal, team.project_id)
    ] == []


async def test_pupils_never_see_the_teacher_bulletin(app_client, team):
    posted = await app_client.post(
        team.url("/bulletin"), json={"body": "Marks next week"}, headers=team.teacher.headers
    )
    assert posted.status == 201
    for actor in (team.pupil, team.pupil_admin):
        response = await app_client.get(team.url("/bulletin"), headers=actor.headers)
        assert response.status == 403
        assert "Marks" not in await response.text()
    read = await (await app_client.get(team.url("/bulletin"), headers=team.founder.headers)).json()
    assert [p["body"] for p in read["posts"]] == ["Marks next week"]


async def test_meetings_are_shown_to_their_audience_only_in_local_time(
    app_client, services, world, team
):
    start = utc_now(world.clock).replace(microsecond=0) + timedelta(days=3)
    plan = {
        "all": MeetingPlan("All", start, start + timedelta(hours=1), MeetingAudience.ALL_MEMBERS),
        "teachers": MeetingPlan(
            "Teachers", start, start + timedelta(hours=1), MeetingAudience.TEACHERS
        ),
        "chosen": MeetingPlan(
            "Chosen",
            start,
            start + timedelta(hours=1),
            MeetingAudience.CHOSEN,
            [team.pupil.user_id],
        ),
    }
    ids = {}
    for key, value in plan.items():
        seen = await services.projects.meetings.schedule(
            team.founder.principal, team.project_id, value
        )
        ids[key] = seen.meetings[0]
    assert len({m.room_id for m in ids.values()}) == 3

    async def titles(actor):
        body = await (await app_client.get(team.url("/meetings"), headers=actor.headers)).json()
        return {m["title"] for m in body["meetings"]}, body["meetings"]

    assert (await titles(team.pupil))[0] == {"All", "Chosen"}
    assert (await titles(team.pupil_admin))[0] == {"All"}
    assert (await titles(team.observer))[0] == {"All", "Teachers"}
    assert (await titles(team.founder))[0] == {"All", "Teachers", "Chosen"}
    hidden = await app_client.get(
        team.url(f"/meetings/{ids['teachers'].id}"), headers=team.pupil.headers
    )
    assert hidden.status == 404
    _, meetings = await titles(team.co_founder)
    assert meetings[0]["time_zone"] == "Europe/Berlin"
    _, fr = await titles(team.founder)
    assert fr[0]["time_zone"] == "Europe/Paris"
    assert fr[0]["starts_at"] == meetings[0]["starts_at"]


async def test_a_meeting_for_a_chosen_list_needs_members(app_client, team, world):
    start = utc_now(world.clock) + timedelta(days=1)
    body = {
        "title": "Chosen",
        "starts_at": start.isoformat(),
        "ends_at": (start + timedelta(hours=1)).isoformat(),
        "audience": "chosen",
        "invited_user_ids": [team.other_pupil.user_id],
    }
    response = await app_client.post(team.url("/meetings"), json=body, headers=team.founder.headers)
    assert response.status == 400
    listed = await (
        await app_client.get(team.url("/meetings"), headers=team.founder.headers)
    ).json()
    assert listed["meetings"] == []
