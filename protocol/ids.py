"""Typed identifiers shared by every layer and by the SDK.

Ids are opaque strings on the wire. ``NewType`` keeps a ``UserId`` from being
passed where a ``SchoolId`` is expected without costing anything at run time.
Ids are random (UUID4, 122 bits) so that they cannot be guessed or enumerated.
"""

from __future__ import annotations

import uuid
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


def new_id() -> str:
    """Return a fresh random id (a UUID4 in its canonical text form)."""
    return str(uuid.uuid4())
