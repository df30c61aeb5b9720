"""POST /api/v1/auth/refresh: rotation, replay detection, expiry, sign-out.

A refresh token is spent by its use; presenting a spent one is treated as
theft and ends that whole sign-in (its "family"), but not the account's other
sign-ins.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.support import PASSWORD, Actor
from tests.support_http import bearer, expect_json, expect_problem

REFRESH = "/api/v1/auth/refresh"


async def refresh(client: Any, token: str) -> Any:
    return await client.post(REFRESH, json={"refresh_token": token})


async def sign_in(client: Any, actor: Actor) -> dict[str, Any]:
    response = await client.post(
        "/api/v1/auth/login", json={"login": actor.login, "password": actor.password}
    )
    body: dict[str, Any] = await expect_json(response, 200)
    return body


async def test_rotation_gives_a_new_pair_and_spends_the_old_token(app_client, world):
    teacher = await world.teacher()
    first = await sign_in(app_client, teacher)

    second = await expect_json(await refresh(app_client, first["refresh_token"]), 200)
    assert second["user_id"] == teacher.user_id
    assert second["refresh_token"] != first["refresh_token"]
    assert second["access_token"] != first["access_token"]
    me = await app_client.get("/api/v1/me", headers=bearer(second["access_token"]))
    assert (await expect_json(me, 200))["user_id"] == teacher.user_id

    third = await expect_json(await refresh(app_client, second["refresh_token"]), 200)
    assert third["refresh_token"] not in (first["refresh_token"], second["refresh_token"])


async def test_replaying_a_spent_token_revokes_its_whole_family(app_client, world):
    teacher = await world.teacher()
    stolen = await sign_in(app_client, teacher)
    elsewhere = await sign_in(app_client, teacher)
    rotated = await expect_json(await refresh(app_client, stolen["refresh_token"]), 200)

    replay = await refresh(app_client, stolen["refresh_token"])
    await expect_problem(replay, 401, "token_revoked")
    # The newer token of the same family is void as well...
    await expect_problem(await refresh(app_client, rotated["refresh_token"]), 401, "token_revoked")
    # ...but the account's other sign-in goes on.
    await expect_json(await refresh(app_client, elsewhere["refresh_token"]), 200)


async def test_expired_refresh_token_is_refused(app_client, world, clock, settings):
    teacher = await world.teacher()
    pair = await sign_in(app_client, teacher)
    clock.advance(settings.accounts.refresh_token_ttl_s)
    await expect_problem(await refresh(app_client, pair["refresh_token"]), 401, "token_expired")


async def test_refresh_token_lives_until_its_expiry(app_client, world, clock, settings):
    teacher = await world.teacher()
    pair = await sign_in(app_client, teacher)
    clock.advance(settings.accounts.refresh_token_ttl_s - 1)
    await expect_json(await refresh(app_client, pair["refresh_token"]), 200)


async def test_logout_revokes_refresh_tokens(app_client, world):
    teacher = await world.teacher()
    pair = await sign_in(app_client, teacher)
    response = await app_client.post("/api/v1/auth/logout", headers=bearer(pair["access_token"]))
    assert response.status == 204
    await expect_problem(await refresh(app_client, pair["refresh_token"]), 401, "token_revoked")
    await expect_problem(await refresh(app_client, teacher.refresh_token), 401, "token_revoked")


async def test_suspension_revokes_refresh_tokens(app_client, world):
    teacher = await world.teacher(country="ES")
    nso = await world.nso_admin("ES")
    response = await app_client.post(
        f"/api/v1/admin/teachers/{teacher.user_id}/status",
        headers=nso.headers,
        json={"status": "suspended"},
    )
    await expect_json(response, 200)
    await expect_problem(await refresh(app_client, teacher.refresh_token), 401, "token_revoked")


async def test_pending_teacher_may_refresh(app_client, world):
    teacher = await world.teacher(validated=False)
    body = await expect_json(await refresh(app_client, teacher.refresh_token), 200)
    assert body["user_id"] == teacher.user_id


@pytest.mark.parametrize("token", ["not-a-token-we-issued", "x" * 129, "x" * 256])
async def test_unknown_refresh_token_is_invalid(app_client, token):
    await expect_problem(await refresh(app_client, token), 401, "token_invalid")


async def test_refresh_token_is_not_an_access_token(app_client, world):
    teacher = await world.teacher()
    response = await app_client.get("/api/v1/me", headers=bearer(teacher.refresh_token))
    await expect_problem(response, 401, "token_invalid")


@pytest.mark.parametrize(
    "body", [{}, {"refresh_token": ""}, {"refresh_token": "x" * 257}, {"refresh_token": 1}]
)
async def test_malformed_refresh_is_refused(app_client, body):
    await expect_problem(await app_client.post(REFRESH, json=body), 400, "invalid_payload")


async def test_refreshes_per_address_are_limited(start_app, clock):
    app = await start_app(accounts={"token_requests_per_address": 2})
    teacher = await app.world.teacher()
    token = teacher.refresh_token
    for _ in range(2):
        token = (await expect_json(await refresh(app.client, token), 200))["refresh_token"]
    blocked = await refresh(app.client, token)
    await expect_problem(blocked, 429, "rate_limited")
    retry_after = int(blocked.headers["Retry-After"])
    assert 1 <= retry_after <= 30
    # The limited attempt spent nothing: the same token works once allowed.
    clock.advance(retry_after)
    await expect_json(await refresh(app.client, token), 200)


async def test_sign_in_again_after_a_revoked_family(app_client, world):
    teacher = await world.teacher()
    pair = await sign_in(app_client, teacher)
    await expect_json(await refresh(app_client, pair["refresh_token"]), 200)
    await expect_problem(await refresh(app_client, pair["refresh_token"]), 401, "token_revoked")
    again = await app_client.post(
        "/api/v1/auth/login", json={"login": teacher.login, "password": PASSWORD}
    )
    fresh = await expect_json(again, 200)
    await expect_json(await refresh(app_client, fresh["refresh_token"]), 200)
