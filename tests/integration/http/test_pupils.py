"""The pupils' endpoints: creating accounts, listing them, resetting and disabling.

Pupils' names are pseudonyms; a name that looks like a full name is refused.
A teacher reaches only the pupils of their own school; a pupil of another
school is answered as if it did not exist, and stays as it was.
"""

from __future__ import annotations

from typing import Any

import pytest

from protocol import new_id
from protocol.api.accounts import AccountStatus
from protocol.ids import UserId
from server.services import Services
from storage.pagination import encode_cursor
from storage.records import PupilRecord
from tests.support import Actor
from tests.support_http import bearer, expect_json, expect_problem

PUPILS = "/api/v1/pupils"


async def create(client: Any, teacher: Actor, *names: str | None, label: str = "6B") -> Any:
    entries = [{} if n is None else {"display_name": n} for n in names]
    return await client.post(
        PUPILS, headers=teacher.headers, json={"class_label": label, "pupils": entries}
    )


async def created(client: Any, teacher: Actor, *names: str | None, label: str = "6B") -> Any:
    body = await expect_json(await create(client, teacher, *names, label=label), 201)
    return body["pupils"]


async def login(client: Any, login: str, password: str) -> Any:
    return await client.post("/api/v1/auth/login", json={"login": login, "password": password})


async def pupil_record(services: Services, user_id: str) -> PupilRecord | None:
    async with services.db.transaction("test.pupil") as uow:
        return await uow.accounts.find_pupil(UserId(user_id))


async def count(services: Services, teacher: Actor) -> int:
    assert teacher.school_id is not None
    async with services.db.transaction("test.count") as uow:
        return await uow.accounts.count_pupils(teacher.school_id)


# -- creating -----------------------------------------------------------------


async def test_one_pupil_gets_a_pseudonym_a_login_and_a_working_password(app_client, world):
    teacher = await world.teacher()
    (pupil,) = await created(app_client, teacher, None)
    assert pupil["class_label"] == "6B"
    assert pupil["status"] == "active"
    assert len(pupil["display_name"].split()) == 2
    assert "@" not in pupil["login"]
    body = await expect_json(await login(app_client, pupil["login"], pupil["password"]), 200)
    assert body["user_id"] == pupil["user_id"]
    me = await app_client.get("/api/v1/me", headers=bearer(body["access_token"]))
    account = await expect_json(me, 200)
    assert account["display_name"] == pupil["display_name"]
    assert account["school"]["id"] == teacher.school_id


async def test_class_list_creates_every_pupil(app_client, world, services):
    teacher = await world.teacher()
    pupils = await created(app_client, teacher, "Mary B.", None, "Léo", None, "Anna K.")
    assert len(pupils) == 5
    assert len({p["login"] for p in pupils}) == 5
    assert len({p["user_id"] for p in pupils}) == 5
    assert [p["display_name"] for p in pupils][:1] == ["Mary B."]
    assert pupils[2]["display_name"] == "Léo"
    for pupil in pupils:
        await expect_json(await login(app_client, pupil["login"], pupil["password"]), 200)
    assert await count(services, teacher) == 5


@pytest.mark.parametrize("name", ["Mary Brown", "Jean-Pierre Dupont", "Zoë Müller"])
async def test_full_name_is_refused_and_nothing_is_created(app_client, world, services, name):
    teacher = await world.teacher()
    response = await create(app_client, teacher, "Mary B.", name)
    body = await expect_problem(response, 400, "invalid_payload")
    assert body["details"] == {"field": "display_name", "rule": "full_name"}
    assert name not in await response.text()
    assert await count(services, teacher) == 0


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("Mary B.", "Mary B."),
        ("mary", "mary"),
        ("Brave Otter", "Brave Otter"),
        ("Ma\u202ery\u200b B.", "Mary B."),
        ("\u2066Tom\u2069  \u200dK.", "Tom K."),
        ("Ｌｅａ", "Lea"),
    ],
)
async def test_display_names_are_cleaned(app_client, world, services, typed, stored):
    teacher = await world.teacher()
    (pupil,) = await created(app_client, teacher, typed)
    assert pupil["display_name"] == stored
    record = await pupil_record(services, pupil["user_id"])
    assert record is not None
    assert record.display_name == stored


@pytest.mark.parametrize("name", ["\u200b\u200b", "\u202e", " "])
async def test_invisible_display_name_is_refused(app_client, world, services, name):
    teacher = await world.teacher()
    response = await create(app_client, teacher, name)
    await expect_problem(response, 400, "invalid_payload")
    assert await count(services, teacher) == 0


async def test_more_than_the_batch_limit_is_refused(start_app):
    app = await start_app(accounts={"max_pupils_per_batch": 3})
    teacher = await app.world.teacher()
    response = await create(app.client, teacher, None, None, None, None)
    body = await expect_problem(response, 400, "invalid_payload")
    assert body["details"]["field"] == "pupils"
    assert await count(app.services, teacher) == 0
    await expect_json(await create(app.client, teacher, None, None, None), 201)
    assert await count(app.services, teacher) == 3


async def test_more_than_the_schema_allows_is_refused(app_client, world, services):
    teacher = await world.teacher()
    response = await create(app_client, teacher, *([None] * 201))
    body = await expect_problem(response, 400, "invalid_payload")
    assert body["errors"][0]["loc"] == ["pupils"]
    assert await count(services, teacher) == 0


@pytest.mark.parametrize(
    "body",
    [
        {"class_label": "6B", "pupils": []},
        {"class_label": "", "pupils": [{}]},
        {"pupils": [{}]},
        {"class_label": "6B", "pupils": [{"display_name": "x" * 41}]},
        {"class_label": "6B", "pupils": [{"display_name": "Ann", "email": "ann@example.org"}]},
        {"class_label": "6B", "pupils": [{}], "school_id": "another-school"},
    ],
)
async def test_malformed_creation_is_refused(app_client, world, services, body):
    teacher = await world.teacher()
    response = await app_client.post(PUPILS, headers=teacher.headers, json=body)
    await expect_problem(response, 400, "invalid_payload")
    assert await count(services, teacher) == 0


# -- listing --------------------------------------------------------------------


async def test_list_pages_with_a_cursor_without_gaps_or_repeats(app_client, world):
    teacher = await world.teacher()
    made = await created(app_client, teacher, *([None] * 4), label="5A")
    made += await created(app_client, teacher, "Ann B.", "Ann B.", None, label="6B")
    seen: list[dict[str, Any]] = []
    cursor = None
    pages = 0
    while True:
        params = {"limit": "3", **({"cursor": cursor} if cursor else {})}
        response = await app_client.get(PUPILS, headers=teacher.headers, params=params)
        body = await expect_json(response, 200)
        assert len(body["items"]) <= 3
        seen.extend(body["items"])
        pages += 1
        cursor = body.get("next_cursor")
        if cursor is None:
            break
    assert pages == 3
    ids = [p["user_id"] for p in seen]
    assert len(ids) == len(set(ids)) == 7
    assert set(ids) == {p["user_id"] for p in made}
    # By class first (names follow the database's collation).
    labels = [p["class_label"] for p in seen]
    assert labels == ["5A"] * 4 + ["6B"] * 3
    assert all("password" not in p for p in seen)


async def test_list_filters_by_class_and_shows_only_the_own_school(app_client, world):
    teacher = await world.teacher()
    colleague = await world.teacher(school_id=teacher.school_id)
    stranger = await world.teacher()
    fifth = await created(app_client, teacher, None, None, label="5A")
    await created(app_client, colleague, None, label="6B")
    await created(app_client, stranger, None, label="5A")

    response = await app_client.get(PUPILS, headers=colleague.headers, params={"class_label": "5A"})
    body = await expect_json(response, 200)
    assert {p["user_id"] for p in body["items"]} == {p["user_id"] for p in fifth}
    everyone = await expect_json(await app_client.get(PUPILS, headers=teacher.headers), 200)
    assert len(everyone["items"]) == 3
    theirs = await expect_json(await app_client.get(PUPILS, headers=stranger.headers), 200)
    assert len(theirs["items"]) == 1


@pytest.mark.parametrize(
    "params",
    [
        {"limit": "0"},
        {"limit": "201"},
        {"limit": "many"},
        {"cursor": "x" * 513},
        {"sort": "name"},
    ],
)
async def test_bad_list_parameters_are_refused(app_client, world, params):
    teacher = await world.teacher()
    response = await app_client.get(PUPILS, headers=teacher.headers, params=params)
    await expect_problem(response, 400, "invalid_payload")


@pytest.mark.parametrize(
    "cursor",
    [
        "garbage!",
        "bm90IGpzb24",
        encode_cursor("5A", "Ann"),
        encode_cursor(1, 2, 3),
        encode_cursor(None, None, None),
        encode_cursor(["5A"], {"a": 1}, "id"),
    ],
)
async def test_garbage_cursor_is_refused(app_client, world, cursor):
    teacher = await world.teacher()
    await created(app_client, teacher, None)
    response = await app_client.get(PUPILS, headers=teacher.headers, params={"cursor": cursor})
    await expect_problem(response, 400, "invalid_payload")


# -- reset, disable, enable ------------------------------------------------------


async def test_reset_password_switches_the_password_and_revokes_tokens(app_client, world):
    teacher = await world.teacher()
    colleague = await world.teacher(school_id=teacher.school_id)
    pupil = await world.pupil(teacher)
    response = await app_client.post(
        f"{PUPILS}/{pupil.user_id}/password", headers=colleague.headers
    )
    body = await expect_json(response, 200)
    assert body["user_id"] == pupil.user_id
    assert body["login"] == pupil.login
    assert body["password"] != pupil.password

    await expect_problem(
        await login(app_client, pupil.login, pupil.password), 401, "invalid_credentials"
    )
    me = await app_client.get("/api/v1/me", headers=pupil.headers)
    await expect_problem(me, 401, "token_revoked")
    refreshed = await app_client.post(
        "/api/v1/auth/refresh", json={"refresh_token": pupil.refresh_token}
    )
    await expect_problem(refreshed, 401, "token_revoked")
    await expect_json(await login(app_client, pupil.login, body["password"]), 200)


async def test_disable_then_enable(app_client, world, services):
    teacher = await world.teacher()
    pupil = await world.pupil(teacher)
    url = f"{PUPILS}/{pupil.user_id}/enabled"

    disabled = await app_client.post(url, headers=teacher.headers, json={"enabled": False})
    assert (await expect_json(disabled, 200))["status"] == "disabled"
    await expect_problem(
        await login(app_client, pupil.login, pupil.password), 403, "account_not_active"
    )
    again = await app_client.post(url, headers=teacher.headers, json={"enabled": False})
    await expect_problem(again, 409, "conflict")

    enabled = await app_client.post(url, headers=teacher.headers, json={"enabled": True})
    assert (await expect_json(enabled, 200))["status"] == "active"
    await expect_json(await login(app_client, pupil.login, pupil.password), 200)
    record = await pupil_record(services, pupil.user_id)
    assert record is not None
    assert record.status is AccountStatus.ACTIVE


async def test_teacher_of_another_school_cannot_touch_the_pupil(app_client, world, services):
    teacher = await world.teacher(country="FR")
    stranger = await world.teacher(country="FR")
    pupil = await world.pupil(teacher)
    before = await pupil_record(services, pupil.user_id)

    reset = await app_client.post(f"{PUPILS}/{pupil.user_id}/password", headers=stranger.headers)
    missing = await app_client.post(f"{PUPILS}/{new_id()}/password", headers=stranger.headers)
    reset_body = await expect_problem(reset, 404, "not_found")
    assert reset_body["detail"] == (await expect_problem(missing, 404, "not_found"))["detail"]
    disable = await app_client.post(
        f"{PUPILS}/{pupil.user_id}/enabled", headers=stranger.headers, json={"enabled": False}
    )
    await expect_problem(disable, 404, "not_found")

    assert await pupil_record(services, pupil.user_id) == before
    await expect_json(await app_client.get("/api/v1/me", headers=pupil.headers), 200)
    await expect_json(await login(app_client, pupil.login, pupil.password), 200)


async def test_teacher_id_is_not_a_pupil(app_client, world, services):
    teacher = await world.teacher()
    colleague = await world.teacher(school_id=teacher.school_id)
    response = await app_client.post(
        f"{PUPILS}/{colleague.user_id}/password", headers=teacher.headers
    )
    await expect_problem(response, 404, "not_found")
    await expect_json(await login(app_client, colleague.login, colleague.password), 200)


@pytest.mark.parametrize("user_id", ["a b", "x" * 65, "%00", "..%2F..%2Fetc"])
async def test_unsafe_path_ids_are_not_found(app_client, world, user_id):
    teacher = await world.teacher()
    response = await app_client.post(f"{PUPILS}/{user_id}/password", headers=teacher.headers)
    await expect_problem(response, 404, "not_found")


async def test_enable_body_is_validated(app_client, world, services):
    teacher = await world.teacher()
    pupil = await world.pupil(teacher)
    for body in ({}, {"enabled": "false"}, {"enabled": 0}):
        response = await app_client.post(
            f"{PUPILS}/{pupil.user_id}/enabled", headers=teacher.headers, json=body
        )
        await expect_problem(response, 400, "invalid_payload")
    record = await pupil_record(services, pupil.user_id)
    assert record is not None
    assert record.status is AccountStatus.ACTIVE
