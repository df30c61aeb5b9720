"""``ChatBatches``' own INSERT on the driver stores the rows SQLAlchemy's would."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Column, Integer, MetaData, String, Table
from sqlalchemy.dialects import sqlite

from protocol.ids import MessageId, ProjectId, RoomId, SchoolId, UserId
from storage import Database
from storage.chat_batches import (
    _COLUMNS,
    ChatBatches,
    _RowInsert,
    check_columns,
    stored_message,
)
from storage.migrations import upgrade
from storage.records_moderation import NewChatMessage
from storage.repositories.moderation import insert_messages, inserted_messages
from storage.tables.moderation import ChatMessage
from tests.unit.moderation.chat.rows import add_sender

PEER = UserId("row-peer-1")
PARIS = timezone(timedelta(hours=2))


def _messages() -> list[NewChatMessage]:
    """A posted message and a held one with findings, every column its own value."""
    common: dict[str, Any] = {
        "room_id": RoomId("room-r"),
        "session_id": "session-r",
        "project_id": ProjectId("project-r"),
        "school_id": SchoolId("school-r"),
        "participant_id": "participant-r",
        "sender_role": "pupil",
        "group_id": "group-r",
        "peer_user_id": PEER,
        "peer_participant_id": "participant-peer",
    }
    posted = NewChatMessage(
        message_id=MessageId("row-m1"),
        sender_user_id=UserId("writer-user-1"),
        channel="direct",
        status="posted",
        text="bonjour à toi",
        client_msg_id="client-1",
        sent_at=datetime(2026, 11, 29, 12, 3, 4, 567890, tzinfo=PARIS),
        links_allowed=True,
        **common,
    )
    held = NewChatMessage(
        message_id=MessageId("row-m2"),
        sender_user_id=UserId("writer-user-1"),
        channel="room",
        status="held",
        text="écris-moi",
        client_msg_id="client-2",
        sent_at=datetime(2026, 11, 29, 10, 0, tzinfo=UTC),
        links_allowed=False,
        hold_reason="premoderation",
        findings=({"check": "personal_data", "kind": "téléphone", "at": [1, 2]}, {"check": "x"}),
        **common,
    )
    return [posted, held]


UTC_ = UTC


async def _database(path: Path) -> Database:
    db = Database(f"sqlite+aiosqlite:///{path}")
    await upgrade(db)
    await add_sender(db)
    await add_sender(db, PEER)
    return db


def _raw_rows(path: Path) -> list[tuple[Any, ...]]:
    """Every stored value with its SQLite storage class, as the file holds them."""
    types = ", ".join(f"typeof({c.name})" for c in ChatMessage.__table__.columns)
    with sqlite3.connect(path) as conn:
        return conn.execute(f"SELECT *, {types} FROM chat_messages ORDER BY id").fetchall()


async def test_the_driver_insert_stores_the_rows_sqlalchemy_stores(tmp_path: Path) -> None:
    news = _messages()
    by_sqlalchemy = await _database(tmp_path / "sqlalchemy.sqlite3")
    async with by_sqlalchemy.transaction("test.insert") as uow:
        statement, rows = insert_messages(news)
        expected = inserted_messages(news, await uow.session.execute(statement, rows))
    await by_sqlalchemy.close()

    for name, batches_of in (("alone", 1), ("together", 2)):  # autocommit; BEGIN ... COMMIT
        by_driver = await _database(tmp_path / f"driver-{name}.sqlite3")
        batches = ChatBatches(by_driver)
        ids: list[int] = []
        for start in range(0, len(news), batches_of):
            ids += batches.add_now(news[start : start + batches_of]) or []
        batches.close()
        await by_driver.close()

        assert ids == [1, 2]
        assert [stored_message(new, row_id) for new, row_id in zip(news, ids, strict=True)] == (
            expected
        )
        raw = _raw_rows(tmp_path / f"driver-{name}.sqlite3")
        assert len(raw) == 2
        assert raw == _raw_rows(tmp_path / "sqlalchemy.sqlite3")


async def test_a_message_without_findings_stores_what_the_json_type_stores(
    tmp_path: Path,
) -> None:
    posted = _messages()[0]
    by_session = await _database(tmp_path / "session.sqlite3")
    async with by_session.transaction("test.insert") as uow:
        (expected,) = await uow.moderation.add_messages([posted])
    await by_session.close()
    by_driver = await _database(tmp_path / "driver.sqlite3")
    batches = ChatBatches(by_driver)
    assert batches.add_now([posted]) == [expected.id]
    assert stored_message(posted, expected.id) == expected
    batches.close()
    await by_driver.close()
    raw = _raw_rows(tmp_path / "driver.sqlite3")
    assert raw == _raw_rows(tmp_path / "session.sqlite3")
    findings = [c.name for c in ChatMessage.__table__.columns].index("findings")
    assert raw[0][findings] == "null"


def test_the_chat_table_has_the_columns_the_insert_writes() -> None:
    check_columns(ChatMessage.__table__)


@pytest.mark.parametrize("change", ["moved", "added", "removed"])
def test_a_changed_table_is_refused(change: str) -> None:
    names = [c.name for c in ChatMessage.__table__.columns]
    if change == "moved":
        names[1], names[2] = names[2], names[1]
    elif change == "added":
        names.append("reactions")
    else:
        names.remove("edited")
    table = Table(
        "chat_messages",
        MetaData(),
        *(Column(n, Integer, primary_key=True) if n == "id" else Column(n, String) for n in names),
    )
    with pytest.raises(RuntimeError, match="columns"):
        check_columns(table)


@pytest.mark.parametrize(
    "sent_at",
    [
        datetime(2026, 11, 29, 10, 0, tzinfo=UTC),
        datetime(2026, 11, 29, 12, 3, 4, 567890, tzinfo=PARIS),
        datetime(2000, 1, 1, 0, 30, 0, 1, tzinfo=timezone(timedelta(hours=5, minutes=30))),
        datetime(1999, 12, 31, 23, 59, 59, 999999, tzinfo=timezone(timedelta(hours=-5))),
    ],
)
def test_sent_at_is_the_text_sqlalchemy_binds(sent_at: datetime) -> None:
    dialect = sqlite.dialect()
    column = ChatMessage.__table__.c.sent_at
    process = column.type.dialect_impl(dialect).bind_processor(dialect)
    assert process is not None
    expected = process(sent_at)
    new = _messages()[0]._replace(sent_at=sent_at)
    parameters = _RowInsert(dialect).parameters(new)
    assert parameters[_COLUMNS.index("sent_at")] == expected


def test_a_naive_sent_at_is_refused() -> None:
    new = _messages()[0]._replace(sent_at=datetime(2026, 11, 29, 10, 0))
    with pytest.raises(ValueError, match="naive"):
        _RowInsert(sqlite.dialect()).parameters(new)
