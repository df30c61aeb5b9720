"""Membership: pupils of one's own school only, founders protected, partners by
invitation of a contact, every change audited and readable by teacher admins."""

from __future__ import annotations

from tests.integration.projects.conftest import make_contacts


async def _member_ids(services, team) -> set[str]:
    members = await services.projects.members.list_members(team.founder.principal, team.project_id)
    return {m.user_id for m in members}


async def test_a_teacher_admin_adds_pupils_of_their_own_school(app_client, services, world, team):
    (pupil,) = await world.pupils(team.founder, 1)
    response = await app_client.post(
        team.url("/pupils"), json={"user_ids": [pupil.user_id]}, headers=team.founder.headers
    )
    assert response.status == 201
    (added,) = (await response.json())["members"]
    assert added["role"] == "pupil" and added["kind"] == "pupil"


async def test_a_pupil_of_another_school_cannot_be_added(app_client, services, world, team):
    foreign_pupil = await world.pupil(team.co_founder)
    (own_pupil,) = await world.pupils(team.founder, 1)
    before = await _member_ids(services, team)
    response = await app_client.post(
        team.url("/pupils"),
        json={"user_ids": [own_pupil.user_id, foreign_pupil.user_id]},
        headers=team.founder.headers,
    )
    assert response.status == 404
    assert (await response.json())["code"] == "not_found"
    assert await _member_ids(services, team) == before


async def test_only_teacher_admins_add_pupils(app_client, services, world, team):
    teacher_pupil = await world.pupil(team.teacher)
    before = await _member_ids(services, team)
    response = await app_client.post(
        team.url("/pupils"),
        json={"user_ids": [teacher_pupil.user_id]},
        headers=team.teacher.headers,
    )
    assert response.status == 403
    assert await _member_ids(services, team) == before


async def test_founders_cannot_be_demoted_or_removed(app_client, services, team):
    before = await services.projects.members.list_members(team.founder.principal, team.project_id)
    for target, actor in (
        (team.co_founder, team.founder),
        (team.founder, team.co_founder),
        (team.founder, team.founder),
    ):
        demote = await app_client.patch(
            team.url(f"/members/{target.user_id}"), json={"role": "teacher"}, headers=actor.headers
        )
        assert demote.status == 403
        assert (await demote.json())["code"] == "founder_protected"
        remove = await app_client.delete(
            team.url(f"/members/{target.user_id}"), headers=actor.headers
        )
        assert remove.status == 403
        assert (await remove.json())["code"] == "founder_protected"
    after = await services.projects.members.list_members(team.founder.principal, team.project_id)
    assert after == before


async def test_roles_stay_within_their_kind(app_client, team):
    response = await app_client.patch(
        team.url(f"/members/{team.pupil.user_id}"),
        json={"role": "teacher_admin"},
        headers=team.founder.headers,
    )
    assert response.status == 400
    response = await app_client.patch(
        team.url(f"/members/{team.teacher.user_id}"),
        json={"role": "pupil"},
        headers=team.founder.headers,
    )
    assert response.status == 400


async def test_every_change_is_audited_and_only_teacher_admins_read_it(app_client, team):
    promoted = await app_client.patch(
        team.url(f"/members/{team.teacher.user_id}"),
        json={"role": "teacher_admin"},
        headers=team.founder.headers,
    )
    assert promoted.status == 200
    removed = await app_client.delete(
        team.url(f"/members/{team.pupil.user_id}"), headers=team.founder.headers
    )
    assert removed.status == 204
    audit = await app_client.get(team.url("/audit"), headers=team.founder.headers)
    entries = (await audit.json())["items"]
    actions = [(e["action"], e["subject_id"]) for e in entries]
    assert ("project.member_removed", team.pupil.user_id) in actions
    assert ("project.member_role_changed", team.teacher.user_id) in actions
    assert ("project.member_added", team.pupil.user_id) in actions
    assert ("project.member_added", team.co_founder.user_id) in actions
    change = next(e for e in entries if e["action"] == "project.member_role_changed")
    assert change["details"] == {"from": "teacher", "to": "teacher_admin"}
    assert "Ada" not in str(entries)
    for actor, status in (
        (team.observer, 403),
        (team.pupil_admin, 403),
        (team.outsider_teacher, 404),
    ):
        assert (await app_client.get(team.url("/audit"), headers=actor.headers)).status == status
    # The promoted teacher is now an admin and reads it too.
    assert (await app_client.get(team.url("/audit"), headers=team.teacher.headers)).status == 200


async def test_partners_must_be_contacts_and_join_only_by_accepting(
    app_client, services, world, team
):
    stranger = await world.teacher(country="AT")
    refused = await app_client.post(
        team.url("/invitations"), json={"user_id": stranger.user_id}, headers=team.founder.headers
    )
    assert refused.status == 403
    assert (await refused.json())["code"] == "not_a_contact"
    await make_contacts(world, team.founder, stranger)
    invited = await app_client.post(
        team.url("/invitations"),
        json={"user_id": stranger.user_id, "role": "teacher"},
        headers=team.founder.headers,
    )
    assert invited.status == 201
    assert stranger.user_id not in await _member_ids(services, team)
    again = await app_client.post(
        team.url("/invitations"), json={"user_id": stranger.user_id}, headers=team.founder.headers
    )
    assert (await again.json())["code"] == "already_member"
    invitation = await invited.json()
    accepted = await app_client.post(
        f"/api/v1/invitations/{invitation['id']}/accept", headers=stranger.headers
    )
    assert accepted.status == 200
    assert stranger.user_id in await _member_ids(services, team)


async def test_a_pending_teacher_cannot_be_invited(app_client, services, world, team):
    pending = await world.teacher(country="AT")
    await make_contacts(world, team.founder, pending)
    admin = await world.platform_admin()
    from protocol.api.accounts import AccountStatus

    await services.accounts.validation.decide(
        admin.principal, pending.user_id, AccountStatus.SUSPENDED, reason=None
    )
    refused = await app_client.post(
        team.url("/invitations"), json={"user_id": pending.user_id}, headers=team.founder.headers
    )
    assert (await refused.json())["code"] == "partner_not_eligible"
    assert (
        await services.projects.invitations.list_for_project(
            team.founder.principal, team.project_id
        )
        == ()
    )


async def test_a_teacher_member_may_not_invite(app_client, world, team):
    contact = await world.teacher(country="AT")
    await make_contacts(world, team.teacher, contact)
    refused = await app_client.post(
        team.url("/invitations"), json={"user_id": contact.user_id}, headers=team.teacher.headers
    )
    assert refused.status == 403


async def test_a_non_founder_member_may_leave(app_client, services, team):
    left = await app_client.delete(
        team.url(f"/members/{team.observer.user_id}"), headers=team.observer.headers
    )
    assert left.status == 204
    assert team.observer.user_id not in await _member_ids(services, team)
