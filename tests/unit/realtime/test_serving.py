"""How ``jumelage serve`` runs: its event loop and its startup heap."""

from __future__ import annotations

import asyncio
import gc
from collections.abc import Callable
from typing import Any

import pytest
from aiohttp import web

from server import cli
from server.config import Settings


async def test_the_startup_heap_is_left_out_of_later_collections() -> None:
    gc.unfreeze()
    try:
        await cli._freeze_startup_heap(web.Application())
        assert gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()


def test_serve_freezes_after_the_apps_startup_on_the_configured_loop(
    monkeypatch: pytest.MonkeyPatch, make_settings: Callable[..., Settings]
) -> None:
    seen: dict[str, Any] = {}

    def run_app(app: web.Application, *, loop: asyncio.AbstractEventLoop, **_: Any) -> None:
        seen["startup"] = list(app.on_startup)
        seen["loop"] = loop
        loop.close()

    monkeypatch.setattr(cli.web, "run_app", run_app)
    cli._serve(make_settings())
    # The app's cleanup contexts (services, sockets) open first, then the freeze.
    assert seen["startup"][-1] is cli._freeze_startup_heap
    assert len(seen["startup"]) >= 2
    assert isinstance(seen["loop"], asyncio.AbstractEventLoop)
