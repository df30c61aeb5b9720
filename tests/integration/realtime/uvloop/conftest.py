"""Tests in this folder run on uvloop (``realtime.event_loop = "uvloop"``):
its transports are the ones the direct path writes to there."""

from __future__ import annotations

from collections.abc import Callable, Mapping

import pytest
import uvloop


def pytest_asyncio_loop_factories(
    config: pytest.Config, item: pytest.Item
) -> Mapping[str, Callable[[], object]]:
    return {"uvloop": uvloop.new_event_loop}
