"""This node's broadcast groups, and sending one event to a group at once.

A channel (``connections.room_channel`` and its kin) names the local sockets
an event's audience reaches. ``Channels`` keeps each channel's members as
their outboxes (``engine.SocketOutbox``), so that sending an event to a room
is one loop over prebuilt objects: the Socket.IO packet is encoded once, the
WebSocket frame built once, and each recipient costs one call that holds
the same bytes for its transport, written with the socket's other frames at
the end of the loop's turn (or queues the packet behind what is ahead of
it; see ``engine``).

The groups are node-local routing, never the room's roster (that is the
shared room state).
"""

from __future__ import annotations

import json
from typing import Protocol

from engineio import packet as eio_packet

from .engine import text_frame

SOCKETIO_EVENT = "2"
"""Socket.IO packet type EVENT, default namespace: ``2["name",{...}]``
(https://socket.io/docs/v4/socket-io-protocol/)."""


class Outbox(Protocol):
    """Where a socket's messages go (``engine.SocketOutbox``)."""

    def send_frame(self, frame: bytes, packet: eio_packet.Packet) -> None: ...


def event_packet(name: str, payload: str) -> eio_packet.Packet:
    """An Engine.IO MESSAGE carrying one Socket.IO event, from its JSON payload."""
    return eio_packet.Packet(eio_packet.MESSAGE, f"{SOCKETIO_EVENT}[{json.dumps(name)},{payload}]")


class Channels:
    """Every broadcast group of this node, by channel name."""

    def __init__(self) -> None:
        self._members: dict[str, dict[str, Outbox]] = {}

    def enter(self, channel: str, sid: str, outbox: Outbox) -> None:
        """Add a socket to a group."""
        self._members.setdefault(channel, {})[sid] = outbox

    def leave(self, channel: str, sid: str) -> None:
        """Take a socket out of a group."""
        members = self._members.get(channel)
        if members is not None:
            members.pop(sid, None)
            if not members:
                del self._members[channel]

    def count(self, channel: str) -> int:
        """Sockets in a group."""
        return len(self._members.get(channel, ()))

    def sids(self, channel: str) -> frozenset[str]:
        """The Socket.IO sids of a group's sockets."""
        return frozenset(self._members.get(channel, ()))

    def send(self, channel: str, name: str, payload: str) -> int:
        """Send one event to every socket of a group.

        Args:
            channel: The group.
            name: The event name.
            payload: The event's JSON object, as text.

        Returns:
            How many sockets it was sent to.
        """
        members = self._members.get(channel)
        if not members:
            return 0
        packet = event_packet(name, payload)
        frame = text_frame(packet.encode())
        # A copy: a send never changes the groups today, but a group changed
        # during the loop would raise.
        outboxes = list(members.values())
        for outbox in outboxes:
            outbox.send_frame(frame, packet)
        return len(outboxes)
