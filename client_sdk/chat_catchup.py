"""Chat after a snapshot: the page that catches a client up, without repeats.

A room snapshot holds no chat (docs/protocol.md, "Reconnect and resume"): a
client that joins late, or comes back after the replay window, reads the
session's chat with ``chat.history``. The SDK reads that page while the
join still holds live events, so it can place the page right after the
snapshot and drop the live events the page already shows: a message posted
between the snapshot and the read arrives live *and* in the page, and must
reach the app once. The page's state wins over a held live event for the
same message when the page is newer: a message deleted by then must not
come back with its text from a held ``chat.message_posted``.

Pure logic, no I/O, so it can be tested on its own.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TypeVar

from protocol.events.chat import ChatMessageHeld, ChatMessagePosted, ChatPage
from protocol.events.models import RoomSnapshot

SHOWN_STATES = frozenset({"posted", "deleted"})
"""Page states that already say all a held ``chat.message_posted`` would say:
``posted`` (the same message), ``deleted`` (its text is gone for good). A
``waiting`` message's later posting (a teacher approved it) is news."""


T = TypeVar("T")


def with_chat_page(items: Iterable[T], page: ChatPage) -> list[T | ChatPage]:
    """``items`` with ``page`` placed right after the snapshot, and its repeats dropped.

    Args:
        items: What the join delivers, in order: the snapshot first, then the
            live events held while the join (and the page's read) were in flight.
        page: The latest ``chat.history`` page, read after the snapshot.
    """
    shown = {m.message_id for m in page.messages if m.state in SHOWN_STATES}
    listed = {m.message_id for m in page.messages}
    out: list[T | ChatPage] = []
    placed = False
    for item in items:
        if isinstance(item, ChatMessagePosted) and item.message_id in shown:
            continue
        if isinstance(item, ChatMessageHeld) and item.message_id in listed:
            continue
        out.append(item)
        if not placed and isinstance(item, RoomSnapshot):
            out.append(page)
            placed = True
    if not placed:
        out.insert(0, page)
    return out
