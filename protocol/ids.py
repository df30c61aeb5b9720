"""Typed identifiers shared by every layer and by the SDK.

Ids are opaque strings on the wire. ``NewType`` keeps a ``UserId`` from being
passed where a ``SchoolId`` is expected without costing anything at run time.
Ids are random (UUID4, 122 bits) so that they cannot be guessed or enumerated;
chat message ids alone are time-ordered (a UUIDv7 layout with 74 random bits,
``rooms.chat.message_id_at``: the time they show is the message's ``sent_at``).
"""

from __future__ import annotations

import os
from typing import NewType

UserId = NewType("UserId", str)
SchoolId = NewType("SchoolId", str)
ApiKeyId = NewType("ApiKeyId", str)
ProjectId = NewType("ProjectId", str)
RoomId = NewType("RoomId", str)
ParticipantId = NewType("ParticipantId", str)
MessageId = NewType("MessageId", str)
NodeId = NewType("NodeId", str)
RequestId = NewType("RequestId", str)


_VARIANT = {digit: "89ab"[int(digit, 16) & 3] for digit in "0123456789abcdef"}
"""A random hex digit made the RFC 4122 variant digit (``10xx``), keeping two random bits."""


def new_id() -> str:
    """Return a fresh random id (a UUID4 in its canonical text form).

    Formatted from 16 random bytes directly: ``str(uuid.uuid4())`` builds a
    ``UUID`` object only to print it, twice the cost, and every chat message
    takes an id. The version digit is ``4`` and the variant digit ``8``-``b``,
    as ``uuid.uuid4`` sets them (122 random bits).
    """
    h = os.urandom(16).hex()
    return f"{h[:8]}-{h[8:12]}-4{h[13:16]}-{_VARIANT[h[16]]}{h[17:20]}-{h[20:]}"
