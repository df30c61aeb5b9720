"""Cross-node messages: encoding, decoding and what counts as bad input."""

from __future__ import annotations

import json
import typing

import pydantic
import pytest

from cluster import (
    KNOWN_KINDS,
    ClusterMessage,
    InvalidClusterMessage,
    Ping,
    UserSessionsRevoked,
    encode_message,
    parse_message,
)
from cluster.messages import MAX_MESSAGE_BYTES
from protocol.ids import NodeId, UserId

REVOKED = UserSessionsRevoked(origin=NodeId("node-a"), user_id=UserId("user-1"))


@pytest.mark.parametrize("message", [REVOKED, Ping(origin=NodeId("n"), nonce="x")])
def test_encoded_messages_decode_to_equal_messages_of_the_same_class(
    message: ClusterMessage,
) -> None:
    decoded = parse_message(encode_message(message))
    assert decoded == message
    assert type(decoded) is type(message)


def test_the_wire_form_carries_kind_origin_and_version() -> None:
    assert json.loads(encode_message(REVOKED)) == {
        "kind": "user.sessions_revoked",
        "origin": "node-a",
        "v": 1,
        "user_id": "user-1",
    }


def test_text_input_is_accepted() -> None:
    assert parse_message(encode_message(REVOKED).decode()) == REVOKED


def test_unknown_fields_are_ignored_for_rolling_deploys() -> None:
    raw = b'{"kind": "cluster.ping", "origin": "n", "nonce": "x", "v": 1, "new": 1}'
    assert parse_message(raw) == Ping(origin=NodeId("n"), nonce="x")


@pytest.mark.parametrize(
    "raw",
    [
        pytest.param(b"", id="empty"),
        pytest.param(b"not json", id="not-json"),
        pytest.param(b"\xff\xfe", id="not-utf8"),
        pytest.param(b"[1, 2]", id="not-an-object"),
        pytest.param(b'{"origin": "n", "nonce": "x"}', id="no-kind"),
        pytest.param(b'{"kind": "no.such", "origin": "n"}', id="unknown-kind"),
        pytest.param(b'{"kind": "cluster.ping", "origin": "n"}', id="missing-field"),
        pytest.param(b'{"kind": "cluster.ping", "nonce": "x"}', id="no-origin"),
        pytest.param(b'{"kind": "cluster.ping", "origin": "", "nonce": "x"}', id="empty-origin"),
        pytest.param(
            b'{"kind": "cluster.ping", "origin": "n", "nonce": "x", "v": "1"}',
            id="version-as-text",
        ),
        pytest.param(
            b'{"kind": "user.sessions_revoked", "origin": "n", "user_id": 7}',
            id="id-as-number",
        ),
    ],
)
def test_bad_input_raises_invalid_cluster_message(raw: bytes) -> None:
    with pytest.raises(InvalidClusterMessage):
        parse_message(raw)


def test_invalid_cluster_message_is_a_value_error_that_does_not_echo_input() -> None:
    raw = b'{"kind": "user.sessions_revoked", "origin": "n", "user_id": ["secret-name"]}'
    with pytest.raises(ValueError) as caught:
        parse_message(raw)
    assert "secret-name" not in str(caught.value)
    assert "user_id" in str(caught.value)


def test_oversized_input_is_refused_before_parsing() -> None:
    raw = b'{"kind": "cluster.ping", "origin": "n", "nonce": "' + b"x" * MAX_MESSAGE_BYTES
    with pytest.raises(InvalidClusterMessage, match="bytes"):
        parse_message(raw)


def test_encoding_refuses_an_oversized_message() -> None:
    huge = Ping.model_construct(origin=NodeId("n"), nonce="x" * MAX_MESSAGE_BYTES)
    with pytest.raises(ValueError, match="limit"):
        encode_message(huge)


def test_messages_are_frozen() -> None:
    with pytest.raises(pydantic.ValidationError):
        REVOKED.user_id = UserId("other")  # type: ignore[misc]


def test_known_kinds_list_every_member_of_the_union() -> None:
    members = typing.get_args(typing.get_args(ClusterMessage)[0])
    assert {member.model_fields["kind"].default for member in members} == KNOWN_KINDS
    assert {"user.sessions_revoked", "cluster.ping"} <= KNOWN_KINDS
