"""Base classes of every realtime event, and the field types they share.

``ClientEvent`` is what a client sends (a command, named in the imperative:
``hand.raise``); ``ServerEvent`` is what the server sends (a fact, named in
the past tense: ``hand.raised``). Each concrete class names its event in the
``name`` class variable; ``protocol.registry`` collects them.

Client events are strict (no ``"1"`` for ``1``), frozen and bounded, and ignore
unknown fields so that a newer SDK can talk to an older node during a rolling
deploy. Server events are built by the server itself, so an unknown field is a
bug and is refused. A server event the client must not miss is *sequenced*:
it carries the room's sequence number ``seq`` (see docs/protocol.md,
"Sequence numbers and resume").

Not for HTTP bodies: see ``protocol.base``.
"""

from __future__ import annotations

import re
from enum import StrEnum
from typing import Annotated, ClassVar, TypeVar

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, StringConstraints

MAX_ID_LEN = 64
ID_PATTERN = r"^[A-Za-z0-9_.:-]+$"
MAX_TEXT_FIELD_LEN = 10_000
"""Upper bound of any string in a client event; each field has a tighter one."""

EVENT_NAME_RE = re.compile(r"^[a-z][a-z_]*\.[a-z][a-z_]*$")
"""``area.verb``: lower-case words joined by ``_``, one dot."""

MAX_ENUM_TEXT_LEN = 40
S = TypeVar("S", bound=StrEnum)


def wire_enum(enum: type[S]) -> BeforeValidator:
    """Validation of an enum field of a client event: its text, and nothing else.

    Client events are strict, and a strict enum field takes only enum members,
    never their text, which is all JSON can carry. This validator turns the
    text into the member first, and refuses anything else without looking at
    it further (a lenient enum would build its error from the input's
    ``repr``: a hostile, deeply nested value makes that a ``RecursionError``).
    """
    members = {member.value: member for member in enum}
    allowed = ", ".join(members)

    def to_member(value: object) -> object:
        if isinstance(value, enum):
            return value
        if isinstance(value, str) and len(value) <= MAX_ENUM_TEXT_LEN and value in members:
            return members[value]
        raise ValueError(f"must be one of: {allowed}")

    return BeforeValidator(to_member)


WireId = Annotated[str, StringConstraints(min_length=1, max_length=MAX_ID_LEN, pattern=ID_PATTERN)]
"""An opaque id as it travels in an event (room, participant, user, poll...)."""


class ClientEvent(BaseModel):
    """Base of every command a client sends over the realtime connection."""

    model_config = ConfigDict(
        frozen=True,
        strict=True,
        extra="ignore",
        str_max_length=MAX_TEXT_FIELD_LEN,
        use_attribute_docstrings=True,
        allow_inf_nan=False,
    )

    name: ClassVar[str] = ""
    """The event name on the wire, for example ``hand.raise``."""
    result: ClassVar[type[BaseModel] | None] = None
    """The model of the acknowledgement's ``data``; ``None`` when it is empty."""


class ClientRecord(BaseModel):
    """Base of the records nested inside client events."""

    model_config = ClientEvent.model_config


class ServerEvent(BaseModel):
    """Base of every event the server sends over the realtime connection."""

    model_config = ConfigDict(frozen=True, extra="forbid", use_attribute_docstrings=True)

    name: ClassVar[str] = ""
    """The event name on the wire, for example ``hand.raised``."""
    sequenced: ClassVar[bool] = True
    """Whether the event goes through the room's event log and carries ``seq``."""

    seq: int | None = Field(default=None, ge=1)
    """The room's sequence number of this event; absent on unsequenced events."""


class WireModel(BaseModel):
    """Base of the records nested inside server events and acknowledgements."""

    model_config = ConfigDict(frozen=True, extra="forbid", use_attribute_docstrings=True)


class EmptyResult(WireModel):
    """An acknowledgement without data."""
