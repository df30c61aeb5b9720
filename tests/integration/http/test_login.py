"""POST /api/v1/auth/login: who may sign in, what a refusal says, and the limits.

A wrong password and an unknown login must be indistinguishable; an account
that may not sign in says so only after the right password; attempts are
limited per account and per client address.
"""

from __future__ import annotations

from typing import Any

import pytest

from protocol.api.accounts import AccountStatus
from tests.support import PASSWORD, Actor, World
from tests.support_http import bearer, expect_json, expect_problem

LOGIN = "/api/v1/auth/login"


async def login(client: Any, login: str, password: str = PASSWORD) -> Any:
    return await client.post(LOGIN, json={"login": login, "password": password})


async def me(client: Any, token: str) -> dict[str, Any]:
    body: dict[str, Any] = await expect_json(
        await client.get("/api/v1/me", headers=bearer(token)), 200
    )
    return body


async def register(client: Any, email: str) -> None:
    """A pending teacher registered over HTTP: no sign-in attempt is spent."""
    response = await client.post(
        "/api/v1/auth/register",
        json={
            "email": email,
            "password": PASSWORD,
            "full_name": "Paula Lehmann",
            "new_school": {
                "name": f"School of {email}",
                "country_code": "AT",
                "city": "Graz",
                "school_type": "primary",
                "age_min": 6,
                "age_max": 10,
            },
        },
    )
    await expect_json(response, 202)


async def test_validated_teacher_signs_in(app_client, world, settings):
    teacher = await world.teacher(country="IT")
    body = await expect_json(await login(app_client, teacher.login), 200)
    assert body["token_type"] == "Bearer"
    assert body["user_id"] == teacher.user_id
    assert body["expires_in"] == settings.accounts.access_token_ttl_s
    assert body["refresh_token"] != body["access_token"]
    account = await me(app_client, body["access_token"])
    assert account["user_id"] == teacher.user_id
    assert account["status"] == "validated"


async def test_address_is_matched_whatever_its_case(app_client, world):
    teacher = await world.teacher()
    body = await expect_json(await login(app_client, f"  {teacher.login.upper()} "), 200)
    assert body["user_id"] == teacher.user_id


async def test_pending_teacher_signs_in_to_see_their_state(app_client, world):
    teacher = await world.teacher(validated=False)
    body = await expect_json(await login(app_client, teacher.login), 200)
    account = await me(app_client, body["access_token"])
    assert account["status"] == "pending"
    assert account["kind"] == "teacher"


async def test_pupil_signs_in_with_the_generated_login(app_client, world):
    teacher = await world.teacher()
    pupil = await world.pupil(teacher)
    assert "@" not in pupil.login
    body = await expect_json(await login(app_client, pupil.login, pupil.password), 200)
    account = await me(app_client, body["access_token"])
    assert account["kind"] == "pupil"
    assert account["email"] is None
    assert account["class_label"] == "6B"


@pytest.mark.parametrize("kind", ["platform_admin", "nso_admin"])
async def test_admins_sign_in(app_client, world, kind):
    if kind == "platform_admin":
        admin = await world.platform_admin()
    else:
        admin = await world.nso_admin("PL")
    body = await expect_json(await login(app_client, admin.login), 200)
    account = await me(app_client, body["access_token"])
    assert account["kind"] == kind
    assert account["status"] == "active"


async def test_wrong_password_and_unknown_login_answer_the_same(app_client, world):
    teacher = await world.teacher()
    wrong = await login(app_client, teacher.login, "not the right password")
    unknown = await login(app_client, "nobody-here@example.org", "not the right password")
    wrong_body = await expect_problem(wrong, 401, "invalid_credentials")
    unknown_body = await expect_problem(unknown, 401, "invalid_credentials")
    assert wrong_body["detail"] == unknown_body["detail"]
    assert wrong_body.keys() == unknown_body.keys()
    assert "details" not in wrong_body


async def _decide(world: World, teacher: Actor, status: AccountStatus) -> None:
    admin = await world.platform_admin()
    await world.services.accounts.validation.decide(
        admin.principal, teacher.user_id, status, reason="test"
    )


@pytest.mark.parametrize(
    ("validated", "status"),
    [(True, AccountStatus.SUSPENDED), (False, AccountStatus.REJECTED)],
)
async def test_suspended_or_rejected_teacher_is_refused_after_the_right_password(
    app_client, world, validated, status
):
    teacher = await world.teacher(validated=validated)
    await _decide(world, teacher, status)

    right = await login(app_client, teacher.login)
    body = await expect_problem(right, 403, "account_not_active")
    assert status.value in body["detail"]
    # Without the right password the answer does not reveal the state.
    wrong = await login(app_client, teacher.login, "not the right password")
    await expect_problem(wrong, 401, "invalid_credentials")


async def test_disabled_pupil_is_refused(app_client, world):
    teacher = await world.teacher()
    pupil = await world.pupil(teacher)
    await world.services.accounts.pupils.set_enabled(teacher.principal, pupil.user_id, False)
    response = await login(app_client, pupil.login, pupil.password)
    await expect_problem(response, 403, "account_not_active")


@pytest.mark.parametrize(
    "body",
    [
        {"login": "someone@example.org"},
        {"password": PASSWORD},
        {"login": "", "password": PASSWORD},
        {"login": "someone@example.org", "password": ""},
        {"login": "x" * 255, "password": PASSWORD},
        {"login": "someone@example.org", "password": PASSWORD, "remember": True},
        {"login": ["someone@example.org"], "password": PASSWORD},
    ],
)
async def test_malformed_sign_in_is_refused(app_client, body):
    await expect_problem(await app_client.post(LOGIN, json=body), 400, "invalid_payload")


async def test_attempts_per_account_are_limited(start_app, clock):
    app = await start_app(accounts={"login_attempts_per_account": 3, "login_window_s": 900})
    await register(app.client, "limited@example.org")
    await register(app.client, "bystander@example.org")

    for _ in range(3):
        wrong = await login(app.client, "limited@example.org", "not the right password")
        await expect_problem(wrong, 401, "invalid_credentials")
    blocked = await login(app.client, "limited@example.org")
    body = await expect_problem(blocked, 429, "rate_limited")
    retry_after = int(blocked.headers["Retry-After"])
    assert retry_after == body["details"]["retry_after_s"]
    assert 1 <= retry_after <= 300
    # The same address may still sign in to another account.
    await expect_json(await login(app.client, "bystander@example.org"), 200)

    clock.advance(retry_after)
    await expect_json(await login(app.client, "limited@example.org"), 200)


async def test_attempts_per_address_are_limited(start_app, clock):
    app = await start_app(accounts={"login_attempts_per_address": 3, "login_window_s": 900})
    await register(app.client, "victim@example.org")

    for n in range(3):
        unknown = await login(app.client, f"guess{n}@example.org", "not the right password")
        await expect_problem(unknown, 401, "invalid_credentials")
    blocked = await login(app.client, "victim@example.org")
    await expect_problem(blocked, 429, "rate_limited")
    assert 1 <= int(blocked.headers["Retry-After"]) <= 300

    clock.advance(int(blocked.headers["Retry-After"]))
    await expect_json(await login(app.client, "victim@example.org"), 200)
