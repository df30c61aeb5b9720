"""The per-user chat and connection limits are settings, and they hold.

Load tests raise them (bench/chat_fanout.py); whatever they are set to, a
pupil past the chat limit is refused with ``rate_limited`` and a retry delay,
and a user past the connection limit is refused at connect.
"""

from __future__ import annotations

import pytest

from client_sdk import CommandFailed, ConnectRefused, RealtimeClient
from protocol.events.chat import ChatMessagePosted, SendChat
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
configured = pytest.mark.parametrize("live_settings", [LIMITS], indirect=True)


@configured
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


@configured
async def test_a_user_past_the_configured_connection_limit_is_refused(live: Live) -> None:
    teacher = await live.teacher()
    for _ in range(CONNECT_BURST):
        await live.join(teacher)
    extra = RealtimeClient(live.url, await live.token(teacher), reconnect=False, timeout_s=5)
    with pytest.raises(ConnectRefused) as caught:
        await extra.connect()
    await extra.close()
    assert caught.value.code == "rate_limited"


@pytest.mark.parametrize(
    "live_settings",
    [{"realtime": {"chat_burst": 1000, "chat_per_s": 1000}, "moderation": {"chat_burst": 2}}],
    indirect=True,
)
async def test_the_moderation_chat_limit_is_a_setting_too(live: Live) -> None:
    teacher = await live.teacher()
    host = await live.join(teacher)
    await host.send(SendChat(text="one"))
    await host.send(SendChat(text="two"))
    with pytest.raises(CommandFailed) as caught:
        await host.send(SendChat(text="three"))
    assert caught.value.details.get("reason") == "rate_limited"


@pytest.mark.parametrize(
    "live_settings",
    [
        {
            "realtime": {"chat_burst": 1000, "chat_per_s": 1000},
            "moderation": {"chat_burst": 1000, "chat_per_s": 1000},
        }
    ],
    indirect=True,
)
async def test_raised_limits_let_one_teacher_send_a_burst_as_the_benchmark_does(
    live: Live,
) -> None:
    teacher = await live.teacher()
    host = await live.join(teacher)
    kid = await live.join(await live.pupil(teacher))
    for n in range(40):
        await host.send(SendChat(text=f"message {n}"))
    for n in range(40):
        assert (await kid.next(ChatMessagePosted)).text == f"message {n}"
