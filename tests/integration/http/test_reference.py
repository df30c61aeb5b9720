"""Public reference data: the participating countries and the school register."""

from __future__ import annotations

import pytest

from tests.support_http import expect_json, expect_problem


async def test_countries_are_the_participating_ones(app_client):
    body = await expect_json(await app_client.get("/api/v1/countries"), 200)
    assert body["version"]
    codes = [c["code"] for c in body["countries"]]
    assert {"FR", "DE", "IT", "PL", "UA"} <= set(codes)
    assert "GB" not in codes
    assert len(codes) == len(set(codes))
    france = next(c for c in body["countries"] if c["code"] == "FR")
    assert france["timezone"] == "Europe/Paris"
    assert france["group"] == "eu"


async def test_countries_follow_the_clock(app_client, clock):
    # Before the United Kingdom left (end of 2020), it took part.
    clock.advance(-(clock.now() - 1_600_000_000))
    body = await expect_json(await app_client.get("/api/v1/countries"), 200)
    assert "GB" in [c["code"] for c in body["countries"]]


async def test_schools_by_country_and_name_prefix(app_client, world):
    await world.school("FR", name="École Victor Hugo")
    await world.school("FR", name="Lycée Victor Duruy")
    await world.school("BE", name="École communale")

    async def names(**params: str) -> set[str]:
        # Sets: the order of accented names follows the database's collation.
        response = await app_client.get("/api/v1/schools", params=params)
        return {s["name"] for s in (await expect_json(response, 200))["items"]}

    assert await names(country="FR") == {"Lycée Victor Duruy", "École Victor Hugo"}
    assert await names(q="école") == {"École Victor Hugo", "École communale"}
    assert await names(q="ÉCOLE C") == {"École communale"}
    assert await names(country="BE", q="lycée") == set()
    assert await names(country="DE") == set()


@pytest.mark.parametrize("q", ["%", "_", "\\", "École%", "É_ole"])
async def test_name_prefix_wildcards_match_literally(app_client, world, q):
    await world.school("FR", name="École Victor Hugo")
    response = await app_client.get("/api/v1/schools", params={"q": q})
    assert (await expect_json(response, 200))["items"] == []


async def test_school_view_shows_no_people(app_client, world):
    teacher = await world.teacher(country="SI", school_name="Osnovna šola Prule")
    response = await app_client.get("/api/v1/schools", params={"country": "SI"})
    text = await response.text()
    (school,) = (await expect_json(response, 200))["items"]
    assert school["id"] == teacher.school_id
    assert set(school) == {
        "id",
        "name",
        "country_code",
        "city",
        "school_type",
        "age_min",
        "age_max",
        "languages",
    }
    assert teacher.login not in text
    assert teacher.user_id not in text


@pytest.mark.parametrize("params", [{"q": ""}, {"q": "x" * 101}, {"country": "France"}])
async def test_bad_school_queries_are_refused(app_client, params):
    response = await app_client.get("/api/v1/schools", params=params)
    await expect_problem(response, 400, "invalid_payload")
