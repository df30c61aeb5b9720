"""Founding a project: exactly one founder and one co-founder, contacts first,
scope frozen at creation, active when the co-founder accepts, one space."""

from __future__ import annotations

import pytest

from protocol.api.projects import SpaceRole
from tests.integration.projects.conftest import form, found_active, join_as, make_contacts

BODY = {
    "title": "Our rivers",
    "description": "Compare rivers",
    "subjects": ["geography"],
    "languages": ["en"],
    "age_min": 11,
    "age_max": 14,
    "tools": [],
    "aims": "a",
    "work_process": "b",
    "expected_results": "c",
}


async def _count_projects(services, user):
    found = await services.projects.projects.list_mine(
        user.principal, include_archived=True, cursor=None, limit=100
    )
    return len(found.items)


async def test_founding_with_a_contact_of_another_country_makes_a_european_project(
    world, app_client
):
    fr = await world.teacher(country="FR")
    de = await world.teacher(country="DE")
    await make_contacts(world, fr, de)
    response = await app_client.post(
        "/api/v1/projects", json={**BODY, "co_founders": [de.user_id]}, headers=fr.headers
    )
    assert response.status == 201, await response.text()
    project = await response.json()
    assert project["scope"] == "european"
    assert project["status"] == "pending_partner"
    assert project["countries"] == ["FR", "DE"]
    assert project["my_role"] == "teacher_admin"
    # The co-founder is not a member yet: no space for anyone.
    space = await app_client.get(f"/api/v1/projects/{project['id']}/space", headers=fr.headers)
    assert space.status == 404
    invitations = await (await app_client.get("/api/v1/invitations", headers=de.headers)).json()
    (invitation,) = invitations["invitations"]
    assert invitation["kind"] == "co_founder"
    accepted = await app_client.post(
        f"/api/v1/invitations/{invitation['id']}/accept", headers=de.headers
    )
    assert accepted.status == 200
    assert (await accepted.json())["status"] == "active"
    for teacher in (fr, de):
        space = await app_client.get(
            f"/api/v1/projects/{project['id']}/space", headers=teacher.headers
        )
        assert space.status == 200
        assert (await space.json())["my_role"] == "teacher_admin"


async def test_same_country_makes_a_national_project_and_later_partners_never_change_it(
    world, services
):
    a = await world.teacher(country="FR")
    b = await world.teacher(country="FR")
    project_id = await found_active(world, a, b)
    foreign = await world.teacher(country="DE")
    await join_as(world, project_id, a, foreign, SpaceRole.TEACHER_ADMIN)
    sight = await services.projects.projects.get(a.principal, project_id)
    assert sight.project.scope.value == "national"
    assert sight.project.countries == ("FR",)


@pytest.mark.parametrize("how_many", [0, 2, 5])
async def test_anything_but_exactly_one_co_founder_is_refused(
    world, app_client, services, how_many
):
    founder = await world.teacher(country="FR")
    others = [await world.teacher(country="DE") for _ in range(how_many)]
    for other in others:
        await make_contacts(world, founder, other)
    response = await app_client.post(
        "/api/v1/projects",
        json={**BODY, "co_founders": [o.user_id for o in others]},
        headers=founder.headers,
    )
    body = await response.json()
    if how_many == 0:
        assert response.status == 400
        assert body["code"] == "invalid_payload"
    else:
        assert response.status == 400
        assert body["code"] == "founding_pair_invalid"
    assert await _count_projects(services, founder) == 0


async def test_the_same_co_founder_twice_is_refused(world, app_client, services):
    founder = await world.teacher(country="FR")
    other = await world.teacher(country="DE")
    await make_contacts(world, founder, other)
    response = await app_client.post(
        "/api/v1/projects",
        json={**BODY, "co_founders": [other.user_id, other.user_id]},
        headers=founder.headers,
    )
    assert (await response.json())["code"] == "founding_pair_invalid"
    assert await _count_projects(services, founder) == 0


@pytest.mark.parametrize(
    ("field", "values"), [("subjects", ["geography", "astrology"]), ("languages", ["en", "xx"])]
)
async def test_subjects_and_languages_outside_the_vocabulary_are_refused(
    world, app_client, services, field, values
):
    founder = await world.teacher(country="FR")
    other = await world.teacher(country="DE")
    await make_contacts(world, founder, other)
    response = await app_client.post(
        "/api/v1/projects",
        json={**BODY, field: values, "co_founders": [other.user_id]},
        headers=founder.headers,
    )
    assert response.status == 400
    body = await response.json()
    assert body["code"] == "invalid_payload"
    assert body["details"]["unknown"] == [values[1]]
    assert await _count_projects(services, founder) == 0


async def test_a_co_founder_who_is_not_a_contact_is_refused(world, app_client, services):
    founder = await world.teacher(country="FR")
    stranger = await world.teacher(country="DE")
    response = await app_client.post(
        "/api/v1/projects",
        json={**BODY, "co_founders": [stranger.user_id]},
        headers=founder.headers,
    )
    assert response.status == 403
    assert (await response.json())["code"] == "not_a_contact"
    assert await _count_projects(services, founder) == 0


async def test_oneself_as_co_founder_is_refused(world, app_client, services):
    founder = await world.teacher(country="FR")
    response = await app_client.post(
        "/api/v1/projects", json={**BODY, "co_founders": [founder.user_id]}, headers=founder.headers
    )
    assert (await response.json())["code"] == "founding_pair_invalid"
    assert await _count_projects(services, founder) == 0


async def test_a_colleague_of_the_same_school_is_refused(world, app_client, services):
    founder = await world.teacher(country="FR")
    colleague = await world.teacher(school_id=founder.school_id)
    await make_contacts(world, founder, colleague)
    response = await app_client.post(
        "/api/v1/projects",
        json={**BODY, "co_founders": [colleague.user_id]},
        headers=founder.headers,
    )
    assert (await response.json())["code"] == "founding_pair_invalid"
    assert await _count_projects(services, founder) == 0


async def test_a_pupil_or_a_pending_teacher_cannot_found(world, app_client):
    teacher = await world.teacher(country="FR")
    pupil = await world.pupil(teacher)
    pending = await world.teacher(country="FR", validated=False)
    for actor, code in ((pupil, "forbidden"), (pending, "account_not_active")):
        response = await app_client.post(
            "/api/v1/projects",
            json={**BODY, "co_founders": [teacher.user_id]},
            headers=actor.headers,
        )
        assert response.status == 403
        assert (await response.json())["code"] == code


async def test_declining_ends_the_project_and_opens_no_space(world, app_client, services):
    fr = await world.teacher(country="FR")
    de = await world.teacher(country="DE")
    await make_contacts(world, fr, de)
    project = await services.projects.projects.found(
        fr.principal, form(), co_founder_ids=[de.user_id]
    )
    (invitation,) = await services.projects.invitations.list_mine(de.principal)
    response = await app_client.post(
        f"/api/v1/invitations/{invitation.id}/decline", headers=de.headers
    )
    assert response.status == 200
    sight = await services.projects.projects.get(fr.principal, project.id)
    assert sight.project.status.value == "declined"
    again = await app_client.post(f"/api/v1/invitations/{invitation.id}/accept", headers=de.headers)
    assert (await again.json())["code"] == "invalid_transition"
    space = await app_client.get(f"/api/v1/projects/{project.id}/space", headers=fr.headers)
    assert space.status == 404


async def test_close_then_archive_makes_the_space_read_only_and_hides_it(world, app_client, team):
    closed = await app_client.post(
        team.url("/status"), json={"status": "closed"}, headers=team.founder.headers
    )
    assert (await closed.json())["status"] == "closed"
    page = await app_client.post(
        team.url("/pages"), json={"title": "Late"}, headers=team.founder.headers
    )
    assert page.status == 409
    assert (await page.json())["code"] == "space_read_only"
    reopen = await app_client.post(
        team.url("/status"), json={"status": "closed"}, headers=team.founder.headers
    )
    assert (await reopen.json())["code"] == "invalid_transition"
    archived = await app_client.post(
        team.url("/status"), json={"status": "archived"}, headers=team.founder.headers
    )
    assert (await archived.json())["status"] == "archived"
    listed = await (await app_client.get("/api/v1/projects", headers=team.founder.headers)).json()
    assert team.project_id not in [p["id"] for p in listed["items"]]
    with_archived = await (
        await app_client.get("/api/v1/projects?include_archived=true", headers=team.founder.headers)
    ).json()
    assert team.project_id in [p["id"] for p in with_archived["items"]]
    readable = await app_client.get(team.url("/pages"), headers=team.pupil.headers)
    assert readable.status == 200
