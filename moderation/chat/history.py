"""History: the current session's messages a participant may see, paged backwards.

A participant who joins late, or comes back after the replay window, reads
the chat from the database: messages of the main room and of their own
breakout group, their own thread with the teachers, private messages they
sent or received, their own waiting messages (shown as waiting), and
tombstones where a teacher deleted a message. Never anyone else's waiting
or refused messages, never the teachers' channel (unless they are a
teacher), never what a teacher cleared. Teachers read every channel.

A held message the room already heard decided, whose decision the database
does not hold yet (a crash or a failed COMMIT between the two: see
``queue``), is stored as the room heard it before the page is read
(``HeldQueue.settle``), so that the page agrees with what the room was told:
the sender does not see it waiting, the others see it posted. Nothing is
told again.
"""

from __future__ import annotations

from protocol.errors import NotFound
from protocol.events.chat import ChatPage
from rooms import RoomActor, RoomServices
from storage import Database
from storage.records_moderation import ChatMessageRecord, HistoryViewer

from .policy import ChatPolicy
from .queue import HeldQueue
from .views import at, history_view


def may_read(message: ChatMessageRecord, viewer: HistoryViewer) -> bool:
    """Whether ``viewer`` sees ``message`` in their history (the repository's rule, in Python)."""
    own = message.sender_user_id == viewer.user_id
    if message.status not in ("posted", "deleted") and not (message.status == "held" and own):
        return False
    if viewer.is_staff:
        return True
    if message.channel == "room":
        return message.group_id is None or message.group_id == viewer.group_id
    if message.channel == "teachers":
        return message.peer_user_id == viewer.user_id
    if message.channel == "direct":
        return own or message.peer_user_id == viewer.user_id
    return False


class ChatHistory:
    """Pages of the current session's chat.

    Args:
        db: Where messages are stored.
        rooms: The live rooms (who the reader is now).
        queue: Stores the decisions the room heard before the page is read.
    """

    def __init__(self, *, db: Database, rooms: RoomServices, queue: HeldQueue) -> None:
        self._db = db
        self._rooms = rooms
        self._queue = queue

    async def page(self, actor: RoomActor, before: str | None, limit: int) -> ChatPage:
        """The newest ``limit`` messages before ``before``, oldest first.

        Raises:
            NotInRoom, RoomClosed: The reader is not present on this connection.
            NotFound: ``before`` is not a message of this session.
            ClusterUnavailable, DatabaseUnavailable: Also when a decision the
                room heard could not be stored (see ``HeldQueue.settle``).
        """
        room = await self._rooms.chat.context(actor, staff=False)
        await self._queue.settle(actor, room)
        viewer = HistoryViewer(
            user_id=actor.user_id, is_staff=room.actor.is_staff, group_id=room.actor.group_id
        )
        async with self._db.transaction("moderation.chat_history") as uow:
            before_id = None
            if before is not None:
                anchor = await uow.moderation.find_message(before)
                if (
                    anchor is None
                    or anchor.room_id != room.room_id
                    or anchor.session_id != room.session_id
                ):
                    raise NotFound("no such message in this session")
                before_id = anchor.id
            rows = await uow.moderation.history(
                room.room_id, room.session_id, viewer, before_id=before_id, limit=limit + 1
            )
        shown = rows[:limit]
        policy = ChatPolicy.decode(room.policy)
        muted_until = policy.muted_until(actor.user_id, room.now)
        return ChatPage(
            messages=[history_view(r, actor.user_id) for r in reversed(shown)],
            before=shown[-1].message_id if len(rows) > limit else None,
            policy=policy.view(),
            muted_until=None if muted_until is None else at(muted_until),
        )
