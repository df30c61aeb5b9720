"""Property: no input makes a command handler fail with an unhandled exception.

Every registered command, through the real dispatcher of the real app, from
a joined pupil and a joined teacher, gets hostile payloads; the answer is
always an acknowledgement with a known code, never ``internal``, and the
app stays usable.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from hypothesis import given, settings, strategies as st

from protocol.errors import ErrorCode
from protocol.events.chat import SendChat
from protocol.registry import CLIENT_EVENTS
from server.realtime import limits
from tests.fuzz.strategies import event_names, payloads
from tests.integration.realtime.live import Live, RecordingClient, until

KNOWN_CODES = {code.value for code in ErrorCode} - {ErrorCode.INTERNAL.value}
TEACHER_SPARED = {"room.end", "room.leave"}
"""Commands that would end the fixture's session (the pupil still fuzzes them)."""


@dataclass
class Cast:
    live: Live
    host: RecordingClient
    kid: RecordingClient
    kid_user: str

    def sid(self, client: RecordingClient) -> str | None:
        found = [
            c.sid
            for c in self.live.realtime.connections.all()
            if c.participant_id == client.participant_id and not c.closing
        ]
        return found[0] if found else None

    async def send(self, client: RecordingClient, name: Any, args: tuple[Any, ...]) -> Any:
        """Dispatch as the client's socket (joining again if a command made it leave)."""
        sid = self.sid(client)
        if sid is None:
            await until(lambda: not client.connected)
            # Not a test of the limits: let the pupil come back at once.
            limiter = self.live.services.cluster.rate_limiter
            await limiter.reset(limits.CONNECT, self.kid_user)
            await limiter.reset(limits.SESSION, f"{self.live.room}:{self.kid_user}")
            await client.connect()
            sid = self.sid(client)
            assert sid is not None
        return await self.live.realtime.dispatcher.dispatch(sid, name, args)


@pytest.fixture
async def cast(live: Live) -> Cast:
    teacher = await live.teacher()
    host = await live.join(teacher)
    pupil = await live.pupil(teacher)
    kid = await live.join(pupil, reconnect=False)
    return Cast(live, host, kid, pupil.user_id)


def assert_handled(ack: Any) -> None:
    assert isinstance(ack, dict) and isinstance(ack.get("ok"), bool)
    if not ack["ok"]:
        assert ack["error"]["code"] in KNOWN_CODES, ack


@pytest.mark.parametrize("name", sorted(CLIENT_EVENTS))
@settings(settings.get_profile("fuzz"))
@given(data=st.data())
async def test_no_payload_breaks_a_handler(cast: Cast, name: str, data: st.DataObject) -> None:
    model = CLIENT_EVENTS[name]
    payload = data.draw(payloads(model), label="payload")
    extra = data.draw(st.lists(payloads(model), max_size=1), label="extra")
    senders = [cast.kid] if name in TEACHER_SPARED else [cast.kid, cast.host]
    for client in senders:
        assert_handled(await cast.send(client, name, (payload, *extra)))


@settings(settings.get_profile("fuzz"))
@given(name=event_names, payload=payloads(SendChat))
async def test_no_event_name_breaks_the_dispatcher(cast: Cast, name: Any, payload: Any) -> None:
    ack = await cast.send(cast.kid, name, (payload,))
    assert_handled(ack)
    if not isinstance(name, str) or name not in CLIENT_EVENTS:
        assert ack["error"]["code"] == "unknown_event"


async def test_the_room_still_works_after_hostile_input(cast: Cast) -> None:
    for _ in range(3):
        ack = await cast.send(cast.kid, "chat.send", ({"text": "\ud800" * 10},))
        assert ack["error"]["code"] == "invalid_payload"
    await cast.kid.send(SendChat(text="fine"))
    assert cast.host.connected and cast.kid.connected
