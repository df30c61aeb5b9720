"""Chat messages stored in batches (``add_messages`` and ``ChatWriter``) on both engines."""

from __future__ import annotations

import asyncio

import pytest

from moderation.chat.writer import ChatWriter
from storage import Database, DuplicateKey
from storage.chat_batches import ChatBatches
from tests.unit.moderation.chat.rows import add_sender, chat_row, stored_ids


async def test_a_batch_is_one_statement_and_comes_back_in_order(db: Database) -> None:
    await add_sender(db)
    rows = [chat_row(client_msg_id=f"c{n}") for n in range(5)] + [chat_row(status="held")]
    async with db.transaction("test.batch") as uow:
        stored = await uow.moderation.add_messages(rows)
        assert await uow.moderation.add_messages([]) == []
    assert [s.message_id for s in stored] == [r.message_id for r in rows]
    assert [s.id for s in stored] == sorted(s.id for s in stored)
    async with db.transaction("test.read") as uow:
        for record in stored:
            assert await uow.moderation.find_message(record.message_id) == record


async def test_a_repeated_key_refuses_the_whole_batch(db: Database) -> None:
    await add_sender(db)
    first = chat_row(client_msg_id="c1")
    async with db.transaction("test.first") as uow:
        await uow.moderation.add_messages([first])
    batch = [chat_row(client_msg_id="c2"), chat_row(client_msg_id="c1")]
    with pytest.raises(DuplicateKey):
        async with db.transaction("test.batch") as uow:
            await uow.moderation.add_messages(batch)
    assert await stored_ids(db, [first.message_id, *(r.message_id for r in batch)]) == [
        first.message_id
    ]


async def test_the_writer_stores_a_batch_around_a_repeated_key(db: Database) -> None:
    await add_sender(db)
    writer = ChatWriter(db=db, batches=ChatBatches(db), interval_s=0)
    first = chat_row(client_msg_id="c1")
    await writer.store(first)
    rows = [chat_row(client_msg_id="c2"), chat_row(client_msg_id="c1"), chat_row()]
    results = await asyncio.gather(*(writer.store(r) for r in rows), return_exceptions=True)
    await writer.close()
    assert [isinstance(r, DuplicateKey) for r in results] == [False, True, False]
    everything = [first.message_id, *(r.message_id for r in rows)]
    assert await stored_ids(db, everything) == [
        first.message_id,
        rows[0].message_id,
        rows[2].message_id,
    ]
