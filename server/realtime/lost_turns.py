"""What a node on one process does with chat messages whose turn could not be stored.

On a single node the chat rows of one turn of the event loop share one
SQLite commit that nobody waits for (``storage.chat_batches``): by the time
it is made, the turn's messages are in their rooms (a ``seq`` each, the
room's replay log, the feed pump's buffer, frames held for the sockets, the
sender's acknowledgement), but no byte of the turn has left the process (the
engine's ``FrameBatch.before_writes``). When that commit and its retry both
fail, ``take_back`` runs there, before anything is written, and takes the
messages back from their rooms:

1. the room's log forgets them: each event bearing a lost message's text
   becomes the ``chat.message_deleted`` tombstone under its own ``seq``
   (``moderation.chat.sanctions.tombstone_of``, as a teacher's delete), so
   a replay never carries the text and ``seq`` has no hole;
2. the feed pump skips what its buffer still holds of the room up to the
   last of them (``FeedPump.last_seq``): that room's sockets resume from the
   log;
3. every socket of an affected room is cut off: out of its broadcast groups,
   its held frames and queued packets dropped, its connection aborted
   (``SocketOutbox.cut_off``), so its client reconnects, as after a network
   failure, and resumes from its last ``seq`` (tombstones in place of the
   lost messages). A sender whose acknowledgement was held gets, in its
   place and last on its connection, the refusal of a message that could not
   be stored (``unavailable``): nothing acknowledged is lost, and a message
   sent again is stored or refused anew.

Sockets of other rooms, and the rest of the node (video, whiteboards, other
rooms' chat), carry on; the chat store commits each row on its own until a
commit succeeds, so a database that stays unwritable refuses each later
message with ``database_unavailable`` before it enters a room.

If the messages cannot be taken back (the log is not this process's own, or
anything fails), the process stops as before (``stop_now``, exit 75): the
rules (stored before acknowledged, nothing unstored seen, nothing
acknowledged lost) come before the node's uptime.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Awaitable, Sequence
from typing import TYPE_CHECKING, Any, TypeVar

from moderation.chat.sanctions import tombstone_of
from protocol.ack import error_ack
from protocol.ids import MessageId, RoomId
from storage import DatabaseUnavailable
from storage.chat_batches import stop_now
from storage.records_moderation import NewChatMessage

from .engine import ENGINEIO_MESSAGE, SocketOutbox
from .transport import SIO_ACK

if TYPE_CHECKING:
    from .runtime import Realtime

logger = logging.getLogger(__name__)

T = TypeVar("T")


class LogNotLocal(RuntimeError):
    """The room's log awaited something: it is not the process's in-memory one."""


def now(step: Awaitable[T]) -> T:
    """The result of a coroutine that completes without suspending (the in-process
    room log's methods are coroutines that never await anything).

    Raises:
        LogNotLocal: It suspended (it was closed, not run further).
    """
    coro: Any = step.__await__()
    try:
        coro.send(None)
    except StopIteration as done:
        result: T = done.value
        return result
    coro.close()
    raise LogNotLocal("the room log suspended; it is not this process's own")


def take_back(realtime: Realtime, lost: Sequence[NewChatMessage]) -> None:
    """Take the messages of a turn that could not be stored back from their rooms,
    before any byte of the turn is written (see the module docstring); stop the
    process if that cannot be done. Never raises."""
    message_ids = [new.message_id for new in lost]
    try:
        rooms = _take_back(realtime, lost)
    except BaseException:
        logger.exception(
            "a lost chat turn could not be taken back from its rooms",
            extra={"message_ids": message_ids},
        )
        stop_now(lost)
        return
    logger.error(
        "a turn's chat messages could not be stored: taken back from their rooms,"
        " whose sockets resume; the chat commits each message on its own until a"
        " commit succeeds (check the database's disk)",
        extra={"message_ids": message_ids, "room_ids": rooms},
    )


def _take_back(realtime: Realtime, lost: Sequence[NewChatMessage]) -> list[RoomId]:
    services = realtime.services
    log = services.cluster.event_log
    by_room: dict[RoomId, list[str]] = {}
    for new in lost:
        by_room.setdefault(RoomId(new.room_id), []).append(new.message_id)
    pump = realtime.pump
    for room_id, message_ids in by_room.items():
        seqs: list[int] = []
        for message_id in message_ids:
            seqs += now(log.redact(room_id, tombstone_of(MessageId(message_id))))
        if seqs:
            pump.last_seq[room_id] = max(pump.last_seq.get(room_id, 0), *seqs)
        for conn in realtime.connections.in_room(room_id):
            for channel in list(conn.channels):
                conn.channels.discard(channel)
                realtime.channels.leave(channel, conn.sid)
            conn.closing = True
            conn.rejoin = True
            outbox = conn.outbox
            if not (
                isinstance(outbox, SocketOutbox)
                and outbox.cut_off(last=_refusal(outbox, message_ids))
            ):
                realtime.let_go(conn.sid)
    return list(by_room)


def _refusal(outbox: SocketOutbox, message_ids: list[str]) -> str | None:
    """The refusal that replaces a sender's acknowledgement of a lost message
    (the same Socket.IO ack id, the answer ``DatabaseUnavailable`` gets when
    a message cannot be stored), if ``outbox`` holds one; None: it holds none.

    A lost message's id is in its sender's acknowledgement (``ChatAccepted``),
    a random UUID no other acknowledgement carries (the sender's copy of the
    room's ``chat.message_posted`` carries it too, before or after it)."""
    for message_id in message_ids:
        for text in outbox.pending_messages(message_id):
            ack = _ACK.match(text)
            if ack is not None:
                answer = error_ack(DatabaseUnavailable(REFUSAL))
                refused = json.dumps([answer], separators=(",", ":"))
                return f"{ENGINEIO_MESSAGE}{SIO_ACK}{ack[1]}{refused}"
    return None


_ACK = re.compile(rf"{ENGINEIO_MESSAGE}{SIO_ACK}(\d+)\[")
"""A Socket.IO acknowledgement (of the default namespace), in an Engine.IO message."""
REFUSAL = "the message could not be stored; send it again shortly"
