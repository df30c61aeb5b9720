"""Schools' API keys and the join tokens a key mints for the school's own users.

A key's secret is shown once; only the school's admin (or a platform admin)
manages keys. A key mints tokens for its own school's active users only, in a
role that suits the account, with grants capped by the role's ceiling.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from community import JoinClaims
from protocol import new_id
from protocol.api.grants import RoomRole
from tests.support import Actor, World
from tests.support_http import bearer, expect_json, expect_problem

MINT = "/api/v1/integrations/join-tokens"


def keys_url(school_id: str | None) -> str:
    return f"/api/v1/schools/{school_id}/api-keys"


async def create_key(client: Any, admin: Actor, school_id: str | None = None, **body: Any) -> Any:
    return await client.post(
        keys_url(school_id or admin.school_id),
        headers=admin.headers,
        json={"name": "Moodle", **body},
    )


async def issued_key(client: Any, admin: Actor) -> dict[str, Any]:
    body: dict[str, Any] = await expect_json(await create_key(client, admin), 201)
    return body


async def listed_keys(client: Any, admin: Actor) -> list[dict[str, Any]]:
    response = await client.get(keys_url(admin.school_id), headers=admin.headers)
    return list((await expect_json(response, 200))["keys"])


async def mint(client: Any, key: str, **body: Any) -> Any:
    return await client.post(MINT, headers=bearer(key), json={"room_id": "room-42", **body})


async def school_with_key(client: Any, world: World) -> tuple[Actor, str]:
    admin = await world.teacher(school_admin=True)
    return admin, (await issued_key(client, admin))["secret_key"]


# -- keys ------------------------------------------------------------------------


async def test_school_admin_creates_lists_and_revokes_a_key(app_client, world):
    admin = await world.teacher(school_admin=True)
    issued = await issued_key(app_client, admin)
    secret_key = issued["secret_key"]
    prefix_tag, prefix, secret = secret_key.split("_", 2)
    assert prefix_tag == "jmlg"
    assert prefix == issued["prefix"]
    assert issued["scopes"] == ["join_tokens"]
    assert issued["revoked_at"] is None

    response = await app_client.get(keys_url(admin.school_id), headers=admin.headers)
    text = await response.text()
    (listed,) = (await expect_json(response, 200))["keys"]
    assert listed["id"] == issued["id"]
    assert "secret_key" not in listed
    assert secret not in text

    revoked = await app_client.delete(
        f"{keys_url(admin.school_id)}/{issued['id']}", headers=admin.headers
    )
    assert revoked.status == 204
    (after,) = await listed_keys(app_client, admin)
    assert after["revoked_at"] is not None
    student = await world.pupil(admin)
    await expect_problem(
        await mint(app_client, secret_key, user_id=student.user_id), 401, "token_revoked"
    )


async def test_key_use_is_recorded(app_client, world):
    admin, key = await school_with_key(app_client, world)
    (before,) = await listed_keys(app_client, admin)
    assert before["last_used_at"] is None
    await expect_json(await mint(app_client, key, user_id=admin.user_id), 201)
    (after,) = await listed_keys(app_client, admin)
    assert after["last_used_at"] is not None


async def test_platform_admin_manages_any_school_keys(app_client, world):
    school_id = await world.school("SE")
    platform = await world.platform_admin()
    response = await create_key(app_client, platform, school_id)
    issued = await expect_json(response, 201)
    listed = await app_client.get(keys_url(school_id), headers=platform.headers)
    assert [k["id"] for k in (await expect_json(listed, 200))["keys"]] == [issued["id"]]


async def test_non_admin_teacher_and_admin_of_another_school_are_refused(app_client, world):
    admin = await world.teacher(school_admin=True)
    colleague = await world.teacher(school_id=admin.school_id)
    stranger = await world.teacher(school_admin=True)
    key = await issued_key(app_client, admin)

    for caller in (colleague, stranger):
        created = await create_key(app_client, caller, admin.school_id)
        await expect_problem(created, 403, "forbidden")
        listed = await app_client.get(keys_url(admin.school_id), headers=caller.headers)
        await expect_problem(listed, 403, "forbidden")
        revoked = await app_client.delete(
            f"{keys_url(admin.school_id)}/{key['id']}", headers=caller.headers
        )
        await expect_problem(revoked, 403, "forbidden")

    (only,) = await listed_keys(app_client, admin)
    assert only["id"] == key["id"]
    assert only["revoked_at"] is None


async def test_revoking_a_key_of_another_school_is_not_found(app_client, world):
    admin = await world.teacher(school_admin=True)
    stranger = await world.teacher(school_admin=True)
    theirs = await issued_key(app_client, stranger)
    for key_id in (theirs["id"], new_id()):
        response = await app_client.delete(
            f"{keys_url(admin.school_id)}/{key_id}", headers=admin.headers
        )
        await expect_problem(response, 404, "not_found")
    (still,) = await listed_keys(app_client, stranger)
    assert still["revoked_at"] is None


@pytest.mark.parametrize(
    "body",
    [
        {"scopes": ["admin"]},
        {"scopes": []},
        {"scopes": ["join_tokens", "everything"]},
        {"name": ""},
        {"name": "\u200b"},
        {"name": "x" * 81},
        {"secret": "chosen"},
    ],
)
async def test_invalid_key_is_refused(app_client, world, body):
    admin = await world.teacher(school_admin=True)
    await expect_problem(await create_key(app_client, admin, **body), 400, "invalid_payload")
    assert await listed_keys(app_client, admin) == []


async def test_active_keys_per_school_are_limited(app_client, world):
    admin = await world.teacher(school_admin=True)
    keys = [await issued_key(app_client, admin) for _ in range(20)]
    await expect_problem(await create_key(app_client, admin), 400, "invalid_payload")
    assert len(await listed_keys(app_client, admin)) == 20
    await app_client.delete(f"{keys_url(admin.school_id)}/{keys[0]['id']}", headers=admin.headers)
    await expect_json(await create_key(app_client, admin), 201)


# -- join tokens -----------------------------------------------------------------


def verified(world: World, token: str) -> JoinClaims:
    return world.services.accounts.signer.verify_join(token)


async def test_key_mints_a_pupil_token_with_capped_grants(app_client, world):
    admin, key = await school_with_key(app_client, world)
    pupil = await world.pupil(admin)
    everything = dict.fromkeys(
        ("may_publish", "may_screen", "may_draw", "may_chat", "may_moderate"), True
    )
    response = await mint(app_client, key, user_id=pupil.user_id, grants=everything, ttl_s=120)
    body = await expect_json(response, 201)
    assert body["role"] == "pupil"
    assert body["grants"]["may_moderate"] is False
    assert body["grants"]["may_screen"] is True

    claims = verified(world, body["join_token"])
    assert claims.user_id == pupil.user_id
    assert claims.room_id == "room-42"
    assert claims.role is RoomRole.PUPIL
    assert claims.grants.model_dump() == body["grants"]
    assert claims.minted_by.startswith("api_key:")
    assert claims.expires_at == datetime.fromisoformat(body["expires_at"])
    assert claims.expires_at <= datetime.fromtimestamp(world.clock.now() + 120, UTC)


async def test_pupil_role_is_the_default_with_default_grants(app_client, world):
    admin, key = await school_with_key(app_client, world)
    pupil = await world.pupil(admin)
    body = await expect_json(await mint(app_client, key, user_id=pupil.user_id), 201)
    assert body["role"] == "pupil"
    assert body["grants"] == {
        "may_publish": True,
        "may_screen": False,
        "may_draw": True,
        "may_chat": True,
        "may_moderate": False,
    }


async def test_key_mints_a_host_token_for_its_teacher(app_client, world):
    admin, key = await school_with_key(app_client, world)
    colleague = await world.teacher(school_id=admin.school_id)
    body = await expect_json(await mint(app_client, key, user_id=colleague.user_id), 201)
    assert body["role"] == "host"
    assert body["grants"]["may_moderate"] is True
    claims = verified(world, body["join_token"])
    assert claims.role is RoomRole.HOST
    assert claims.grants.may_moderate is True


async def test_observer_gets_no_more_than_chat(app_client, world):
    admin, key = await school_with_key(app_client, world)
    everything = dict.fromkeys(
        ("may_publish", "may_screen", "may_draw", "may_chat", "may_moderate"), True
    )
    response = await mint(
        app_client, key, user_id=admin.user_id, role="observer", grants=everything
    )
    body = await expect_json(response, 201)
    assert [name for name, on in body["grants"].items() if on] == ["may_chat"]


@pytest.mark.parametrize(
    ("who", "role"), [("pupil", "host"), ("pupil", "co_teacher"), ("teacher", "pupil")]
)
async def test_role_that_does_not_suit_the_account_is_forbidden(app_client, world, who, role):
    admin, key = await school_with_key(app_client, world)
    user = await world.pupil(admin) if who == "pupil" else admin
    response = await mint(app_client, key, user_id=user.user_id, role=role)
    await expect_problem(response, 403, "forbidden")


async def test_user_of_another_school_is_not_found(app_client, world):
    _, key = await school_with_key(app_client, world)
    stranger = await world.teacher()
    their_pupil = await world.pupil(stranger)
    platform = await world.platform_admin()
    details = set()
    for user_id in (stranger.user_id, their_pupil.user_id, platform.user_id, new_id()):
        body = await expect_problem(await mint(app_client, key, user_id=user_id), 404, "not_found")
        details.add(body["detail"])
    assert len(details) == 1


async def test_inactive_accounts_get_no_token(app_client, world):
    admin, key = await school_with_key(app_client, world)
    pupil = await world.pupil(admin)
    await world.services.accounts.pupils.set_enabled(admin.principal, pupil.user_id, False)
    pending = await world.teacher(school_id=admin.school_id, validated=False)
    for user_id in (pupil.user_id, pending.user_id):
        response = await mint(app_client, key, user_id=user_id)
        await expect_problem(response, 403, "account_not_active")


@pytest.mark.parametrize("ttl_s", [601, 0, -5, 3601])
async def test_ttl_out_of_range_is_refused(app_client, world, ttl_s):
    admin, key = await school_with_key(app_client, world)
    response = await mint(app_client, key, user_id=admin.user_id, ttl_s=ttl_s)
    await expect_problem(response, 400, "invalid_payload")


async def test_ttl_above_the_configured_maximum_is_refused(app_client, world, settings):
    admin, key = await school_with_key(app_client, world)
    limit = settings.accounts.join_token_max_ttl_s
    response = await mint(app_client, key, user_id=admin.user_id, ttl_s=limit + 1)
    body = await expect_problem(response, 400, "invalid_payload")
    assert body["details"]["field"] == "ttl_s"
    await expect_json(await mint(app_client, key, user_id=admin.user_id, ttl_s=limit), 201)


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"user_id": "u"},
        {"user_id": "u", "room_id": "r", "role": "admin"},
        {"user_id": "u", "room_id": "r", "grants": {"may_everything": True}},
        {"user_id": "u", "room_id": "r", "grants": {"may_chat": "yes"}},
        {"user_id": "u", "room_id": "r", "school_id": "another"},
        {"user_id": "u", "room_id": "r" * 65},
    ],
)
async def test_malformed_mint_request_is_refused(app_client, world, body):
    _, key = await school_with_key(app_client, world)
    response = await app_client.post(MINT, headers=bearer(key), json=body)
    await expect_problem(response, 400, "invalid_payload")


@pytest.mark.parametrize(
    "key",
    ["jmlg", "jmlg_only", "abc_def_ghi", "jmlg__", "jmlg_" + "x" * 200, "JMLG_a_b"],
)
async def test_malformed_key_is_invalid(app_client, key):
    response = await app_client.post(
        MINT, headers=bearer(key), json={"user_id": "u", "room_id": "r"}
    )
    await expect_problem(response, 401, "token_invalid")


async def test_wrong_secret_for_a_real_prefix_is_invalid(app_client, world):
    admin, key = await school_with_key(app_client, world)
    tag, prefix, secret = key.split("_", 2)
    forged = f"{tag}_{prefix}_{secret[::-1]}"
    await expect_problem(
        await mint(app_client, forged, user_id=admin.user_id), 401, "token_invalid"
    )


async def test_account_token_cannot_mint(app_client, world):
    admin = await world.teacher(school_admin=True)
    response = await app_client.post(
        MINT, headers=admin.headers, json={"user_id": admin.user_id, "room_id": "r"}
    )
    await expect_problem(response, 401, "token_invalid")
    anonymous = await app_client.post(MINT, json={"user_id": admin.user_id, "room_id": "r"})
    await expect_problem(anonymous, 401, "unauthenticated")


async def test_key_cannot_call_account_routes(app_client, world):
    admin, key = await school_with_key(app_client, world)
    await expect_problem(
        await app_client.get("/api/v1/me", headers=bearer(key)), 401, "token_invalid"
    )
    listed = await app_client.get(keys_url(admin.school_id), headers=bearer(key))
    await expect_problem(listed, 401, "token_invalid")


async def test_tokens_per_key_are_limited(start_app, clock):
    app = await start_app(accounts={"join_tokens_per_key": 2})
    admin, key = await school_with_key(app.client, app.world)
    for _ in range(2):
        await expect_json(await mint(app.client, key, user_id=admin.user_id), 201)
    blocked = await mint(app.client, key, user_id=admin.user_id)
    await expect_problem(blocked, 429, "rate_limited")
    # Another key of the same school has a bucket of its own.
    other = await issued_key(app.client, admin)
    await expect_json(await mint(app.client, other["secret_key"], user_id=admin.user_id), 201)
    clock.advance(int(blocked.headers["Retry-After"]))
    await expect_json(await mint(app.client, key, user_id=admin.user_id), 201)
