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
    assert rules[limits.CONNECT.name] == limits.CONNECT


def test_configured_limits_replace_the_connect_rule_only() -> None:
    settings = RealtimeSettings(connect_burst=3, connect_per_s=1)
    rules = limits.configured(settings)
    assert set(rules) == {limits.CONNECT.name}
    connect = rules[limits.CONNECT.name]
    assert (connect.capacity, connect.refill_per_s) == (3, 1)


def test_chat_takes_no_token_at_the_transport() -> None:
    # The moderation pipeline's rate-limit step is chat's one limit.
    assert limits.CHAT is None
    with pytest.raises(TypeError):
        RealtimeSettings(chat_burst=5)  # type: ignore[call-arg]


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
