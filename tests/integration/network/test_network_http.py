"""The networking area over HTTP: access rules, and each resource end to end.

Every route of ``server/http/network.py`` is for validated teachers only: the
first test walks the whole route table as a pupil, a pending teacher, an NSO
admin and an anonymous caller.
"""

from __future__ import annotations

import asyncio
import re
from datetime import timedelta
from typing import Any

from community.clock import utc_now
from server.http.network import routes
from tests.support import Actor, World
from tests.support_http import expect_json, expect_problem

DAY_S = 24 * 3600
PROFILE = {
    "bio": "Je fais du théâtre en anglais avec mes élèves.",
    "subjects": ["drama", "foreign_languages"],
    "languages": ["fr", "en"],
    "interests": ["théâtre", "Erasmus days"],
    "age_min": 11,
    "age_max": 15,
    "looking_for_partners": True,
}
POST = {
    "title": "Contes d'hiver / Winter tales",
    "description": "Deux classes écrivent et jouent des contes, en anglais.",
    "subjects": ["drama"],
    "languages": ["en", "fr"],
    "age_min": 10,
    "age_max": 13,
    "wanted_countries": ["DE", "PL"],
}


def concrete(path: str) -> str:
    return re.sub(r"\{\w+\}", "x", path)


async def test_every_networking_route_refuses_everyone_but_validated_teachers(
    world: World, app_client
):
    teacher = await world.teacher()
    pupil = await world.pupil(teacher)
    pending = await world.teacher(validated=False)
    nso = await world.nso_admin("FR")
    callers: list[tuple[Actor | None, int, str]] = [
        (pupil, 403, "forbidden"),
        (pending, 403, "account_not_active"),
        (nso, 403, "forbidden"),
        (None, 401, "unauthenticated"),
    ]
    assert len(routes.routes) >= 15
    for caller, status, code in callers:
        headers = {} if caller is None else caller.headers
        for route in routes.routes:
            response = await app_client.request(
                route.method, concrete(route.path), headers=headers, json={}
            )
            await expect_problem(response, status, code)


async def test_pupil_cannot_ask_for_a_contact_and_nothing_changes(world: World, app_client):
    teacher = await world.teacher()
    pupil = await world.pupil(teacher)
    response = await app_client.post(
        "/api/v1/network/contacts", json={"user_id": teacher.user_id}, headers=pupil.headers
    )
    await expect_problem(response, 403, "forbidden")
    incoming = await app_client.get(
        "/api/v1/network/contacts", params={"status": "incoming"}, headers=teacher.headers
    )
    assert (await expect_json(incoming, 200))["items"] == []


async def put_profile(client, actor: Actor, **changes: Any):
    return await client.put(
        f"/api/v1/network/profiles/{actor.user_id}",
        json={**PROFILE, **changes},
        headers=actor.headers,
    )


async def test_profile_is_saved_by_its_teacher_and_read_by_others(world: World, app_client):
    alice = await world.teacher(country="FR")
    bruno = await world.teacher(country="DE")

    unsaved = await expect_json(
        await app_client.get(f"/api/v1/network/profiles/{alice.user_id}", headers=bruno.headers),
        200,
    )
    assert unsaved["updated_at"] is None
    assert (unsaved["age_min"], unsaved["age_max"]) == (10, 15)  # the school's range

    saved = await expect_json(await put_profile(app_client, alice), 200)
    assert saved["subjects"] == ["drama", "foreign_languages"]
    assert saved["updated_at"] is not None

    seen = await expect_json(
        await app_client.get(f"/api/v1/network/profiles/{alice.user_id}", headers=bruno.headers),
        200,
    )
    assert seen["bio"] == PROFILE["bio"]
    assert seen["school"]["country_code"] == "FR"
    assert seen["interests"] == ["théâtre", "Erasmus days"]


async def test_editing_someone_elses_profile_is_forbidden_and_changes_nothing(
    world: World, app_client
):
    alice = await world.teacher()
    bruno = await world.teacher()
    await expect_json(await put_profile(app_client, alice), 200)

    response = await app_client.put(
        f"/api/v1/network/profiles/{alice.user_id}",
        json={**PROFILE, "bio": "hijacked"},
        headers=bruno.headers,
    )

    await expect_problem(response, 403, "forbidden")
    seen = await expect_json(
        await app_client.get(f"/api/v1/network/profiles/{alice.user_id}", headers=alice.headers),
        200,
    )
    assert seen["bio"] == PROFILE["bio"]


async def test_profile_with_unknown_codes_is_refused_and_not_saved(world: World, app_client):
    alice = await world.teacher()
    for changes, field in (
        ({"subjects": ["astrology"]}, "subjects"),
        ({"languages": ["xx"]}, "languages"),
    ):
        body = await expect_problem(
            await put_profile(app_client, alice, **changes), 400, "invalid_payload"
        )
        assert body["details"]["field"] == field
    await expect_problem(
        await put_profile(app_client, alice, age_min=15, age_max=11), 400, "invalid_payload"
    )
    await expect_problem(
        await put_profile(app_client, alice, languages=["FR"]), 400, "invalid_payload"
    )
    seen = await expect_json(
        await app_client.get(f"/api/v1/network/profiles/{alice.user_id}", headers=alice.headers),
        200,
    )
    assert seen["updated_at"] is None


async def test_pending_teachers_profile_is_not_found(world: World, app_client):
    alice = await world.teacher()
    pending = await world.teacher(validated=False)
    response = await app_client.get(
        f"/api/v1/network/profiles/{pending.user_id}", headers=alice.headers
    )
    await expect_problem(response, 404, "not_found")


async def test_contact_flow_over_http(world: World, app_client):
    alice = await world.teacher(country="FR")
    bruno = await world.teacher(country="DE")

    sent = await expect_json(
        await app_client.post(
            "/api/v1/network/contacts", json={"user_id": bruno.user_id}, headers=alice.headers
        ),
        201,
    )
    assert sent["status"] == "pending" and sent["is_incoming"] is False
    await expect_problem(
        await app_client.post(
            f"/api/v1/network/contacts/{bruno.user_id}/accept", headers=alice.headers
        ),
        403,
        "forbidden",
    )
    await expect_problem(
        await app_client.post(
            "/api/v1/network/contacts", json={"user_id": alice.user_id}, headers=bruno.headers
        ),
        409,
        "contact_exists",
    )
    await expect_problem(
        await app_client.post(
            "/api/v1/network/contacts", json={"user_id": alice.user_id}, headers=alice.headers
        ),
        400,
        "contact_self",
    )
    accepted = await expect_json(
        await app_client.post(
            f"/api/v1/network/contacts/{alice.user_id}/accept", headers=bruno.headers
        ),
        200,
    )
    assert accepted["status"] == "accepted" and accepted["is_incoming"] is True

    mine = await expect_json(
        await app_client.get("/api/v1/network/contacts", headers=alice.headers), 200
    )
    assert [c["user_id"] for c in mine["items"]] == [bruno.user_id]

    response = await app_client.delete(
        f"/api/v1/network/contacts/{bruno.user_id}", headers=alice.headers
    )
    assert response.status == 204
    mine = await expect_json(
        await app_client.get("/api/v1/network/contacts", headers=alice.headers), 200
    )
    assert mine["items"] == []


async def test_decline_cooldown_over_http(world: World, app_client):
    alice = await world.teacher()
    bruno = await world.teacher()
    ask = {"json": {"user_id": bruno.user_id}, "headers": alice.headers}
    await expect_json(await app_client.post("/api/v1/network/contacts", **ask), 201)
    await expect_json(
        await app_client.post(
            f"/api/v1/network/contacts/{alice.user_id}/decline", headers=bruno.headers
        ),
        200,
    )
    body = await expect_problem(
        await app_client.post("/api/v1/network/contacts", **ask), 409, "contact_cooldown"
    )
    assert body["details"]["retry_after_s"] > 29 * DAY_S
    world.clock.advance(30 * DAY_S + 1)
    alice = await world.sign_in(alice.login, alice.password)  # the old token expired
    ask["headers"] = alice.headers
    await expect_json(await app_client.post("/api/v1/network/contacts", **ask), 201)


async def create_post(client, actor: Actor, **changes: Any) -> dict[str, Any]:
    response = await client.post(
        "/api/v1/network/posts", json={**POST, **changes}, headers=actor.headers
    )
    return await expect_json(response, 201)


async def search(client, actor: Actor, **params: Any) -> dict[str, Any]:
    response = await client.get("/api/v1/network/search", params=params, headers=actor.headers)
    return await expect_json(response, 200)


async def test_post_lifecycle_and_search(world: World, app_client):
    alice = await world.teacher(country="FR")
    bruno = await world.teacher(country="PL")
    post = await create_post(app_client, alice)
    assert post["status"] == "open" and post["wanted_countries"] == ["DE", "PL"]

    found = await search(app_client, bruno, q="CONTES hiver", kind="post")
    assert [i["id"] for i in found["items"]] == [post["id"]]
    assert found["items"][0]["title"] == POST["title"]

    changed = await expect_json(
        await app_client.patch(
            f"/api/v1/network/posts/{post['id']}",
            json={"title": "Printemps"},
            headers=alice.headers,
        ),
        200,
    )
    assert changed["title"] == "Printemps" and changed["description"] == POST["description"]
    assert (await search(app_client, bruno, q="hiver", kind="post"))["total"] == 0
    assert (await search(app_client, bruno, q="printemps"))["total"] == 1

    closed = await expect_json(
        await app_client.post(f"/api/v1/network/posts/{post['id']}/close", headers=alice.headers),
        200,
    )
    assert closed["status"] == "closed"
    assert (await search(app_client, bruno, q="printemps"))["total"] == 0
    await expect_problem(
        await app_client.patch(
            f"/api/v1/network/posts/{post['id']}", json={"title": "Again"}, headers=alice.headers
        ),
        409,
        "invalid_transition",
    )
    read = await expect_json(
        await app_client.get(f"/api/v1/network/posts/{post['id']}", headers=bruno.headers), 200
    )
    assert read["status"] == "closed"
    mine = await expect_json(
        await app_client.get("/api/v1/network/posts", headers=alice.headers), 200
    )
    assert [p["id"] for p in mine["items"]] == [post["id"]]
    theirs = await expect_json(
        await app_client.get(
            "/api/v1/network/posts", params={"author_id": alice.user_id}, headers=bruno.headers
        ),
        200,
    )
    assert theirs["items"] == []

    response = await app_client.delete(f"/api/v1/network/posts/{post['id']}", headers=alice.headers)
    assert response.status == 204
    await expect_problem(
        await app_client.get(f"/api/v1/network/posts/{post['id']}", headers=alice.headers),
        404,
        "not_found",
    )


async def test_someone_elses_post_cannot_be_changed(world: World, app_client):
    alice = await world.teacher()
    bruno = await world.teacher()
    post = await create_post(app_client, alice)
    url = f"/api/v1/network/posts/{post['id']}"
    await expect_problem(
        await app_client.patch(url, json={"title": "Mine now"}, headers=bruno.headers),
        403,
        "forbidden",
    )
    await expect_problem(
        await app_client.post(f"{url}/close", headers=bruno.headers), 403, "forbidden"
    )
    await expect_problem(await app_client.delete(url, headers=bruno.headers), 403, "forbidden")
    still = await expect_json(await app_client.get(url, headers=alice.headers), 200)
    assert still["title"] == POST["title"] and still["status"] == "open"
    assert (await search(app_client, bruno, q="winter"))["total"] == 1


async def test_expired_posts_leave_search(world: World, app_client):
    alice = await world.teacher()
    expires = utc_now(world.clock) + timedelta(days=3)
    post = await create_post(app_client, alice, expires_at=expires.isoformat())
    assert (await search(app_client, alice, q="winter"))["total"] == 1
    world.clock.advance(3 * DAY_S)
    alice = await world.sign_in(alice.login, alice.password)  # the old token expired
    assert (await search(app_client, alice, q="winter"))["total"] == 0
    read = await expect_json(
        await app_client.get(f"/api/v1/network/posts/{post['id']}", headers=alice.headers), 200
    )
    assert read["is_expired"] is True


async def test_post_expiry_must_be_in_the_coming_year(world: World, app_client):
    alice = await world.teacher()
    now = utc_now(world.clock)
    for moment in (now - timedelta(days=1), now + timedelta(days=400)):
        response = await app_client.post(
            "/api/v1/network/posts",
            json={**POST, "expires_at": moment.isoformat()},
            headers=alice.headers,
        )
        await expect_problem(response, 400, "invalid_payload")
    mine = await expect_json(
        await app_client.get("/api/v1/network/posts", headers=alice.headers), 200
    )
    assert mine["items"] == []


async def test_search_filters_facets_and_pages_over_http(world: World, app_client):
    alice = await world.teacher(country="FR")
    bruno = await world.teacher(country="DE")
    carla = await world.teacher(country="IT")
    for actor in (alice, bruno, carla):
        await expect_json(await put_profile(app_client, actor), 200)
    await create_post(app_client, alice)

    everything = await search(app_client, alice, q="theatre")
    assert everything["total"] == 4
    kinds = {f["value"]: f["count"] for f in everything["facets"]["kind"]}
    assert kinds == {"profile": 3, "post": 1}
    assert sum(f["count"] for f in everything["facets"]["country"]) == 4

    two = await search(app_client, alice, q="theatre", country=["FR", "DE"], kind="profile")
    assert sorted(i["id"] for i in two["items"]) == sorted([alice.user_id, bruno.user_id])

    seen: list[str] = []
    cursor = None
    while True:
        params: dict[str, Any] = {"q": "théâtre", "limit": 1}
        if cursor:
            params["cursor"] = cursor
        page = await search(app_client, alice, **params)
        seen += [i["id"] for i in page["items"]]
        cursor = page.get("next_cursor")
        if not cursor:
            break
    assert len(seen) == len(set(seen)) == 4


async def test_search_syntax_characters_are_plain_words_over_http(world: World, app_client):
    alice = await world.teacher()
    await expect_json(await put_profile(app_client, alice), 200)
    for q in ['"', 'theatre"', "théâtre*", "NEAR(théâtre", "-theatre", "a:* & !b", "(("]:
        await search(app_client, alice, q=q)


async def test_search_refuses_unknown_filter_values(world: World, app_client):
    alice = await world.teacher()
    for params in (
        {"subject": "astrology"},
        {"language": "xx"},
        {"country": "ZZ"},
        {"school_type": "castle"},
        {"age_min": 15, "age_max": 11},
        {"cursor": "garbage"},
    ):
        response = await app_client.get(
            "/api/v1/network/search", params=params, headers=alice.headers
        )
        await expect_problem(response, 400, "invalid_payload")


async def test_country_detail_names_the_nso_or_marks_a_placeholder(world: World, app_client):
    alice = await world.teacher()

    async def country(code: str):
        return await app_client.get(f"/api/v1/countries/{code}", headers=alice.headers)

    france = await expect_json(await country("FR"), 200)
    assert france["nso"]["name"] == "Réseau Canopé"
    assert france["nso"]["is_generic"] is False
    austria = await expect_json(await country("AT"), 200)
    assert austria["nso"]["is_generic"] is True
    assert austria["nso"]["verification"] == "U"
    britain = await expect_json(await country("GB"), 200)
    assert britain["is_participating"] is False and britain["nso"] is None
    await expect_problem(await country("ZZ"), 404, "not_found")


async def test_vocabulary_lists_subjects_and_iso_languages(world: World, app_client):
    alice = await world.teacher()
    body = await expect_json(
        await app_client.get("/api/v1/network/vocabulary", headers=alice.headers), 200
    )
    assert {"code": "fr", "label": "French"} in body["languages"]
    assert any(s["code"] == "history" for s in body["subjects"])


async def test_openapi_documents_the_networking_routes(app_client):
    document = await expect_json(await app_client.get("/api/v1/openapi.json"), 200)
    assert "/api/v1/network/search" in document["paths"]
    assert "/api/v1/countries/{code}" in document["paths"]
    operation = document["paths"]["/api/v1/network/search"]["get"]
    assert {p["name"] for p in operation["parameters"]} >= {"q", "country", "subject", "cursor"}


async def test_the_search_mirror_loads_at_start_while_health_answers(app_client, services):
    health = await app_client.get("/health")
    assert health.status == 200  # not held up by the warm-up
    sync = services.db._search_mirror
    for _ in range(200):
        if sync.reloads:
            break
        await asyncio.sleep(0.02)
    assert sync.reloads == 1  # loaded without any search
