"""Chat rows for storage-level tests: users the rows may name, and ``NewChatMessage``s."""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from datetime import UTC, datetime

from protocol.ids import MessageId, ProjectId, RoomId, UserId
from storage import Database
from storage.records_moderation import NewChatMessage
from storage.tables.accounts import User

SENDER = UserId("writer-user-1")
_NUMBERS = itertools.count()


async def add_sender(db: Database, user_id: UserId = SENDER) -> UserId:
    """A user row for ``sender_user_id`` (a foreign key)."""
    now = datetime.now(UTC)
    async with db.transaction("test.users") as uow:
        uow.session.add(
            User(id=user_id, kind="pupil", status="active", token_epoch=0,
                 created_at=now, updated_at=now)
        )  # fmt: skip
    return user_id


def chat_row(
    *,
    participant_id: str = "participant-1",
    client_msg_id: str | None = None,
    text: str = "bonjour",
    status: str = "posted",
    sender: UserId = SENDER,
) -> NewChatMessage:
    """A new message of room ``room-w`` with a fresh message id."""
    return NewChatMessage(
        message_id=MessageId(f"writer-m{next(_NUMBERS)}"),
        room_id=RoomId("room-w"),
        session_id="session-w",
        project_id=ProjectId("project-w"),
        school_id=None,
        participant_id=participant_id,
        sender_user_id=sender,
        sender_role="pupil",
        channel="room",
        group_id=None,
        peer_user_id=None,
        peer_participant_id=None,
        status=status,
        text=text,
        client_msg_id=client_msg_id,
        sent_at=datetime.now(UTC),
        links_allowed=False,
        hold_reason="premoderation" if status == "held" else None,
        findings=({"check": "premoderation"},) if status == "held" else (),
    )


async def stored_ids(db: Database, message_ids: Sequence[str]) -> list[str]:
    """Which of ``message_ids`` are stored, in the table's order (``id``)."""
    async with db.transaction("test.read") as uow:
        found = [await uow.moderation.find_message(m) for m in message_ids]
    return [r.message_id for r in sorted((r for r in found if r is not None), key=lambda r: r.id)]


async def row_ids(db: Database, news: Sequence[NewChatMessage]) -> list[int | None]:
    """The row id of each of ``news`` (None: not stored)."""
    async with db.transaction("test.read") as uow:
        found = [await uow.moderation.find_message(new.message_id) for new in news]
    return [None if r is None else r.id for r in found]
