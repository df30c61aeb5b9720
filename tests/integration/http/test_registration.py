"""POST /api/v1/auth/register: teachers register with a new or an existing school.

The answer never tells whether an address already has an account; the owner
of the address learns it by mail instead. Every refusal leaves no account and
no mail behind.
"""

from __future__ import annotations

from typing import Any

import pytest

from protocol.api.accounts import AccountStatus
from server.services import Services
from storage.records import TeacherRecord
from tests.support import PASSWORD
from tests.support_http import expect_json, expect_problem, mail_to, outbox

REGISTER = "/api/v1/auth/register"


def new_school(**changes: Any) -> dict[str, Any]:
    school = {
        "name": "Collège Jean Moulin",
        "country_code": "FR",
        "city": "Lyon",
        "school_type": "lower_secondary",
        "age_min": 11,
        "age_max": 15,
        "languages": ["fr", "en"],
    }
    return {**school, **changes}


def form(email: str, **changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "email": email,
        "password": PASSWORD,
        "full_name": "Claire Fontaine",
        "role_at_school": "teacher",
        "new_school": new_school(),
    }
    body.update(changes)
    return {k: v for k, v in body.items() if v is not None}


async def teachers_with(services: Services, email: str) -> list[TeacherRecord]:
    """Every teacher account whose address is ``email``, read from storage."""
    async with services.db.transaction("test.teachers") as uow:
        found = await uow.accounts.list_teachers(
            status=None, country_code=None, cursor=None, limit=500
        )
    return [t for t in found.items if t.email == email]


async def schools_named(client: Any, prefix: str) -> list[dict[str, Any]]:
    body = await expect_json(await client.get("/api/v1/schools", params={"q": prefix}), 200)
    return list(body["items"])


async def test_new_school_registers_a_pending_teacher_and_the_school(
    app_client, services, settings
):
    response = await app_client.post(REGISTER, json=form("claire@example.org"))
    body = await expect_json(response, 202)
    assert body["status"] == "pending"

    (teacher,) = await teachers_with(services, "claire@example.org")
    assert teacher.status is AccountStatus.PENDING
    assert teacher.full_name == "Claire Fontaine"
    assert teacher.country_code == "FR"
    (school,) = await schools_named(app_client, "Collège Jean")
    assert school["id"] == teacher.school_id
    assert school["languages"] == ["fr", "en"]
    (mail,) = mail_to(settings.data_dir, "claire@example.org")
    assert "waiting for validation" in mail["Subject"]


async def test_existing_school_id_joins_that_school(app_client, services, world):
    school_id = await world.school("DE", name="Goethe Gymnasium")
    response = await app_client.post(
        REGISTER,
        json=form("jonas@example.org", new_school=None, school_id=school_id),
    )
    await expect_json(response, 202)
    (teacher,) = await teachers_with(services, "jonas@example.org")
    assert teacher.school_id == school_id
    assert teacher.country_code == "DE"
    assert len(await schools_named(app_client, "Goethe")) == 1


async def test_unknown_school_id_is_not_found_and_creates_nothing(app_client, services, settings):
    response = await app_client.post(
        REGISTER,
        json=form("nobody@example.org", new_school=None, school_id="no-such-school"),
    )
    await expect_problem(response, 404, "not_found")
    assert await teachers_with(services, "nobody@example.org") == []
    assert mail_to(settings.data_dir, "nobody@example.org") == []


async def test_duplicate_address_answers_the_same_and_creates_no_second_account(
    app_client, services, settings
):
    first = await app_client.post(REGISTER, json=form("dup@example.org"))
    first_body = await expect_json(first, 202)

    second = await app_client.post(
        REGISTER,
        json=form(
            "Dup@Example.org",
            password="another quite long passphrase",
            full_name="Someone Else",
            new_school=new_school(name="Another School", country_code="IT"),
        ),
    )
    second_body = await expect_json(second, 202)

    assert second_body == first_body
    (teacher,) = await teachers_with(services, "dup@example.org")
    assert teacher.full_name == "Claire Fontaine"
    assert teacher.country_code == "FR"
    assert await schools_named(app_client, "Another School") == []
    subjects = [m["Subject"] for m in mail_to(settings.data_dir, "dup@example.org")]
    assert len(subjects) == 2
    assert "waiting for validation" in subjects[0]
    assert "someone tried to register" in subjects[1]
    # The first password still signs in; the second never became one.
    ok = await app_client.post(
        "/api/v1/auth/login", json={"login": "dup@example.org", "password": PASSWORD}
    )
    await expect_json(ok, 200)
    refused = await app_client.post(
        "/api/v1/auth/login",
        json={"login": "dup@example.org", "password": "another quite long passphrase"},
    )
    await expect_problem(refused, 401, "invalid_credentials")


@pytest.mark.parametrize(
    ("password", "rule"),
    [
        ("Sh0rt!pw", "too_short"),
        ("password1234", "common"),
        ("aaaaaaaaaaaabbbb", "repetitive"),
        ("weak-fontaine-2024", "contains_personal"),
        ("x" * 129, "too_long"),
    ],
)
async def test_weak_password_is_refused_with_its_rule(
    app_client, services, settings, password, rule
):
    response = await app_client.post(REGISTER, json=form("weak@example.org", password=password))
    body = await expect_problem(response, 400, "weak_password")
    assert body["details"]["rule"] == rule
    assert password not in await response.text()
    assert await teachers_with(services, "weak@example.org") == []
    assert outbox(settings.data_dir) == []


@pytest.mark.parametrize("email", ["not-an-email", "two@@example.org", "a@b", "ab c@example.org"])
async def test_bad_email_is_refused(app_client, settings, email):
    response = await app_client.post(REGISTER, json=form(email))
    body = await expect_problem(response, 400, "invalid_payload")
    assert body["details"]["field"] == "email"
    assert outbox(settings.data_dir) == []


@pytest.mark.parametrize("country", ["GB", "ZZ"])
async def test_non_participating_or_unknown_country_is_refused(
    app_client, services, settings, country
):
    response = await app_client.post(
        REGISTER, json=form("far@example.org", new_school=new_school(country_code=country))
    )
    body = await expect_problem(response, 400, "invalid_payload")
    assert body["details"]["field"] == "school.country_code"
    assert await teachers_with(services, "far@example.org") == []
    assert await schools_named(app_client, "Collège") == []
    assert outbox(settings.data_dir) == []


async def test_lower_case_country_code_fails_the_schema(app_client, services):
    response = await app_client.post(
        REGISTER, json=form("lower@example.org", new_school=new_school(country_code="fr"))
    )
    body = await expect_problem(response, 400, "invalid_payload")
    assert ["new_school", "country_code"] in [e["loc"] for e in body["errors"]]
    assert await teachers_with(services, "lower@example.org") == []


async def test_bad_age_range_is_refused(app_client, services):
    response = await app_client.post(
        REGISTER, json=form("ages@example.org", new_school=new_school(age_min=15, age_max=11))
    )
    await expect_problem(response, 400, "invalid_payload")
    assert await teachers_with(services, "ages@example.org") == []


async def test_both_school_id_and_new_school_are_refused(app_client, services, world):
    school_id = await world.school("FR")
    response = await app_client.post(REGISTER, json=form("both@example.org", school_id=school_id))
    body = await expect_problem(response, 400, "invalid_payload")
    assert body["details"]["field"] == "school_id"
    assert await teachers_with(services, "both@example.org") == []


async def test_neither_school_id_nor_new_school_is_refused(app_client, services, settings):
    response = await app_client.post(REGISTER, json=form("neither@example.org", new_school=None))
    body = await expect_problem(response, 400, "invalid_payload")
    assert body["details"]["field"] == "school_id"
    assert await teachers_with(services, "neither@example.org") == []
    assert outbox(settings.data_dir) == []


@pytest.mark.parametrize(
    ("extra", "loc"),
    [
        ({"is_school_admin": True}, ["is_school_admin"]),
        ({"status": "validated"}, ["status"]),
        ({"new_school": {**new_school(), "verified": True}}, ["new_school", "verified"]),
    ],
)
async def test_unknown_fields_are_refused(app_client, services, extra, loc):
    response = await app_client.post(REGISTER, json={**form("extra@example.org"), **extra})
    body = await expect_problem(response, 400, "invalid_payload")
    assert _only(body["errors"], loc)["type"] == "extra_forbidden"
    assert await teachers_with(services, "extra@example.org") == []


def _only(errors: list[dict[str, Any]], loc: list[str]) -> dict[str, Any]:
    (error,) = [e for e in errors if e["loc"] == loc]
    return error


async def test_wrong_types_are_refused_without_echoing_the_input(app_client, services):
    response = await app_client.post(
        REGISTER, json={**form("types@example.org"), "password": 123456789012}
    )
    body = await expect_problem(response, 400, "invalid_payload")
    assert _only(body["errors"], ["password"])["type"] == "string_type"
    assert "123456789012" not in await response.text()
    assert await teachers_with(services, "types@example.org") == []


async def test_registrations_per_address_are_limited(app_client, services, clock, settings):
    limit = settings.accounts.registrations_per_address
    for n in range(limit):
        await expect_json(await app_client.post(REGISTER, json=form(f"t{n}@example.org")), 202)

    response = await app_client.post(REGISTER, json=form("one-too-many@example.org"))
    body = await expect_problem(response, 429, "rate_limited")
    retry_after = int(response.headers["Retry-After"])
    assert retry_after == body["details"]["retry_after_s"]
    assert 1 <= retry_after <= 3600 // limit
    assert await teachers_with(services, "one-too-many@example.org") == []
    assert mail_to(settings.data_dir, "one-too-many@example.org") == []

    clock.advance(retry_after)
    await expect_json(await app_client.post(REGISTER, json=form("later@example.org")), 202)
    assert len(await teachers_with(services, "later@example.org")) == 1
