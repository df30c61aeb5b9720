"""Logs carry ids, never personal data or secrets: checked on a whole flow.

The test routes every log record through ``server.logs.configure_logging``
(as ``jumelage serve`` does) onto a buffer, runs registration, validation,
pupils, sign-in, refresh, resets, an API key and a join token over HTTP,
including refusals that carry the very data we must not log, and then
searches the buffer for every address, name, pseudonym, password, token and
key it saw. Request ids and user ids, which make logs useful, must be there.
"""

from __future__ import annotations

import io
import json
import logging
import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
import structlog

from server.config import LoggingSettings
from server.logs import configure_logging
from tests.support_http import bearer, expect_json, expect_problem

EMAIL = re.compile(r"[\w.+-]+@[\w-]+(\.[\w-]+)+")
JWT = re.compile(r"eyJ[\w-]+\.[\w-]+\.[\w-]*")
TEACHER_EMAIL = "amelie.rousseau@example.org"
TEACHER_NAME = "Amélie Rousseau-Lefèvre"
TEACHER_PASSWORD = "lanterne violette sur la colline"
OFFICER_EMAIL = "helene.durand@example.org"
OFFICER_NAME = "Hélène Durand"
PSEUDONYMS = ("Zoé K.", "Malo T.")
REFUSED_FULL_NAME = "Juliette Marchand"


@contextmanager
def captured_logs(level: str, fmt: str) -> Iterator[io.StringIO]:
    """Every record rendered by our logging setup, then the previous setup back."""
    root = logging.getLogger()
    handlers, root_level = list(root.handlers), root.level
    levels = {
        name: logger.level
        for name, logger in logging.root.manager.loggerDict.items()
        if isinstance(logger, logging.Logger)
    }
    saved_structlog = structlog.get_config()
    stream = io.StringIO()
    configure_logging(LoggingSettings(level=level, format=fmt), stream=stream)
    try:
        yield stream
    finally:
        root.handlers = handlers
        root.setLevel(root_level)
        for name, value in levels.items():
            logging.getLogger(name).setLevel(value)
        structlog.configure(**saved_structlog)


class Flow:
    """Runs the product over HTTP and remembers what must not be logged."""

    def __init__(self, client: Any) -> None:
        self.client = client
        self.secrets: dict[str, str] = {}
        self.request_ids: list[str] = []
        self.user_ids: dict[str, str] = {}

    def keep(self, label: str, value: str) -> str:
        self.secrets[f"{label}#{len(self.secrets)}"] = value
        return value

    async def call(self, method: str, path: str, token: str | None = None, **kw: Any) -> Any:
        headers = bearer(token) if token else {}
        response = await self.client.request(method, path, headers=headers, **kw)
        self.request_ids.append(response.headers["X-Request-Id"])
        return response

    async def tokens(self, label: str, response: Any) -> dict[str, Any]:
        pair: dict[str, Any] = await expect_json(response, 200)
        self.keep(f"{label} access token", pair["access_token"])
        self.keep(f"{label} refresh token", pair["refresh_token"])
        return pair

    async def sign_in(self, label: str, login: str, password: str) -> dict[str, Any]:
        body = {"login": login, "password": password}
        return await self.tokens(label, await self.call("POST", "/api/v1/auth/login", json=body))


def _registration(email: str, password: str, name: str) -> dict[str, Any]:
    return {
        "email": email,
        "password": password,
        "full_name": name,
        "new_school": {
            "name": "Lycée des Tilleuls",
            "country_code": "FR",
            "city": "Nantes",
            "school_type": "upper_secondary",
            "age_min": 15,
            "age_max": 18,
        },
    }


async def run_flow(flow: Flow, world: Any) -> None:
    """Everything an account's life touches, with a few refusals on the way."""
    for value in (TEACHER_EMAIL, TEACHER_NAME, TEACHER_PASSWORD, OFFICER_EMAIL, OFFICER_NAME):
        flow.keep("given", value)
    for value in (*PSEUDONYMS, REFUSED_FULL_NAME):
        flow.keep("pupil name", value)
    register = _registration(TEACHER_EMAIL, TEACHER_PASSWORD, TEACHER_NAME)
    await expect_json(await flow.call("POST", "/api/v1/auth/register", json=register), 202)
    again = _registration(TEACHER_EMAIL, "une autre phrase secrète", TEACHER_NAME)
    flow.keep("password", "une autre phrase secrète")
    await expect_json(await flow.call("POST", "/api/v1/auth/register", json=again), 202)
    weak = _registration("weak.person@example.org", "my person pass 2024", "Weak Person")
    await expect_problem(
        await flow.call("POST", "/api/v1/auth/register", json=weak), 400, "weak_password"
    )
    flow.keep("password", "my person pass 2024")

    platform = await world.platform_admin()
    flow.keep("platform token", platform.access_token)
    officer_body = {
        "kind": "nso_admin",
        "email": OFFICER_EMAIL,
        "full_name": OFFICER_NAME,
        "country_code": "FR",
    }
    officer = await expect_json(
        await flow.call("POST", "/api/v1/admin/admins", platform.access_token, json=officer_body),
        201,
    )
    flow.user_ids["officer"] = officer["user_id"]
    one_time = flow.keep("one-time password", officer["one_time_password"])
    nso = await flow.sign_in("officer", OFFICER_EMAIL, one_time)

    teacher = await flow.sign_in("teacher", TEACHER_EMAIL, TEACHER_PASSWORD)
    teacher_id = flow.user_ids["teacher"] = teacher["user_id"]
    for path, body in (
        (f"/api/v1/admin/teachers/{teacher_id}/status", {"status": "validated", "reason": "ok"}),
        (f"/api/v1/admin/teachers/{teacher_id}/school-admin", {"is_school_admin": True}),
    ):
        await expect_json(await flow.call("POST", path, nso["access_token"], json=body), 200)
    wrong = {"login": TEACHER_EMAIL, "password": "devinette-incorrecte-42"}
    flow.keep("wrong password", wrong["password"])
    await expect_problem(
        await flow.call("POST", "/api/v1/auth/login", json=wrong), 401, "invalid_credentials"
    )
    ghost = {"login": "ghost.person@example.org", "password": TEACHER_PASSWORD}
    await expect_problem(
        await flow.call("POST", "/api/v1/auth/login", json=ghost), 401, "invalid_credentials"
    )

    rotated = await flow.tokens(
        "rotated",
        await flow.call(
            "POST", "/api/v1/auth/refresh", json={"refresh_token": teacher["refresh_token"]}
        ),
    )
    replay = await flow.call(
        "POST", "/api/v1/auth/refresh", json={"refresh_token": teacher["refresh_token"]}
    )
    await expect_problem(replay, 401, "token_revoked")
    teacher = await flow.sign_in("teacher again", TEACHER_EMAIL, TEACHER_PASSWORD)
    token = teacher["access_token"]
    assert rotated["user_id"] == teacher_id

    pupils_body = {"class_label": "2nde B", "pupils": [{"display_name": n} for n in PSEUDONYMS]}
    created = await expect_json(
        await flow.call("POST", "/api/v1/pupils", token, json=pupils_body), 201
    )
    refused = {"class_label": "2nde B", "pupils": [{"display_name": REFUSED_FULL_NAME}]}
    await expect_problem(
        await flow.call("POST", "/api/v1/pupils", token, json=refused), 400, "invalid_payload"
    )
    pupil = created["pupils"][0]
    flow.user_ids["pupil"] = pupil["user_id"]
    for issued in created["pupils"]:
        flow.keep("pupil password", issued["password"])
    pupil_tokens = await flow.sign_in("pupil", pupil["login"], pupil["password"])
    await expect_json(await flow.call("GET", "/api/v1/me", pupil_tokens["access_token"]), 200)
    reset = await expect_json(
        await flow.call("POST", f"/api/v1/pupils/{pupil['user_id']}/password", token), 200
    )
    flow.keep("reset password", reset["password"])
    await flow.sign_in("pupil again", pupil["login"], reset["password"])
    for enabled in (False, True):
        path = f"/api/v1/pupils/{pupil['user_id']}/enabled"
        await expect_json(await flow.call("POST", path, token, json={"enabled": enabled}), 200)
    await expect_json(await flow.call("GET", "/api/v1/pupils", token), 200)

    school_id = (await expect_json(await flow.call("GET", "/api/v1/me", token), 200))["school"][
        "id"
    ]
    key = await expect_json(
        await flow.call(
            "POST", f"/api/v1/schools/{school_id}/api-keys", token, json={"name": "ENT"}
        ),
        201,
    )
    flow.keep("api key", key["secret_key"])
    flow.keep("api key secret", key["secret_key"].split("_", 2)[2])
    minted = await expect_json(
        await flow.call(
            "POST",
            "/api/v1/integrations/join-tokens",
            key["secret_key"],
            json={"user_id": pupil["user_id"], "room_id": "room-privacy"},
        ),
        201,
    )
    flow.keep("join token", minted["join_token"])
    forged = f"{key['secret_key']}x"
    flow.keep("forged key", forged)
    await expect_problem(
        await flow.call(
            "POST",
            "/api/v1/integrations/join-tokens",
            forged,
            json={"user_id": "u", "room_id": "r"},
        ),
        401,
        "token_invalid",
    )

    new_password = flow.keep("new password", "un nouveau mot de passe printanier")
    change = {"current_password": TEACHER_PASSWORD, "new_password": new_password}
    response = await flow.call("POST", "/api/v1/me/password", token, json=change)
    assert response.status == 204
    final = await flow.sign_in("teacher last", TEACHER_EMAIL, new_password)
    response = await flow.call("POST", "/api/v1/auth/logout", final["access_token"])
    assert response.status == 204
    await expect_problem(
        await flow.call("GET", "/api/v1/me", final["access_token"]), 401, "token_revoked"
    )


def _decoded(output: str, fmt: str) -> str:
    """The output with JSON escapes undone, so that "Am\\u00e9lie" is found too."""
    if fmt != "json":
        return output
    lines = [json.loads(line) for line in output.splitlines() if line.strip()]
    return "\n".join(json.dumps(line, ensure_ascii=False) for line in lines)


@pytest.mark.parametrize(
    ("level", "fmt"), [("INFO", "json"), ("DEBUG", "json"), ("DEBUG", "console")]
)
async def test_logs_hold_ids_but_no_personal_data_or_secrets(app_client, world, level, fmt):
    flow = Flow(app_client)
    with captured_logs(level, fmt) as stream:
        await run_flow(flow, world)
    output = stream.getvalue()
    text = output + "\n" + _decoded(output, fmt)

    leaked = [label for label, value in flow.secrets.items() if value in text]
    assert leaked == []
    assert EMAIL.search(text) is None, EMAIL.search(text)
    assert JWT.search(text) is None
    assert "jmlg_" not in text
    assert "$argon2" not in text

    missing_requests = [r for r in flow.request_ids if r not in output]
    assert missing_requests == []
    for who, user_id in flow.user_ids.items():
        assert user_id in output, f"{who}'s user id is not in the logs"
    assert "refresh token replayed" in output
