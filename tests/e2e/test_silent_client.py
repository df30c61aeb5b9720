"""Silent client death (§6.2 F6): a participant whose client freezes without closing
its socket is shown gone to the others within 30 s.

The client runs in a process of its own (``tests.e2e.silent_client``) on node
B; SIGSTOP freezes it, so its socket stays open but it never answers the
server's pings again. The teacher on node A must see it leave within
``ping_interval + 2 * ping_timeout`` at most (10 s + 2 x 5 s by default).
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import pytest

from protocol.events.rooms import ParticipantJoined, ParticipantLeft, SyncRoom
from tests.e2e.lessons import OpenClass, received

pytestmark = [pytest.mark.e2e, pytest.mark.redis, pytest.mark.postgres, pytest.mark.timeout(180)]

SHOWN_GONE_S = 30.0
START_S = 30.0
REPO = Path(__file__).resolve().parents[2]


@asynccontextmanager
async def frozen_later(
    url: str, token: str
) -> AsyncIterator[tuple[asyncio.subprocess.Process, str]]:
    """A client process joined on ``url``: yields it and its participant id;
    killed (even while stopped) on exit."""
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "tests.e2e.silent_client", url,
        cwd=REPO, stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
    )  # fmt: skip
    try:
        assert proc.stdin is not None and proc.stdout is not None
        proc.stdin.write(f"{token}\n".encode())
        await proc.stdin.drain()
        async with asyncio.timeout(START_S):
            participant_id = (await proc.stdout.readline()).decode().strip()
        assert participant_id, "the client process did not join"
        yield proc, participant_id
    finally:
        if proc.returncode is None:
            proc.kill()
        async with asyncio.timeout(START_S):
            await proc.wait()


async def test_a_frozen_client_on_b_is_shown_gone_on_a_within_30_s(open_class: OpenClass) -> None:
    room = await open_class(pupils=2)
    a, b = room.deployment.nodes
    lesson = room.lesson
    host = await room.join(lesson.host, a)
    neighbour = await room.join(lesson.pupils[1], a)
    token = await room.api.join_token(a.url, lesson.pupils[0], lesson.room_id)
    async with frozen_later(b.url, token) as (proc, participant_id):
        await received(
            host, ParticipantJoined, lambda e: e.participant.participant_id == participant_id
        )
        os.kill(proc.pid, signal.SIGSTOP)
        frozen_at = time.monotonic()
        left = await received(
            host,
            ParticipantLeft,
            lambda e: e.participant_id == participant_id,
            SHOWN_GONE_S + 15,
        )
        shown_gone_s = time.monotonic() - frozen_at
        assert shown_gone_s <= SHOWN_GONE_S
        assert left.reason == "disconnected"
        assert proc.returncode is None, "the client never closed anything: it is frozen"
    told = await received(neighbour, ParticipantLeft, lambda e: e.participant_id == participant_id)
    assert told.reason == "disconnected"
    snapshot = await host.send(SyncRoom())
    present = {p.participant_id for p in snapshot.participants if p.is_present}
    assert participant_id not in present
    assert {host.participant_id, neighbour.participant_id} <= present
