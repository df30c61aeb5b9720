"""The chat and connection limits are settings, and they hold.

Chat is limited once, by the moderation pipeline's rate-limit step (per
participant, per room, slow mode; shared by every node): its rates are the
``moderation`` settings, and a sender past them is refused with
``message_rejected`` (``details.reason``: ``rate_limited``) and a retry delay,
whatever other command they sent. Connections are limited by the realtime
settings. Load tests raise both (bench/chat_fanout.py).
"""

from __future__ import annotations

import pytest

from client_sdk import CommandFailed, ConnectRefused, RealtimeClient
from protocol.events.chat import ChatMessagePosted, SendChat
from protocol.events.hands import LowerHand, RaiseHand
from server.config import ConfigError, load_settings
from tests.integration.realtime.live import Live

CHAT_BURST = 3
CONNECT_BURST = 2


LIMITS = {
    "moderation": {"chat_burst": CHAT_BURST, "chat_per_s": 0.5},
    "realtime": {"connect_burst": CONNECT_BURST, "connect_per_s": 0.1},
}
configured = pytest.mark.parametrize("live_settings", [LIMITS], indirect=True)


async def outcomes_of(client: RealtimeClient, count: int) -> list[str]:
    """Send ``count`` messages at once: "ok" or the refusal's code and reason each."""
    outcomes = []
    for n in range(count):
        try:
            await client.send(SendChat(text=f"hello {n}"))
            outcomes.append("ok")
        except CommandFailed as exc:
            outcomes.append(f"{exc.code}:{exc.details.get('reason')}")
            assert exc.details.get("retry_after_s", 0) > 0
    return outcomes


@configured
async def test_a_pupil_past_the_configured_chat_limit_is_refused_once_and_alike(
    live: Live,
) -> None:
    teacher = await live.teacher()
    await live.join(teacher)
    kid = await live.join(await live.pupil(teacher))
    # Other commands do not spend the chat's tokens, nor chat theirs.
    await kid.send(RaiseHand())
    await kid.send(LowerHand())
    outcomes = await outcomes_of(kid, CHAT_BURST + 2)
    assert outcomes == ["ok"] * CHAT_BURST + ["message_rejected:rate_limited"] * 2
    await kid.send(RaiseHand())
    # The bucket refills at the configured rate (one message every 2 s).
    live.world.clock.advance(2)
    await kid.send(SendChat(text="later"))


@pytest.mark.parametrize(
    "live_settings", [{"moderation": {"chat_burst": 7, "chat_per_s": 0.5}}], indirect=True
)
async def test_a_raised_chat_limit_is_not_met_by_another_limit_first(live: Live) -> None:
    # The transport used to answer ``rate_limited`` after five messages,
    # whatever the moderation settings said.
    teacher = await live.teacher()
    host = await live.join(teacher)
    assert await outcomes_of(host, 8) == ["ok"] * 7 + ["message_rejected:rate_limited"]


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


def test_the_realtime_section_has_no_chat_limit_of_its_own() -> None:
    with pytest.raises(ConfigError, match="chat_burst"):
        load_settings(realtime={"chat_burst": 1000})


@pytest.mark.parametrize(
    "live_settings",
    [{"moderation": {"chat_burst": 1000, "chat_per_s": 1000}}],
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
