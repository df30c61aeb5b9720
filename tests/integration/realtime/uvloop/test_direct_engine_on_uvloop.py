"""The direct path's order, slow-consumer and compression tests, on uvloop."""

from __future__ import annotations

import asyncio

import uvloop

from tests.integration.realtime.live import Live
from tests.integration.realtime.test_direct_engine import (
    test_a_client_that_stops_reading_is_cut_off_and_resumes_what_it_missed,
    test_a_compressed_socket_keeps_the_queue_and_its_order,
    test_order_holds_across_direct_and_queued_sends_under_back_pressure,
)

__all__ = [
    "test_a_client_that_stops_reading_is_cut_off_and_resumes_what_it_missed",
    "test_a_compressed_socket_keeps_the_queue_and_its_order",
    "test_order_holds_across_direct_and_queued_sends_under_back_pressure",
]


async def test_these_tests_run_on_uvloop(live: Live) -> None:
    assert isinstance(asyncio.get_running_loop(), uvloop.Loop)
    assert live.http.server.runner is not None
