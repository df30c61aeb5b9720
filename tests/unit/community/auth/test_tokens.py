"""``TokenSigner``: what it issues verifies, and nothing else does.

Hostile tokens are built with PyJWT directly, so each test changes exactly
one thing about an otherwise valid token.
"""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime
from typing import Any

import jwt
import pytest

from community.auth.tokens import (
    ACCESS_AUDIENCE,
    CLOCK_LEEWAY_S,
    JOIN_AUDIENCE,
    MAX_TOKEN_LEN,
    REQUIRED_CLAIMS,
    TokenSigner,
    derive_key,
)
from community.errors import TokenExpired, TokenInvalid
from protocol import ErrorCode, RoomId, UserId
from protocol.api.accounts import AccountKind
from protocol.api.grants import Grants, RoomRole
from tests.fakes.clock import FakeClock

SECRET = "the-current-server-secret-0123456789abcdef"
OLD_SECRET = "the-previous-server-secret-0123456789abcdef"
OTHER_SECRET = "somebody-elses-server-secret-0123456789abc"
ISSUER = "jumelage"
START = 1_800_000_000
KEY = derive_key(SECRET, "jwt")
USER = UserId("0b6f7c3e-2d1a-4c5e-9f8a-1a2b3c4d5e6f")
ROOM = RoomId("room-6b")
PUPIL_GRANTS = Grants(may_publish=True, may_draw=True, may_chat=True)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(start=float(START))


@pytest.fixture
def signer(clock: FakeClock) -> TokenSigner:
    return TokenSigner(SECRET, issuer=ISSUER, clock=clock)


@pytest.fixture
def kid(signer: TokenSigner) -> str:
    """The key id the signer puts in its tokens' headers."""
    token, _ = signer.issue_access(user_id=USER, kind=AccountKind.TEACHER, epoch=0, ttl_s=60)
    return str(jwt.get_unverified_header(token)["kid"])


def access_payload(**changes: Any) -> dict[str, Any]:
    payload: dict[str, Any] = {
        "iss": ISSUER,
        "aud": ACCESS_AUDIENCE,
        "sub": USER,
        "iat": START,
        "nbf": START,
        "exp": START + 300,
        "jti": "token-1",
        "typ": "access",
        "epoch": 3,
        "kind": "teacher",
    }
    payload.update(changes)
    return payload


def join_payload(**changes: Any) -> dict[str, Any]:
    payload = access_payload(
        aud=JOIN_AUDIENCE,
        typ="join",
        room=ROOM,
        role="pupil",
        grants=PUPIL_GRANTS.model_dump(),
        minted_by="user",
    )
    del payload["kind"]
    payload.update(changes)
    return payload


def sign(
    payload: dict[str, Any],
    kid: str | None,
    *,
    key: bytes = KEY,
    algorithm: str = "HS256",
    headers: dict[str, Any] | None = None,
) -> str:
    all_headers = dict(headers or {})
    if kid is not None:
        all_headers["kid"] = kid
    return jwt.encode(payload, key, algorithm=algorithm, headers=all_headers)


def b64(data: dict[str, Any]) -> str:
    raw = json.dumps(data, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def pupil_join_token(signer: TokenSigner, *, ttl_s: int) -> str:
    token, _ = signer.issue_join(
        user_id=USER,
        room_id=ROOM,
        role=RoomRole.PUPIL,
        grants=PUPIL_GRANTS,
        epoch=0,
        ttl_s=ttl_s,
        minted_by="user",
    )
    return token


def assert_invalid(signer: TokenSigner, token: str, *, join: bool = False) -> None:
    verify = signer.verify_join if join else signer.verify_access
    with pytest.raises(TokenInvalid) as caught:
        verify(token)
    assert caught.value.code is ErrorCode.TOKEN_INVALID


# -- what we issue verifies ----------------------------------------------------


def test_access_token_round_trip(signer: TokenSigner):
    token, expires_at = signer.issue_access(
        user_id=USER, kind=AccountKind.PUPIL, epoch=7, ttl_s=900
    )
    claims = signer.verify_access(token)
    assert claims.user_id == USER
    assert claims.kind is AccountKind.PUPIL
    assert claims.epoch == 7
    assert claims.expires_at == expires_at == datetime.fromtimestamp(START + 900, UTC)
    assert claims.token_id
    header = jwt.get_unverified_header(token)
    assert header["alg"] == "HS256"


def test_join_token_round_trip(signer: TokenSigner):
    grants = Grants(may_chat=True)
    token, expires_at = signer.issue_join(
        user_id=USER,
        room_id=ROOM,
        role=RoomRole.OBSERVER,
        grants=grants,
        epoch=2,
        ttl_s=120,
        minted_by="api_key:k1",
    )
    claims = signer.verify_join(token)
    assert claims.user_id == USER
    assert claims.room_id == ROOM
    assert claims.role is RoomRole.OBSERVER
    assert claims.grants == grants
    assert claims.epoch == 2
    assert claims.minted_by == "api_key:k1"
    assert claims.expires_at == expires_at == datetime.fromtimestamp(START + 120, UTC)


def test_each_token_has_its_own_id(signer: TokenSigner):
    first, _ = signer.issue_access(user_id=USER, kind=AccountKind.TEACHER, epoch=0, ttl_s=60)
    second, _ = signer.issue_access(user_id=USER, kind=AccountKind.TEACHER, epoch=0, ttl_s=60)
    assert signer.verify_access(first).token_id != signer.verify_access(second).token_id


def test_hand_built_tokens_verify_when_nothing_is_wrong(signer: TokenSigner, kid: str):
    # The baseline every negative test below changes one thing of.
    assert signer.verify_access(sign(access_payload(), kid)).epoch == 3
    assert signer.verify_join(sign(join_payload(), kid)).grants == PUPIL_GRANTS


# -- time ------------------------------------------------------------------------


def test_expired_token(signer: TokenSigner, clock: FakeClock):
    token, _ = signer.issue_access(user_id=USER, kind=AccountKind.TEACHER, epoch=0, ttl_s=60)
    clock.advance(59)
    assert signer.verify_access(token).user_id == USER
    clock.advance(1)
    with pytest.raises(TokenExpired) as caught:
        signer.verify_access(token)
    assert caught.value.code is ErrorCode.TOKEN_EXPIRED


def test_expired_join_token(signer: TokenSigner, clock: FakeClock):
    token = pupil_join_token(signer, ttl_s=30)
    clock.advance(3600)
    with pytest.raises(TokenExpired):
        signer.verify_join(token)


def test_not_before_within_the_leeway_is_accepted(signer: TokenSigner, kid: str):
    token = sign(access_payload(nbf=START + CLOCK_LEEWAY_S), kid)
    assert signer.verify_access(token).user_id == USER


@pytest.mark.parametrize("ahead_s", [CLOCK_LEEWAY_S + 1, 60, 86_400])
def test_not_before_in_the_future_is_refused(signer: TokenSigner, kid: str, ahead_s: int):
    assert_invalid(signer, sign(access_payload(nbf=START + ahead_s), kid))


@pytest.mark.parametrize("claim", ["nbf", "exp"])
def test_times_that_are_not_numbers_are_refused(signer: TokenSigner, kid: str, claim: str):
    assert_invalid(signer, sign(access_payload(**{claim: "soon"}), kid))


# -- signatures, keys and algorithms --------------------------------------------


def test_tampered_signature(signer: TokenSigner):
    token, _ = signer.issue_access(user_id=USER, kind=AccountKind.TEACHER, epoch=0, ttl_s=60)
    header, payload, signature = token.split(".")
    middle = len(signature) // 2
    flipped = "A" if signature[middle] != "A" else "B"
    forged = f"{header}.{payload}.{signature[:middle]}{flipped}{signature[middle + 1 :]}"
    assert_invalid(signer, forged)


def test_tampered_payload(signer: TokenSigner):
    token, _ = signer.issue_access(user_id=USER, kind=AccountKind.PUPIL, epoch=0, ttl_s=60)
    header, _, signature = token.split(".")
    claims = jwt.decode(token, options={"verify_signature": False})
    claims["kind"] = "platform_admin"
    assert_invalid(signer, f"{header}.{b64(claims)}.{signature}")


def test_alg_none_is_refused(signer: TokenSigner, kid: str):
    header = b64({"alg": "none", "typ": "JWT", "kid": kid})
    assert_invalid(signer, f"{header}.{b64(access_payload())}.")
    assert_invalid(signer, jwt.encode(access_payload(), None, algorithm="none"))


# Our 256-bit key is short for HS384/HS512; PyJWT warns while building the forgery.
@pytest.mark.filterwarnings("ignore::jwt.warnings.InsecureKeyLengthWarning")
@pytest.mark.parametrize("algorithm", ["HS384", "HS512"])
def test_other_hmac_algorithms_are_refused_even_with_our_key(
    signer: TokenSigner, kid: str, algorithm: str
):
    assert_invalid(signer, sign(access_payload(), kid, algorithm=algorithm))


def test_token_of_another_server_is_refused(signer: TokenSigner, clock: FakeClock):
    other = TokenSigner(OTHER_SECRET, issuer=ISSUER, clock=clock)
    token, _ = other.issue_access(user_id=USER, kind=AccountKind.TEACHER, epoch=0, ttl_s=60)
    assert_invalid(signer, token)


def test_our_kid_with_another_key_is_refused(signer: TokenSigner, kid: str):
    token = sign(access_payload(), kid, key=derive_key(OTHER_SECRET, "jwt"))
    assert_invalid(signer, token)


def test_key_of_another_purpose_is_refused(signer: TokenSigner, kid: str):
    token = sign(access_payload(), kid, key=derive_key(SECRET, "api-keys"))
    assert_invalid(signer, token)


@pytest.mark.parametrize("bad_kid", [None, "", "0123456789ab", "../../etc/passwd"])
def test_unknown_or_missing_kid_is_refused(signer: TokenSigner, bad_kid: str | None):
    assert_invalid(signer, sign(access_payload(), bad_kid))


@pytest.mark.parametrize("header", ["jku", "x5u"])
def test_key_url_headers_are_ignored(signer: TokenSigner, kid: str, header: str):
    elsewhere = {header: "https://attacker.example/keys.json"}
    attacker_key = derive_key(OTHER_SECRET, "jwt")
    # Signed with the attacker's key: the header does not make it trusted.
    assert_invalid(signer, sign(access_payload(), kid, key=attacker_key, headers=elsewhere))
    # Signed with our key: the header changes nothing either way.
    assert signer.verify_access(sign(access_payload(), kid, headers=elsewhere)).user_id == USER


@pytest.mark.parametrize("garbage", ["", "x", "a.b", "a.b.c", "....", "eyJ.eyJ.sig", "é.é.é"])
def test_garbage_is_refused(signer: TokenSigner, garbage: str):
    assert_invalid(signer, garbage)
    assert_invalid(signer, garbage, join=True)


@pytest.mark.parametrize(
    "header",
    [
        "W10",  # [] : JSON, not an object
        b64({"alg": "HS256"})[:-1] + "!",  # outside the base64url alphabet
        "e" * 5,  # base64url of no whole byte
        "eyJ",  # base64 of a broken JSON text
    ],
)
def test_headers_that_are_not_json_objects_are_refused(signer: TokenSigner, header: str):
    token = signer.issue_join(
        user_id=USER, room_id=ROOM, role=RoomRole.PUPIL, grants=PUPIL_GRANTS, epoch=0,
        ttl_s=60, minted_by="user",
    )[0]  # fmt: skip
    assert_invalid(signer, header + token[token.index(".") :], join=True)


def test_padded_or_spaced_copies_of_a_good_token_are_refused(signer: TokenSigner):
    token = pupil_join_token(signer, ttl_s=60)
    head, payload, signature = token.split(".")
    for bad in (f"{head}=.{payload}.{signature}", f" {token}", f"{token}\n", f"{token}.x"):
        assert_invalid(signer, bad, join=True)
    assert signer.verify_join(token).user_id == USER


def test_oversized_token_is_refused_even_when_well_signed(signer: TokenSigner, kid: str):
    token = sign(access_payload(padding="x" * MAX_TOKEN_LEN), kid)
    assert len(token) > MAX_TOKEN_LEN
    assert_invalid(signer, token)


# -- claims ------------------------------------------------------------------------


def test_join_token_is_not_an_access_token(signer: TokenSigner):
    assert_invalid(signer, pupil_join_token(signer, ttl_s=60))


def test_access_token_is_not_a_join_token(signer: TokenSigner):
    token, _ = signer.issue_access(user_id=USER, kind=AccountKind.TEACHER, epoch=0, ttl_s=60)
    assert_invalid(signer, token, join=True)


@pytest.mark.parametrize(
    ("payload", "join"),
    [
        # the right audience with the other type, both ways
        (access_payload(typ="join"), False),
        (join_payload(typ="access"), True),
        (access_payload(typ="refresh"), False),
        # the right type with the other audience
        (access_payload(aud=JOIN_AUDIENCE), False),
        (join_payload(aud=ACCESS_AUDIENCE), True),
        (access_payload(aud="someone-else"), False),
    ],
)
def test_wrong_type_or_audience_is_refused(signer: TokenSigner, kid: str, payload, join):
    assert_invalid(signer, sign(payload, kid), join=join)


def test_wrong_issuer_is_refused(signer: TokenSigner, kid: str, clock: FakeClock):
    assert_invalid(signer, sign(access_payload(iss="not-jumelage"), kid))
    stranger = TokenSigner(SECRET, issuer="another-node-family", clock=clock)
    token, _ = stranger.issue_access(user_id=USER, kind=AccountKind.TEACHER, epoch=0, ttl_s=60)
    assert_invalid(signer, token)


@pytest.mark.parametrize("claim", REQUIRED_CLAIMS)
def test_missing_required_claim_is_refused(signer: TokenSigner, kid: str, claim: str):
    access, join = access_payload(), join_payload()
    del access[claim], join[claim]
    assert_invalid(signer, sign(access, kid))
    assert_invalid(signer, sign(join, kid), join=True)


@pytest.mark.parametrize("claim", ["room", "role", "grants", "minted_by"])
def test_join_token_without_its_own_claims_is_refused(signer: TokenSigner, kid: str, claim):
    payload = join_payload()
    del payload[claim]
    assert_invalid(signer, sign(payload, kid), join=True)


@pytest.mark.parametrize(
    "changes",
    [
        {"role": "headmaster"},
        {"grants": {"may_chat": True, "may_fly": True}},
        {"grants": {"may_chat": "yes"}},
        {"grants": "everything"},
        {"epoch": "three"},
    ],
)
def test_join_token_with_bad_claims_is_refused(signer: TokenSigner, kid: str, changes):
    assert_invalid(signer, sign(join_payload(**changes), kid), join=True)


@pytest.mark.parametrize(
    "changes", [{"kind": "wizard"}, {"kind": None}, {"epoch": [1]}, {"epoch": "three"}]
)
def test_access_token_with_bad_claims_is_refused(signer: TokenSigner, kid: str, changes):
    assert_invalid(signer, sign(access_payload(**changes), kid))


def test_access_token_without_kind_is_refused(signer: TokenSigner, kid: str):
    payload = access_payload()
    del payload["kind"]
    assert_invalid(signer, sign(payload, kid))


# -- key rotation ----------------------------------------------------------------


def test_token_of_a_previous_secret_verifies_while_that_secret_is_kept(clock: FakeClock):
    before = TokenSigner(OLD_SECRET, issuer=ISSUER, clock=clock)
    token, _ = before.issue_access(user_id=USER, kind=AccountKind.TEACHER, epoch=1, ttl_s=600)
    rotated = TokenSigner(SECRET, previous_secrets=[OLD_SECRET], issuer=ISSUER, clock=clock)
    assert rotated.verify_access(token).epoch == 1
    # New tokens are signed with the new secret only.
    fresh, _ = rotated.issue_access(user_id=USER, kind=AccountKind.TEACHER, epoch=1, ttl_s=600)
    assert jwt.get_unverified_header(fresh)["kid"] != jwt.get_unverified_header(token)["kid"]
    assert_invalid(before, fresh)


def test_token_of_a_dropped_secret_is_refused(clock: FakeClock):
    before = TokenSigner(OLD_SECRET, issuer=ISSUER, clock=clock)
    token, _ = before.issue_access(user_id=USER, kind=AccountKind.TEACHER, epoch=1, ttl_s=600)
    assert_invalid(TokenSigner(SECRET, issuer=ISSUER, clock=clock), token)
    unrelated = TokenSigner(SECRET, previous_secrets=[OTHER_SECRET], issuer=ISSUER, clock=clock)
    assert_invalid(unrelated, token)


def test_rotation_keeps_expiry(clock: FakeClock):
    before = TokenSigner(OLD_SECRET, issuer=ISSUER, clock=clock)
    token, _ = before.issue_access(user_id=USER, kind=AccountKind.TEACHER, epoch=1, ttl_s=60)
    rotated = TokenSigner(SECRET, previous_secrets=[OLD_SECRET], issuer=ISSUER, clock=clock)
    clock.advance(60)
    with pytest.raises(TokenExpired):
        rotated.verify_access(token)
