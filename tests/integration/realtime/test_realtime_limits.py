"""The per-user chat and connection limits are settings, and they hold.

Load tests raise them (bench/chat_fanout.py); whatever they are set to, a
pupil past the chat limit is refused with ``rate_limited`` and a retry delay,
and a user past the connection limit is refused at connect.
"""

from __future__ import annotations

import pytest

from client_sdk import CommandFailed, ConnectRefused, RealtimeClient
from protocol.events.chat import SendChat
from tests.integration.realtime.live import Live

CHAT_BURST = 3
CONNECT_BURST = 2


LIMITS = {
    "realtime": {
        "chat_burst": CHAT_BURST,
        "chat_per_s": 0.5,
        "connect_burst": CONNECT_BURST,
        "connect_per_s": 0.1,
    }
}
pytestmark = pytest.mark.parametrize("live_settings", [LIMITS], indirect=True)


async def test_a_pupil_past_the_configured_chat_limit_is_rate_limited(live: Live) -> None:
    teacher = await live.teacher()
    await live.join(teacher)
    kid = await live.join(await live.pupil(teacher))
    outcomes = []
    for n in range(CHAT_BURST + 2):
        try:
            await kid.send(SendChat(text=f"hello {n}"))
            outcomes.append("ok")
        except CommandFailed as exc:
            outcomes.append(exc.code)
            assert exc.details.get("retry_after_s", 0) > 0
    assert outcomes == ["ok"] * CHAT_BURST + ["rate_limited"] * 2
    # The bucket refills at the configured rate (one message every 2 s).
    live.world.clock.advance(2)
    await kid.send(SendChat(text="later"))


async def test_a_user_past_the_configured_connection_limit_is_refused(live: Live) -> None:
    teacher = await live.teacher()
    for _ in range(CONNECT_BURST):
        await live.join(teacher)
    extra = RealtimeClient(live.url, await live.token(teacher), reconnect=False, timeout_s=5)
    with pytest.raises(ConnectRefused) as caught:
        await extra.connect()
    await extra.close()
    assert caught.value.code == "rate_limited"
