"""The feed pump: every room event, delivered to this node's sockets, in order.

Each node runs one pump. It takes the events of every room, in ``seq`` order
per room (``EventLog.subscribe``), and for each:

1. sends it to the local sockets of its audience's broadcast group: the
   Socket.IO packet and its WebSocket frame are built once from the payload
   the log already holds, and the same bytes are written to every socket
   (``channels.Channels.send``), so a recipient costs one call (no JSON, no
   task, no queue when nothing is ahead of it);
2. applies its effects to the local connections (a removed participant's
   socket leaves the room's groups at once, so no later event reaches it;
   breakout moves; teachers' group). Effects come after sending, so a removed
   participant still receives the event that removes them.

The pump never awaits the network per recipient: closing an evicted socket
is handed to a task of its own. An eviction is final (kick, ban, room ended,
a connection replaced: the client must not come back on its own) unless it
asks the client to rejoin (its node was taken for dead, or a gap the log no
longer holds): then the socket is let go like a lost connection, and the
client reconnects and resumes from its last ``seq``.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from cluster import FeedSubscription, LoggedEvent
from protocol.ids import RoomId
from rooms import EVICT_ALL, EVICT_CONN, EVICT_USER, GROUP, STAFF, UNGROUP

from .connections import Connection, channel_for, group_channel, staff_channel

if TYPE_CHECKING:
    from .runtime import Realtime

logger = logging.getLogger(__name__)

NAMESPACE = "/"


class FeedPump:
    """Delivers logged room events to this node's sockets.

    Args:
        realtime: The node's realtime bundle.
    """

    def __init__(self, realtime: Realtime) -> None:
        self._realtime = realtime
        self._stats = realtime.metrics.realtime
        self.delivered = 0
        """Events handled (sent to zero or more local sockets)."""
        self.last_seq: dict[str, int] = {}
        """The latest ``seq`` handled, by room."""
        self.gaps = 0
        """Gaps in a room's sequence met on the feed (events lost by pub/sub)."""

    async def run(self, feed: FeedSubscription) -> None:
        """Deliver every event of ``feed`` until it ends."""
        async for event in feed:
            try:
                await self.receive(event)
            except Exception:
                # One bad event must not stop the room's others.
                logger.exception(
                    "feed delivery failed", extra={"room_id": event.room_id, "seq": event.seq}
                )

    async def receive(self, event: LoggedEvent) -> None:
        """Take one event from the feed: skip repeats, fill gaps, deliver.

        Redis pub/sub drops what is published while a node's link is down.
        The log keeps it, so a gap in a room's ``seq`` is filled from the log
        before the event is delivered; when the log no longer holds the gap,
        the room's local sockets are let go (``Realtime.evict`` with
        ``rejoin``: closed as a lost connection, not with Socket.IO's
        disconnect) so that their clients reconnect and catch up with a
        snapshot, rather than carry on with a hole.
        """
        previous = self.last_seq.get(event.room_id)
        if previous is not None and event.seq <= previous:
            return
        if previous is not None and event.seq > previous + 1:
            await self._fill(event.room_id, previous, event.seq)
        await self.deliver(event)

    async def _fill(self, room_id: RoomId, previous: int, upto: int) -> None:
        realtime = self._realtime
        local = realtime.connections.in_room(room_id)
        if not local:
            return
        missed = await realtime.services.cluster.event_log.since(room_id, previous)
        self.gaps += 1
        if missed is None:
            logger.warning("feed gap beyond the log; resyncing clients", extra={"room_id": room_id})
            for conn in local:
                await realtime.evict(conn, rejoin=True)
            return
        logger.info("feed gap filled from the log", extra={"room_id": room_id})
        for event in missed:
            if previous < event.seq < upto:
                await self.deliver(event)

    async def deliver(self, event: LoggedEvent) -> None:
        """Send one event to its local audience, then apply its effects."""
        channel = channel_for(event.room_id, event.audience)
        sent = self._realtime.channels.send(channel, event.name, event.payload)
        self.delivered += 1
        self.last_seq[event.room_id] = event.seq
        stats = self._stats
        stats.feed_events += 1
        stats.deliveries += sent
        if event.effects:
            for effect in json.loads(event.effects):
                await self._apply(event, effect)

    async def _apply(self, event: LoggedEvent, effect: Mapping[str, Any]) -> None:
        realtime = self._realtime
        local = realtime.connections.in_room(event.room_id)
        op = effect.get("op")
        if op == EVICT_USER:
            for conn in local:
                if conn.user_id == effect.get("user"):
                    await realtime.evict(conn)
        elif op == EVICT_CONN:
            target = realtime.connections.by_conn_id(str(effect.get("conn")))
            if target is not None:
                await realtime.evict(target, rejoin=effect.get("rejoin") is True)
        elif op == EVICT_ALL:
            # The session is over: nothing more to track for this room here.
            self.last_seq.pop(event.room_id, None)
            for conn in local:
                await realtime.evict(conn)
        elif op == STAFF:
            for conn in _participant(local, effect.get("participant")):
                conn.is_staff = bool(effect.get("on"))
                await realtime.set_channel(conn, staff_channel(conn.room_id), conn.is_staff)
        elif op == GROUP:
            groups = effect.get("groups") or {}
            for conn in local:
                if conn.participant_id in groups:
                    await self._move(conn, groups[conn.participant_id])
        elif op == UNGROUP:
            for conn in local:
                await self._move(conn, None)
        else:
            logger.warning("unknown room effect skipped", extra={"room_id": event.room_id})

    async def _move(self, conn: Connection, group_id: str | None) -> None:
        realtime = self._realtime
        if conn.group_id is not None:
            await realtime.set_channel(conn, group_channel(conn.room_id, conn.group_id), False)
        conn.group_id = group_id
        if group_id is not None:
            await realtime.set_channel(conn, group_channel(conn.room_id, group_id), True)


def _participant(local: list[Connection], participant_id: object) -> list[Connection]:
    return [c for c in local if c.participant_id == participant_id]
