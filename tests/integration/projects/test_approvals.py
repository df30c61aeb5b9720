"""Where NSO approval is configured: one decision per founders' country; active
when all approve, rejected at the first rejection; only that country's NSO decides."""

from __future__ import annotations

import pytest

from tests.integration.projects.conftest import form, make_contacts


@pytest.fixture
def settings(make_settings, database_url):
    return make_settings(
        database={"url": database_url, "migrate_on_start": False},
        projects={"require_nso_approval": True},
    )


async def _pending(world, services):
    fr, de = await world.teacher(country="FR"), await world.teacher(country="DE")
    await make_contacts(world, fr, de)
    project = await services.projects.projects.found(
        fr.principal, form(), co_founder_ids=[de.user_id]
    )
    (invitation,) = await services.projects.invitations.list_mine(de.principal)
    await services.projects.invitations.accept(de.principal, invitation.id)
    return project.id, fr


async def _status(services, fr, project_id):
    return (await services.projects.projects.get(fr.principal, project_id)).project.status.value


async def test_active_once_both_countries_approve(app_client, services, world):
    project_id, fr = await _pending(world, services)
    assert await _status(services, fr, project_id) == "pending_nso"
    assert (
        await app_client.get(f"/api/v1/projects/{project_id}/space", headers=fr.headers)
    ).status == 404
    nso_fr, nso_de, nso_it = [await world.nso_admin(c) for c in ("FR", "DE", "IT")]
    queue = await (
        await app_client.get("/api/v1/admin/project-approvals", headers=nso_fr.headers)
    ).json()
    assert [a["project_id"] for a in queue["items"]] == [project_id]
    other = await app_client.post(
        f"/api/v1/projects/{project_id}/approvals/DE",
        json={"decision": "approved"},
        headers=nso_fr.headers,
    )
    assert other.status == 404
    stranger = await app_client.post(
        f"/api/v1/projects/{project_id}/approvals/IT",
        json={"decision": "approved"},
        headers=nso_it.headers,
    )
    assert stranger.status == 404
    first = await app_client.post(
        f"/api/v1/projects/{project_id}/approvals/FR",
        json={"decision": "approved"},
        headers=nso_fr.headers,
    )
    assert first.status == 200
    assert await _status(services, fr, project_id) == "pending_nso"
    second = await app_client.post(
        f"/api/v1/projects/{project_id}/approvals/DE",
        json={"decision": "approved"},
        headers=nso_de.headers,
    )
    assert second.status == 200
    assert await _status(services, fr, project_id) == "active"
    assert (
        await app_client.get(f"/api/v1/projects/{project_id}/space", headers=fr.headers)
    ).status == 200


async def test_one_rejection_rejects(app_client, services, world):
    project_id, fr = await _pending(world, services)
    nso_de = await world.nso_admin("DE")
    rejected = await app_client.post(
        f"/api/v1/projects/{project_id}/approvals/DE",
        json={"decision": "rejected", "note": "no"},
        headers=nso_de.headers,
    )
    assert rejected.status == 200
    assert await _status(services, fr, project_id) == "rejected"
    nso_fr = await world.nso_admin("FR")
    late = await app_client.post(
        f"/api/v1/projects/{project_id}/approvals/FR",
        json={"decision": "approved"},
        headers=nso_fr.headers,
    )
    assert (await late.json())["code"] == "invalid_transition"
    assert await _status(services, fr, project_id) == "rejected"
