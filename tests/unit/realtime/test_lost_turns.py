"""``server.realtime.lost_turns``: taking back a turn of chat messages that could
not be stored (over real sockets: tests/integration/realtime/test_lost_chat_turn.py)."""

from __future__ import annotations

import asyncio
import json
from types import SimpleNamespace
from typing import Any

import pytest
from engineio import packet as eio_packet

from server.realtime import lost_turns
from server.realtime.lost_turns import LogNotLocal, now, take_back
from storage.records_moderation import NewChatMessage
from tests.unit.moderation.chat.rows import chat_row


async def test_now_gives_the_result_of_a_coroutine_that_never_suspends() -> None:
    async def at_once() -> int:
        return 7

    assert now(at_once()) == 7


async def test_now_refuses_a_coroutine_that_suspends_and_closes_it() -> None:
    finished: list[bool] = []

    async def suspends() -> int:
        try:
            await asyncio.sleep(0)
            return 7
        finally:
            finished.append(True)

    with pytest.raises(LogNotLocal):
        now(suspends())
    assert finished == [True]  # closed, not left pending


def test_a_turn_that_cannot_be_taken_back_stops_the_process(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A log that is not the process's own (it awaits): ``stop_now`` with the rows."""
    stopped: list[list[NewChatMessage]] = []
    monkeypatch.setattr(lost_turns, "stop_now", lambda lost: stopped.append(list(lost)))

    class RemoteLog:
        async def redact(self, *_: Any) -> list[int]:
            await asyncio.sleep(0)
            return []

    realtime: Any = SimpleNamespace(
        services=SimpleNamespace(cluster=SimpleNamespace(event_log=RemoteLog())),
        pump=SimpleNamespace(last_seq={}),
    )
    rows = [chat_row(), chat_row()]
    take_back(realtime, rows)
    assert stopped == [rows]


def test_the_refusal_takes_the_ack_id_even_behind_the_senders_posted_copy() -> None:
    """The sender's own copy of ``chat.message_posted`` carries the lost message's id
    too, and may be held before its acknowledgement: the refusal answers the
    acknowledgement's id, and a socket holding no acknowledgement gets none."""
    from server.realtime.engine import FrameBatch, SocketOutbox
    from tests.unit.realtime.test_socket_outbox import FakeTransport

    box = SocketOutbox(
        max_buffered_bytes=64 * 1024,
        max_queued_packets=10,
        on_overflow=lambda: None,
        batch=FrameBatch(lambda _flush: None),
    )
    box.attach(FakeTransport(), direct=True)  # type: ignore[arg-type]
    posted = '2["chat.message_posted",{"message_id":"m-7","seq":3}]'
    box.put_nowait(eio_packet.Packet(eio_packet.MESSAGE, posted))
    ack = '35[{"ok":true,"data":{"message_id":"m-7"}}]'
    box.put_nowait(eio_packet.Packet(eio_packet.MESSAGE, ack))
    refusal = lost_turns._refusal(box, ["m-7"])
    assert refusal is not None and refusal.startswith("435[")
    [answer] = json.loads(refusal.removeprefix("435"))
    assert answer["ok"] is False and answer["error"]["code"] == "unavailable"
    assert lost_turns._refusal(box, ["m-8"]) is None
