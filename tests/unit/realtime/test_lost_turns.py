"""``server.realtime.lost_turns``: taking back a turn of chat messages that could
not be stored (over real sockets: tests/integration/realtime/test_lost_chat_turn.py)."""

from __future__ import annotations

import asyncio
from types import SimpleNamespace
from typing import Any

import pytest

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
