"""Roles at the door and the admins' endpoints: validation of teachers, school
admins, creation of admins.

An NSO admin acts on the teachers of their own country only; a teacher of
another country is answered exactly as a missing one. Every refusal leaves
the teacher as it was.
"""

from __future__ import annotations

from typing import Any

import pytest

from protocol import new_id
from protocol.api.accounts import AccountStatus
from protocol.ids import UserId
from server.services import Services
from storage.records import TeacherRecord
from tests.support import Actor, World
from tests.support_http import bearer, expect_json, expect_problem, mail_to

TEACHERS = "/api/v1/admin/teachers"
ADMINS = "/api/v1/admin/admins"


def status_url(user_id: str) -> str:
    return f"{TEACHERS}/{user_id}/status"


def school_admin_url(user_id: str) -> str:
    return f"{TEACHERS}/{user_id}/school-admin"


async def teacher_record(services: Services, user_id: UserId) -> TeacherRecord:
    async with services.db.transaction("test.teacher") as uow:
        return await uow.accounts.get_teacher(user_id)


async def pupil_count(services: Services, actor: Actor) -> int:
    assert actor.school_id is not None
    async with services.db.transaction("test.pupils") as uow:
        return await uow.accounts.count_pupils(actor.school_id)


# -- roles at the door -------------------------------------------------------


async def test_pupil_is_refused_the_teacher_endpoints(app_client, world, services):
    teacher = await world.teacher()
    pupil = await world.pupil(teacher)
    created = await app_client.post(
        "/api/v1/pupils", headers=pupil.headers, json={"class_label": "6B", "pupils": [{}]}
    )
    await expect_problem(created, 403, "forbidden")
    listed = await app_client.get("/api/v1/pupils", headers=pupil.headers)
    await expect_problem(listed, 403, "forbidden")
    keys = await app_client.get(
        f"/api/v1/schools/{pupil.school_id}/api-keys", headers=pupil.headers
    )
    await expect_problem(keys, 403, "forbidden")
    assert await pupil_count(services, teacher) == 1


async def test_pending_teacher_is_refused_as_not_active(app_client, world, services):
    pending = await world.teacher(validated=False)
    created = await app_client.post(
        "/api/v1/pupils", headers=pending.headers, json={"class_label": "6B", "pupils": [{}]}
    )
    body = await expect_problem(created, 403, "account_not_active")
    assert "pending" in body["detail"]
    keys = await app_client.post(
        f"/api/v1/schools/{pending.school_id}/api-keys",
        headers=pending.headers,
        json={"name": "LMS"},
    )
    await expect_problem(keys, 403, "account_not_active")
    assert await pupil_count(services, pending) == 0
    # The account endpoints still answer, so they can see where they stand.
    me = await expect_json(await app_client.get("/api/v1/me", headers=pending.headers), 200)
    assert me["status"] == "pending"


async def test_teacher_is_refused_the_admin_endpoints(app_client, world, services):
    teacher = await world.teacher()
    other = await world.teacher(validated=False)
    listed = await app_client.get(TEACHERS, headers=teacher.headers)
    await expect_problem(listed, 403, "forbidden")
    decided = await app_client.post(
        status_url(other.user_id), headers=teacher.headers, json={"status": "validated"}
    )
    await expect_problem(decided, 403, "forbidden")
    promoted = await app_client.post(
        school_admin_url(teacher.user_id), headers=teacher.headers, json={"is_school_admin": True}
    )
    await expect_problem(promoted, 403, "forbidden")
    created = await app_client.post(
        ADMINS,
        headers=teacher.headers,
        json={"kind": "platform_admin", "email": "me-too@example.org", "full_name": "Me Too"},
    )
    await expect_problem(created, 403, "forbidden")
    assert (await teacher_record(services, other.user_id)).status is AccountStatus.PENDING
    assert not (await teacher_record(services, teacher.user_id)).is_school_admin


async def test_nso_admin_cannot_create_admins(app_client, world):
    nso = await world.nso_admin("FR")
    response = await app_client.post(
        ADMINS,
        headers=nso.headers,
        json={"kind": "nso_admin", "email": "deputy@example.org", "full_name": "Deputy"},
    )
    await expect_problem(response, 403, "forbidden")
    login = await app_client.post(
        "/api/v1/auth/login", json={"login": "deputy@example.org", "password": "x" * 20}
    )
    await expect_problem(login, 401, "invalid_credentials")


# -- deciding on teachers ------------------------------------------------------


async def test_nso_admin_validates_a_teacher_of_their_country(app_client, world, settings):
    teacher = await world.teacher(country="FR", validated=False)
    nso = await world.nso_admin("FR")
    response = await app_client.post(
        status_url(teacher.user_id),
        headers=nso.headers,
        json={"status": "validated", "reason": "checked with the school"},
    )
    body = await expect_json(response, 200)
    assert body["status"] == "validated"
    assert body["status_reason"] == "checked with the school"
    assert body["decided_at"] is not None
    (mail,) = [m for m in mail_to(settings.data_dir, teacher.login) if "validated" in m["Subject"]]
    assert "validated" in mail.get_content()
    # The same token now passes the teacher gate: the state is read afresh.
    created = await app_client.post(
        "/api/v1/pupils", headers=teacher.headers, json={"class_label": "5A", "pupils": [{}]}
    )
    await expect_json(created, 201)


async def test_nso_admin_of_another_country_sees_not_found(app_client, world, services):
    german = await world.teacher(country="DE", validated=False)
    nso = await world.nso_admin("FR")
    foreign = await app_client.post(
        status_url(german.user_id), headers=nso.headers, json={"status": "validated"}
    )
    missing = await app_client.post(
        status_url(new_id()), headers=nso.headers, json={"status": "validated"}
    )
    foreign_body = await expect_problem(foreign, 404, "not_found")
    missing_body = await expect_problem(missing, 404, "not_found")
    assert foreign_body["detail"] == missing_body["detail"]
    assert (await teacher_record(services, german.user_id)).status is AccountStatus.PENDING
    promote = await app_client.post(
        school_admin_url(german.user_id), headers=nso.headers, json={"is_school_admin": True}
    )
    await expect_problem(promote, 404, "not_found")


@pytest.mark.parametrize(
    ("validated", "first", "then"),
    [
        (True, None, "rejected"),
        (False, "rejected", "validated"),
        (False, "rejected", "suspended"),
        (False, None, "suspended"),
        (True, None, "pending"),
        (True, None, "active"),
        (True, None, "validated"),
    ],
)
async def test_invalid_transitions_conflict_and_change_nothing(
    app_client, world, services, validated, first, then
):
    teacher = await world.teacher(country="NL", validated=validated)
    nso = await world.nso_admin("NL")
    if first is not None:
        await expect_json(
            await app_client.post(
                status_url(teacher.user_id), headers=nso.headers, json={"status": first}
            ),
            200,
        )
    before = await teacher_record(services, teacher.user_id)
    response = await app_client.post(
        status_url(teacher.user_id), headers=nso.headers, json={"status": then}
    )
    body = await expect_problem(response, 409, "invalid_transition")
    assert body["details"] == {"from": before.status.value, "to": then}
    assert await teacher_record(services, teacher.user_id) == before


async def test_suspended_teacher_is_reinstated_and_signs_in_again(app_client, world):
    teacher = await world.teacher(country="BE")
    nso = await world.nso_admin("BE")
    for status in ("suspended", "validated"):
        response = await app_client.post(
            status_url(teacher.user_id), headers=nso.headers, json={"status": status}
        )
        assert (await expect_json(response, 200))["status"] == status
    login = await app_client.post(
        "/api/v1/auth/login", json={"login": teacher.login, "password": teacher.password}
    )
    await expect_json(login, 200)


async def test_decision_body_is_validated(app_client, world, services):
    teacher = await world.teacher(country="FR", validated=False)
    nso = await world.nso_admin("FR")
    for body in ({}, {"status": "maybe"}, {"status": "validated", "reason": "x" * 501}):
        response = await app_client.post(
            status_url(teacher.user_id), headers=nso.headers, json=body
        )
        await expect_problem(response, 400, "invalid_payload")
    assert (await teacher_record(services, teacher.user_id)).status is AccountStatus.PENDING


# -- listing teachers ------------------------------------------------------------


async def _teacher_ids(client: Any, admin: Actor, **params: str) -> list[str]:
    response = await client.get(TEACHERS, headers=admin.headers, params=params)
    body = await expect_json(response, 200)
    return [t["user_id"] for t in body["items"]]


async def test_nso_admin_lists_only_their_own_country(app_client, world):
    french = await world.teacher(country="FR", validated=False)
    german = await world.teacher(country="DE", validated=False)
    nso = await world.nso_admin("FR")
    platform = await world.platform_admin()

    assert await _teacher_ids(app_client, nso) == [french.user_id]
    assert await _teacher_ids(app_client, nso, country="DE") == [french.user_id]
    assert await _teacher_ids(app_client, platform, country="DE") == [german.user_id]
    assert set(await _teacher_ids(app_client, platform)) == {french.user_id, german.user_id}


async def test_teacher_list_filters_by_status(app_client, world):
    validated = await world.teacher(country="PT")
    pending = await world.teacher(country="PT", validated=False)
    nso = await world.nso_admin("PT")
    assert await _teacher_ids(app_client, nso, status="pending") == [pending.user_id]
    assert await _teacher_ids(app_client, nso, status="validated") == [validated.user_id]


async def test_teacher_list_pages_without_gaps_or_repeats(app_client, world, clock):
    expected = []
    for _ in range(5):
        expected.append((await world.teacher(country="CZ", validated=False)).user_id)
        clock.advance(1)
    nso = await world.nso_admin("CZ")
    seen: list[str] = []
    cursor: str | None = None
    pages = 0
    while True:
        params = {"limit": "2", **({"cursor": cursor} if cursor else {})}
        response = await app_client.get(TEACHERS, headers=nso.headers, params=params)
        body = await expect_json(response, 200)
        seen.extend(t["user_id"] for t in body["items"])
        pages += 1
        cursor = body.get("next_cursor")
        if cursor is None:
            break
    assert pages == 3
    assert seen == expected


# -- school admins ---------------------------------------------------------------


async def test_nso_admin_makes_a_teacher_school_admin_and_undoes_it(app_client, world):
    teacher = await world.teacher(country="FI")
    nso = await world.nso_admin("FI")
    granted = await app_client.post(
        school_admin_url(teacher.user_id), headers=nso.headers, json={"is_school_admin": True}
    )
    assert (await expect_json(granted, 200))["is_school_admin"] is True
    keys = await app_client.get(
        f"/api/v1/schools/{teacher.school_id}/api-keys", headers=teacher.headers
    )
    await expect_json(keys, 200)
    removed = await app_client.post(
        school_admin_url(teacher.user_id), headers=nso.headers, json={"is_school_admin": False}
    )
    assert (await expect_json(removed, 200))["is_school_admin"] is False
    keys = await app_client.get(
        f"/api/v1/schools/{teacher.school_id}/api-keys", headers=teacher.headers
    )
    await expect_problem(keys, 403, "forbidden")


async def test_pending_teacher_cannot_become_school_admin(app_client, world, services):
    teacher = await world.teacher(country="FI", validated=False)
    nso = await world.nso_admin("FI")
    response = await app_client.post(
        school_admin_url(teacher.user_id), headers=nso.headers, json={"is_school_admin": True}
    )
    await expect_problem(response, 409, "invalid_transition")
    assert not (await teacher_record(services, teacher.user_id)).is_school_admin


# -- creating admins -------------------------------------------------------------


async def _create_admin(world: World, body: dict[str, Any]) -> Any:
    platform = await world.platform_admin()
    return await world.client.post(ADMINS, headers=platform.headers, json=body)


async def test_platform_admin_creates_an_nso_admin_with_a_one_time_password(app_client, world):
    french = await world.teacher(country="FR", validated=False)
    response = await _create_admin(
        world,
        {
            "kind": "nso_admin",
            "email": "Officer@Example.org",
            "full_name": "Officer",
            "country_code": "FR",
        },
    )
    body = await expect_json(response, 201)
    assert body["kind"] == "nso_admin"
    assert body["email"] == "officer@example.org"
    assert body["country_code"] == "FR"
    password = body["one_time_password"]
    assert len(password) >= 12

    login = await app_client.post(
        "/api/v1/auth/login", json={"login": "officer@example.org", "password": password}
    )
    pair = await expect_json(login, 200)
    assert pair["user_id"] == body["user_id"]
    listed = await app_client.get(TEACHERS, headers=bearer(pair["access_token"]))
    assert [t["user_id"] for t in (await expect_json(listed, 200))["items"]] == [french.user_id]


async def test_platform_admin_creates_another_platform_admin(app_client, world):
    response = await _create_admin(
        world, {"kind": "platform_admin", "email": "second@example.org", "full_name": "Second"}
    )
    body = await expect_json(response, 201)
    assert body["country_code"] is None
    login = await app_client.post(
        "/api/v1/auth/login",
        json={"login": "second@example.org", "password": body["one_time_password"]},
    )
    await expect_json(login, 200)


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"country_code": None}, "country_code"),
        ({"country_code": "ZZ"}, "country_code"),
        ({"country_code": "GB"}, "country_code"),
        ({"kind": "teacher"}, "kind"),
        ({"kind": "pupil"}, "kind"),
        ({"email": "not-an-address"}, "email"),
    ],
)
async def test_invalid_admin_is_refused(app_client, world, changes, field):
    body: dict[str, Any] = {"kind": "nso_admin", "email": "new-nso@example.org"}
    body.update({"full_name": "New NSO", "country_code": "FR", **changes})
    response = await _create_admin(world, {k: v for k, v in body.items() if v is not None})
    problem = await expect_problem(response, 400, "invalid_payload")
    assert problem["details"]["field"] == field
    login = await app_client.post(
        "/api/v1/auth/login", json={"login": "new-nso@example.org", "password": "x" * 20}
    )
    await expect_problem(login, 401, "invalid_credentials")


async def test_admin_with_a_taken_address_conflicts(app_client, world, services):
    teacher = await world.teacher()
    response = await _create_admin(
        world,
        {"kind": "nso_admin", "email": teacher.login, "full_name": "Taken", "country_code": "FR"},
    )
    await expect_problem(response, 409, "conflict")
    record = await teacher_record(services, teacher.user_id)
    assert record.status is AccountStatus.VALIDATED
    assert record.full_name == "Ada Teacher"
