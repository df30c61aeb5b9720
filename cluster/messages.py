"""Typed messages that server nodes send each other over the cluster bus.

This module is the whole cross-node vocabulary: one frozen pydantic model per
``kind``, collected in the ``ClusterMessage`` discriminated union. It says
nothing about how messages travel (see ``cluster.memory`` and
``cluster.redis.bus``) and nothing about what a node does with them (that is
the subscriber's business).

To add a message: write a ``ClusterMessageBase`` subclass with a unique
``kind: Literal[...]`` default and add it to ``ClusterMessage``. Nothing else
changes; ``KNOWN_KINDS`` and the decoder follow the union.

Compatibility during a rolling deploy: unknown fields are ignored, so adding an
optional field keeps ``v`` as it is. An incompatible change gets a new
``kind`` rather than a new meaning for an old one.
"""

from __future__ import annotations

from typing import Annotated, Literal, TypeAlias, get_args

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError

from protocol.ids import NodeId, UserId

from .errors import InvalidClusterMessage

MAX_MESSAGE_BYTES = 64 * 1024
"""Largest encoded message. Redis drops every pub/sub client when one client's
output buffer passes ``client-output-buffer-limit pubsub`` (32 MB by default);
cluster messages are small commands, so a large one is a bug caught early."""

MAX_ID_LEN = 128


class ClusterMessageBase(BaseModel):
    """Fields every cross-node message carries."""

    model_config = ConfigDict(
        frozen=True,
        strict=True,
        extra="ignore",
        use_attribute_docstrings=True,
    )

    origin: Annotated[NodeId, Field(min_length=1, max_length=MAX_ID_LEN)]
    """The node that published the message; a node never re-delivers its own."""
    v: int = 1
    """Format version of this kind, for receivers that must tell formats apart."""


class UserSessionsRevoked(ClusterMessageBase):
    """A user logged out everywhere or was disabled: every node closes that
    user's live connections."""

    kind: Literal["user.sessions_revoked"] = "user.sessions_revoked"
    """Discriminator."""
    user_id: Annotated[UserId, Field(min_length=1, max_length=MAX_ID_LEN)]
    """The user whose connections must close."""


class Ping(ClusterMessageBase):
    """A no-op message used by health probes and tests."""

    kind: Literal["cluster.ping"] = "cluster.ping"
    """Discriminator."""
    nonce: Annotated[str, Field(max_length=MAX_ID_LEN)]
    """An opaque value echoed so a probe can recognise its own ping."""


ClusterMessage: TypeAlias = Annotated[
    UserSessionsRevoked | Ping,
    Field(discriminator="kind"),
]
"""Every message the bus carries, discriminated on ``kind``."""

_ADAPTER: TypeAdapter[ClusterMessage] = TypeAdapter(ClusterMessage)


def _kinds() -> frozenset[str]:
    members: tuple[type[ClusterMessageBase], ...] = get_args(get_args(ClusterMessage)[0])
    return frozenset(str(cls.model_fields["kind"].default) for cls in members)


KNOWN_KINDS: frozenset[str] = _kinds()
"""The ``kind`` of every message class in ``ClusterMessage``."""


def encode_message(message: ClusterMessage) -> bytes:
    """Serialise a message for the wire (UTF-8 JSON).

    Args:
        message: Any member of ``ClusterMessage``.

    Returns:
        The JSON bytes, including ``kind``, ``origin`` and ``v``.

    Raises:
        ValueError: The encoded message is larger than ``MAX_MESSAGE_BYTES``.
    """
    payload = message.model_dump_json().encode()
    if len(payload) > MAX_MESSAGE_BYTES:
        raise ValueError(
            f"cluster message {message.kind!r} is {len(payload)} bytes, "
            f"over the {MAX_MESSAGE_BYTES}-byte limit"
        )
    return payload


def parse_message(raw: bytes | str) -> ClusterMessage:
    """Decode bytes received from the bus into a typed message.

    Args:
        raw: UTF-8 JSON as produced by ``encode_message``.

    Returns:
        The message, as the class its ``kind`` names.

    Raises:
        InvalidClusterMessage: Too large, not JSON, an unknown ``kind``, or
            missing or invalid fields. The error text never echoes the input.
    """
    if len(raw) > MAX_MESSAGE_BYTES:
        raise InvalidClusterMessage(f"cluster message over {MAX_MESSAGE_BYTES} bytes")
    try:
        return _ADAPTER.validate_json(raw)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(part) for part in err['loc']) or '<root>'}: {err['type']}"
            for err in exc.errors(include_input=False, include_url=False)
        )
        raise InvalidClusterMessage(f"invalid cluster message ({problems})") from None
