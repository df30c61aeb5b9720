"""The chat page after a snapshot: placed right after it, and nothing shown twice."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from client_sdk.chat_catchup import with_chat_page
from protocol.events.chat import (
    ChatMessageHeld,
    ChatMessagePosted,
    ChatMessageView,
    ChatPage,
)
from protocol.events.hands import HandRaised
from protocol.events.models import LobbyMode, RoomSnapshot

AT = datetime(2026, 11, 29, 9, 0, tzinfo=UTC)


def snapshot(seq: int = 10) -> RoomSnapshot:
    return RoomSnapshot(
        room_id="r1",
        session_id="s1",
        seq=seq,
        you="p1",
        is_locked=False,
        lobby_mode=LobbyMode.ROSTER,
        teacher_absent=False,
        participants=[],
        hands=[],
    )


def posted(message_id: str, seq: int) -> ChatMessagePosted:
    return ChatMessagePosted(
        seq=seq, message_id=message_id, participant_id="p2", text="hello", sent_at=AT
    )


def view(message_id: str, state: Any) -> ChatMessageView:
    text = None if state == "deleted" else "hello"
    return ChatMessageView(
        message_id=message_id,
        participant_id="p2",
        channel="room",
        state=state,
        text=text,
        sent_at=AT,
    )


def page(*messages: ChatMessageView) -> ChatPage:
    return ChatPage(messages=list(messages))


def test_the_page_comes_right_after_the_snapshot() -> None:
    hand = HandRaised(seq=11, participant_id="p2", queue=["p2"])
    the_page = page(view("m1", "posted"))
    items = with_chat_page([snapshot(), hand], the_page)
    assert items == [snapshot(), the_page, hand]


def test_a_live_message_the_page_shows_is_not_delivered_again() -> None:
    the_page = page(view("m1", "posted"), view("m2", "posted"))
    later = posted("m3", 12)
    items = with_chat_page([snapshot(), posted("m2", 11), later], the_page)
    assert items == [snapshot(), the_page, later]


def test_a_message_deleted_by_the_time_of_the_page_does_not_come_back_with_its_text() -> None:
    the_page = page(view("m1", "deleted"))
    items = with_chat_page([snapshot(), posted("m1", 11)], the_page)
    assert items == [snapshot(), the_page]


def test_a_waiting_message_approved_later_is_news() -> None:
    the_page = page(view("m1", "waiting"))
    approved = posted("m1", 11)
    held = ChatMessageHeld(
        seq=None,
        message_id="m1",
        text="hello",
        sent_at=AT,
        reason="premoderation",
    )
    items = with_chat_page([snapshot(), held, approved], the_page)
    assert items == [snapshot(), the_page, approved]


def test_without_a_snapshot_in_the_items_the_page_comes_first() -> None:
    the_page = page()
    hand = HandRaised(seq=11, participant_id="p2", queue=["p2"])
    assert with_chat_page([hand], the_page) == [the_page, hand]
