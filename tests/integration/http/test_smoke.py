"""The app starts on both databases and serves its basic routes."""

from __future__ import annotations


async def test_health_answers(app_client):
    response = await app_client.get("/health")
    assert response.status == 200
    assert (await response.json())["status"] == "ok"


async def test_teacher_signs_in_and_reads_own_account(world, app_client):
    teacher = await world.teacher(country="DE")
    response = await app_client.get("/api/v1/me", headers=teacher.headers)
    assert response.status == 200
    body = await response.json()
    assert body["kind"] == "teacher"
    assert body["status"] == "validated"
    assert body["country_code"] == "DE"
