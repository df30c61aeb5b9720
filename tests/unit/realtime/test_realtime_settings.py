"""Realtime settings: what they refuse, and the per-user limits they configure."""

from __future__ import annotations

import asyncio
import importlib.util
from typing import Any

import pytest
import uvloop

from server.realtime import limits
from server.realtime.loop import new_event_loop
from server.realtime.settings import RealtimeSettings


@pytest.mark.parametrize(
    "values",
    [
        {"max_buffered_bytes": 1024},
        {"max_queued_messages": 5},
        {"chat_burst": 0},
        {"chat_per_s": 0},
        {"connect_burst": 0},
        {"connect_per_s": -1},
        {"ping_timeout_s": 0},
    ],
)
def test_unsafe_values_are_refused(values: dict[str, Any]) -> None:
    with pytest.raises(ValueError, match="realtime"):
        RealtimeSettings(**values)


def test_the_default_limits_are_the_declared_rules() -> None:
    rules = limits.configured(RealtimeSettings())
    assert rules[limits.CHAT.name] == limits.CHAT
    assert rules[limits.CONNECT.name] == limits.CONNECT


def test_configured_limits_replace_the_chat_and_connect_rules_only() -> None:
    settings = RealtimeSettings(chat_burst=50, chat_per_s=20, connect_burst=3, connect_per_s=1)
    rules = limits.configured(settings)
    assert set(rules) == {limits.CHAT.name, limits.CONNECT.name}
    chat, connect = rules[limits.CHAT.name], rules[limits.CONNECT.name]
    assert (chat.capacity, chat.refill_per_s) == (50, 20)
    assert (connect.capacity, connect.refill_per_s) == (3, 1)


def test_the_default_event_loop_is_asyncios() -> None:
    loop, plain = new_event_loop(RealtimeSettings()), asyncio.new_event_loop()
    try:
        assert type(loop) is type(plain)
    finally:
        loop.close()
        plain.close()


def test_uvloop_when_configured() -> None:
    loop = new_event_loop(RealtimeSettings(event_loop="uvloop"))
    try:
        assert isinstance(loop, uvloop.Loop)
    finally:
        loop.close()


def test_uvloop_configured_but_not_installed_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(importlib.util, "find_spec", lambda name: None)
    with pytest.raises(ValueError, match="uvloop"):
        RealtimeSettings(event_loop="uvloop")
