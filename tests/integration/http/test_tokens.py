"""Access tokens at the door: expiry, forgery, audience, not-before, revocation, headers.

Each refusal is a 401 with a stable code and a ``WWW-Authenticate`` header;
forged tokens are built here the way an attacker would build them, and
revocation is driven through the real endpoints that cause it.
"""

from __future__ import annotations

import base64
import json
from typing import Any

import jwt
import pytest

from community.auth.tokens import TokenSigner
from protocol.api.accounts import AccountKind
from protocol.ids import UserId
from server.services import Services
from tests.conftest import TEST_SECRET
from tests.fakes.clock import FakeClock
from tests.support import PASSWORD, Actor
from tests.support_http import bearer, expect_json, expect_problem

ME = "/api/v1/me"


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def parts(token: str) -> tuple[dict[str, Any], dict[str, Any], str]:
    """Header, claims and signature of a JWT, without checking anything."""
    header, payload, signature = token.split(".")
    return json.loads(_unb64(header)), json.loads(_unb64(payload)), signature


def _segment(value: dict[str, Any]) -> str:
    return _b64(json.dumps(value, separators=(",", ":")).encode())


def assemble(header: dict[str, Any], claims: dict[str, Any], signature: str) -> str:
    return f"{_segment(header)}.{_segment(claims)}.{signature}"


async def epoch_of(services: Services, user_id: UserId) -> int:
    async with services.db.transaction("test.epoch") as uow:
        return (await uow.accounts.get_user(user_id)).token_epoch


async def accepted(client: Any, token: str) -> dict[str, Any]:
    body: dict[str, Any] = await expect_json(await client.get(ME, headers=bearer(token)), 200)
    return body


async def refused(client: Any, token: str, code: str) -> None:
    await expect_problem(await client.get(ME, headers=bearer(token)), 401, code)


async def test_access_token_expires_after_its_ttl(app_client, world, clock, settings):
    teacher = await world.teacher()
    ttl = settings.accounts.access_token_ttl_s
    clock.advance(ttl - 1)
    await accepted(app_client, teacher.access_token)
    clock.advance(1)
    await refused(app_client, teacher.access_token, "token_expired")


async def test_tampered_claims_are_refused(app_client, world):
    teacher = await world.teacher()
    admin = await world.platform_admin()
    header, claims, signature = parts(teacher.access_token)
    impersonating = assemble(header, {**claims, "sub": admin.user_id}, signature)
    await refused(app_client, impersonating, "token_invalid")
    longer = assemble(header, {**claims, "exp": claims["exp"] + 86_400}, signature)
    await refused(app_client, longer, "token_invalid")
    # The untouched token still works: the refusals were about the changes.
    await accepted(app_client, teacher.access_token)


async def test_tampered_signature_is_refused(app_client, world):
    teacher = await world.teacher()
    head, body, signature = teacher.access_token.split(".")
    middle = len(signature) // 2
    other = "A" if signature[middle] != "A" else "B"
    flipped = signature[:middle] + other + signature[middle + 1 :]
    await refused(app_client, f"{head}.{body}.{flipped}", "token_invalid")
    await refused(app_client, f"{head}.{body}.", "token_invalid")


@pytest.mark.parametrize("alg", ["none", "None", "HS512", "RS256"])
async def test_other_algorithms_are_refused(app_client, world, alg):
    teacher = await world.teacher()
    header, claims, signature = parts(teacher.access_token)
    unsigned = assemble({**header, "alg": alg}, claims, "")
    await refused(app_client, unsigned, "token_invalid")
    resigned = assemble({**header, "alg": alg}, claims, signature)
    await refused(app_client, resigned, "token_invalid")


async def test_token_signed_with_another_secret_is_refused(app_client, world):
    teacher = await world.teacher()
    header, claims, _ = parts(teacher.access_token)
    for key in (b"another-secret-that-is-long-enough-0123456789", TEST_SECRET.encode()):
        forged = jwt.encode(claims, key, algorithm="HS256", headers={"kid": header["kid"]})
        await refused(app_client, forged, "token_invalid")
    foreign = TokenSigner(
        "a-secret-of-another-server-0123456789abcdef",
        issuer="jumelage",
        clock=FakeClock(start=claims["iat"]),
    )
    token, _ = foreign.issue_access(
        user_id=teacher.user_id, kind=AccountKind.TEACHER, epoch=claims["epoch"], ttl_s=600
    )
    await refused(app_client, token, "token_invalid")


async def test_join_token_is_not_an_access_token(app_client, world, services):
    admin = await world.teacher(school_admin=True)
    assert admin.school_id is not None
    key = await services.accounts.integrations.create_key(
        admin.principal, admin.school_id, name="LMS", scopes=frozenset({"join_tokens"})
    )
    minted = await app_client.post(
        "/api/v1/integrations/join-tokens",
        headers=bearer(key.secret_key),
        json={"user_id": admin.user_id, "room_id": "room-1"},
    )
    join_token = (await expect_json(minted, 201))["join_token"]
    await refused(app_client, join_token, "token_invalid")


async def test_token_not_valid_yet_is_refused(app_client, world, services, clock):
    teacher = await world.teacher()
    epoch = await epoch_of(services, teacher.user_id)

    def issued_at(offset_s: float) -> str:
        signer = TokenSigner(
            TEST_SECRET, issuer="jumelage", clock=FakeClock(start=clock.now() + offset_s)
        )
        token, _ = signer.issue_access(
            user_id=teacher.user_id, kind=AccountKind.TEACHER, epoch=epoch, ttl_s=900
        )
        return token

    await refused(app_client, issued_at(3600), "token_invalid")
    await refused(app_client, issued_at(60), "token_invalid")
    # A small clock skew between nodes is tolerated.
    assert (await accepted(app_client, issued_at(2)))["user_id"] == teacher.user_id


async def test_rotated_secret_still_accepts_tokens_of_the_previous_one(start_app, world):
    teacher = await world.teacher()
    rotated = await start_app(
        auth={
            "secret_key": "the-new-secret-key-after-rotation-0123456789",
            "previous_secret_keys": [TEST_SECRET],
        }
    )
    await accepted(rotated.client, teacher.access_token)
    forgotten = await start_app(auth={"secret_key": "yet-another-secret-key-0123456789abcdef"})
    await refused(forgotten.client, teacher.access_token, "token_invalid")


async def test_logout_revokes_the_access_token(app_client, world):
    teacher = await world.teacher()
    other_session = await world.sign_in(teacher.login, PASSWORD)
    response = await app_client.post("/api/v1/auth/logout", headers=teacher.headers)
    assert response.status == 204
    await refused(app_client, teacher.access_token, "token_revoked")
    # Sign-out is everywhere: the account's other sessions end as well.
    await refused(app_client, other_session.access_token, "token_revoked")


async def test_suspension_by_the_nso_revokes_the_teacher_token(app_client, world):
    teacher = await world.teacher(country="FR")
    nso = await world.nso_admin("FR")
    response = await app_client.post(
        f"/api/v1/admin/teachers/{teacher.user_id}/status",
        headers=nso.headers,
        json={"status": "suspended", "reason": "complaint under review"},
    )
    assert (await expect_json(response, 200))["status"] == "suspended"
    await refused(app_client, teacher.access_token, "token_revoked")


async def test_disabling_a_pupil_revokes_the_pupil_token(app_client, world):
    teacher = await world.teacher()
    pupil = await world.pupil(teacher)
    response = await app_client.post(
        f"/api/v1/pupils/{pupil.user_id}/enabled", headers=teacher.headers, json={"enabled": False}
    )
    assert (await expect_json(response, 200))["status"] == "disabled"
    await refused(app_client, pupil.access_token, "token_revoked")


async def test_password_change_revokes_tokens_and_switches_the_password(app_client, world):
    teacher = await world.teacher()
    new_password = "a brand new passphrase for spring"
    response = await app_client.post(
        "/api/v1/me/password",
        headers=teacher.headers,
        json={"current_password": PASSWORD, "new_password": new_password},
    )
    assert response.status == 204
    await refused(app_client, teacher.access_token, "token_revoked")
    old = await app_client.post(
        "/api/v1/auth/login", json={"login": teacher.login, "password": PASSWORD}
    )
    await expect_problem(old, 401, "invalid_credentials")
    new = await app_client.post(
        "/api/v1/auth/login", json={"login": teacher.login, "password": new_password}
    )
    await accepted(app_client, (await expect_json(new, 200))["access_token"])


async def test_password_change_with_a_wrong_current_password_changes_nothing(app_client, world):
    teacher = await world.teacher()
    response = await app_client.post(
        "/api/v1/me/password",
        headers=teacher.headers,
        json={"current_password": "not my password", "new_password": "another long passphrase"},
    )
    await expect_problem(response, 401, "invalid_credentials")
    await accepted(app_client, teacher.access_token)
    weak = await app_client.post(
        "/api/v1/me/password",
        headers=teacher.headers,
        json={"current_password": PASSWORD, "new_password": "password1234"},
    )
    assert (await expect_problem(weak, 400, "weak_password"))["details"]["rule"] == "common"
    await accepted(app_client, teacher.access_token)


async def test_pupil_cannot_change_their_own_password(app_client, world):
    teacher = await world.teacher()
    pupil: Actor = await world.pupil(teacher)
    response = await app_client.post(
        "/api/v1/me/password",
        headers=pupil.headers,
        json={"current_password": pupil.password, "new_password": "a pupil's new passphrase"},
    )
    await expect_problem(response, 403, "forbidden")
    await accepted(app_client, pupil.access_token)


@pytest.mark.parametrize(
    "header",
    [
        "Bearer garbage",
        "Bearer a.b.c",
        "Bearer e30.e30.e30",
        "Bearer " + "a" * 5000,
        "Bearer " + ".".join(["eyJhbGciOiJIUzI1NiJ9"] * 3),
    ],
)
async def test_garbage_bearer_tokens_are_invalid(app_client, header):
    response = await app_client.get(ME, headers={"Authorization": header})
    await expect_problem(response, 401, "token_invalid")


@pytest.mark.parametrize("header", ["", "Bearer", "Bearer    ", "Basic dXNlcjpwYXNz", "Token x"])
async def test_missing_or_other_scheme_is_unauthenticated(app_client, header):
    headers = {"Authorization": header} if header else {}
    response = await app_client.get(ME, headers=headers)
    body = await expect_problem(response, 401, "unauthenticated")
    assert response.headers["WWW-Authenticate"] == 'Bearer realm="jumelage"'
    assert "Bearer" in body["detail"]
