"""Presence: a participant who vanishes without a word shows as gone quickly.

The server pings every ``ping_interval_s`` and drops a socket that has not
answered ``ping_timeout_s`` later; the defaults keep that under the 30 s
promised to teachers. Here the heartbeat is shortened so the test is quick,
and the client's network is "cut" by stopping its reading and writing while
its TCP connection stays open (no FIN, no close frame).
"""

from __future__ import annotations

import asyncio
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from protocol.events.rooms import ParticipantLeft
from server.config import Settings
from server.realtime.settings import RealtimeSettings
from tests.integration.realtime.live import Live

PING_INTERVAL_S = 1
PING_TIMEOUT_S = 1
PROMISED_S = 30


@pytest.fixture
def live_settings(
    make_settings: Callable[..., Settings], tmp_path: Path, realtime_template: Path
) -> Settings:
    path = tmp_path / "live.sqlite3"
    shutil.copyfile(realtime_template, path)
    return make_settings(
        database={"url": f"sqlite+aiosqlite:///{path}", "migrate_on_start": False},
        realtime={"ping_interval_s": PING_INTERVAL_S, "ping_timeout_s": PING_TIMEOUT_S},
    )


def test_the_default_heartbeat_notices_a_vanished_client_within_the_promise() -> None:
    defaults = RealtimeSettings()
    assert defaults.ping_interval_s + defaults.ping_timeout_s < PROMISED_S


async def test_a_silent_participant_is_shown_gone_after_the_heartbeat(live: Live) -> None:
    teacher = await live.teacher()
    host = await live.join(teacher)
    kid = await live.join(await live.pupil(teacher), reconnect=False)
    engine = kid._sio.eio
    loop = asyncio.get_running_loop()
    started = loop.time()
    engine.read_loop_task.cancel()
    engine.write_loop_task.cancel()
    left = await host.next(
        ParticipantLeft,
        where=lambda e: e.participant_id == kid.participant_id,
        timeout_s=(PING_INTERVAL_S + PING_TIMEOUT_S) * 4,
    )
    assert left.reason == "disconnected"
    assert loop.time() - started <= (PING_INTERVAL_S + PING_TIMEOUT_S) * 3
