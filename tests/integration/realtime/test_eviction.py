"""Evictions over real sockets: a socket let go to rejoin comes back by itself,
a socket closed for good stays away.

Socket.IO clients take the server's disconnect packet as final and any other
close as a lost connection (they reconnect). So an eviction whose point is
that the client rejoins (its node taken for dead, a feed gap the log no
longer holds) must close the socket without that packet; a kick, a ban, a
revocation or the room's end must send it. The SDK is the client here, as
schools use it; browsers' socket.io-client draws the same line.
"""

from __future__ import annotations

import asyncio

import aiohttp
import pytest

from protocol.events.chat import ChatMessagePosted
from protocol.events.models import RoomSnapshot
from protocol.events.rooms import KickParticipant, ParticipantLeft
from server.realtime.connections import Connection
from tests.integration.realtime.live import Live, RecordingClient, until
from tests.integration.realtime.test_resume import say, visible_seqs

CLOSED_TYPES = (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED, aiohttp.WSMsgType.ERROR)
RECONNECT_GRACE_S = 1.0
"""Several times the test clients' longest reconnect delay (0.2 s): a client
that was going to come back would have by then."""


def connection_of(live: Live, client: RecordingClient) -> Connection:
    """The server's connection of a joined client."""
    (conn,) = [
        c for c in live.realtime.connections.in_room(live.room)
        if c.participant_id == client.participant_id
    ]  # fmt: skip
    return conn


async def test_a_socket_let_go_to_rejoin_resumes_every_event_once_in_order(live: Live) -> None:
    teacher = await live.teacher()
    host = await live.join(teacher)
    kid = await live.join(await live.pupil(teacher))
    start = (await kid.next(RoomSnapshot)).seq
    await say(live, host, "before")
    await kid.next(ChatMessagePosted, where=lambda e: e.text == "before")

    await live.realtime.evict(connection_of(live, kid), rejoin=True)
    for n in range(3):
        await say(live, host, f"while away {n}")
    await until(lambda: kid.joins == 2 and kid.connected)
    assert kid.last_join is not None and kid.last_join.replay is not None
    await say(live, host, "after")
    await kid.next(ChatMessagePosted, where=lambda e: e.text == "after")

    assert kid.closed_reason is None
    assert kid.seqs(start) == await visible_seqs(live, kid, start)
    texts = [e.text for e in kid.record if isinstance(e, ChatMessagePosted)]
    assert texts == ["before", "while away 0", "while away 1", "while away 2", "after"]
    # Shown to the others as a lost connection, not as leaving.
    left = await host.next(ParticipantLeft, where=lambda e: e.participant_id == kid.participant_id)
    assert left.reason == "disconnected"


async def test_a_node_taken_for_dead_lets_its_sockets_go_and_they_rejoin(
    live: Live, monkeypatch: pytest.MonkeyPatch
) -> None:
    teacher = await live.teacher()
    host = await live.join(teacher)
    kid = await live.join(await live.pupil(teacher))
    start = (await kid.next(RoomSnapshot)).seq
    liveness = live.services.cluster.liveness

    async def nobody_alive(node_ids: object) -> set[str]:
        return set()

    # This node looks dead to the room (cut off from the others for long).
    monkeypatch.setattr(liveness, "alive", nobody_alive)
    live.world.clock.advance(live.services.settings.rooms.presence_check_s)
    assert await live.services.rooms.timers.tick_due() == 1
    monkeypatch.undo()

    await until(lambda: all(c.joins == 2 and c.connected for c in (host, kid)))
    view = await live.services.rooms.kernel.view(live.room)
    assert {p.participant_id for p in view.present()} == {host.participant_id, kid.participant_id}
    await say(live, host, "welcome back")
    await kid.next(ChatMessagePosted, where=lambda e: e.text == "welcome back")
    assert host.closed_reason is None and kid.closed_reason is None
    assert kid.seqs(start) == await visible_seqs(live, kid, start)


@pytest.mark.parametrize("how", ["kick", "final eviction"])
async def test_a_socket_closed_for_good_does_not_come_back(live: Live, how: str) -> None:
    teacher = await live.teacher()
    host = await live.join(teacher)
    kid = await live.join(await live.pupil(teacher))
    if how == "kick":
        await host.send(KickParticipant(participant_id=str(kid.participant_id)))
        expected = "kicked"
    else:
        await live.realtime.evict(connection_of(live, kid))
        expected = "server_closed"
    await until(lambda: not kid.connected)
    assert kid.closed_reason == expected
    await asyncio.sleep(RECONNECT_GRACE_S)
    assert kid.joins == 1 and not kid.connected
    assert [c.user_id for c in live.realtime.connections.all()] == [teacher.user_id]


async def test_a_final_eviction_wins_over_a_pending_rejoin(live: Live) -> None:
    teacher = await live.teacher()
    await live.join(teacher)
    kid = await live.join(await live.pupil(teacher))
    conn = connection_of(live, kid)
    conn.busy = True  # as if a command of the kid's were running: the close waits
    await live.realtime.evict(conn, rejoin=True)
    await live.realtime.evict(conn)
    conn.busy = False
    live.realtime.close_soon(conn)
    await until(lambda: not kid.connected)
    assert kid.closed_reason == "server_closed"
    await asyncio.sleep(RECONNECT_GRACE_S)
    assert kid.joins == 1


async def test_a_stopping_node_lets_go_of_sockets_still_in_their_handshake(live: Live) -> None:
    # An Engine.IO socket whose Socket.IO connect has not arrived (or is still
    # being authenticated) has no connection yet; a stopping node must let it
    # go too, or its handler keeps the shutdown waiting for its whole timeout.
    session = aiohttp.ClientSession()
    try:
        socket = await session.ws_connect(f"{live.url}/socket.io/?EIO=4&transport=websocket")
        assert (await socket.receive_str()).startswith("0{")
        assert list(live.realtime.connections.all()) == []

        await live.http.app.on_shutdown.send(live.http.app)

        async with asyncio.timeout(RECONNECT_GRACE_S * 5):
            message = await socket.receive()
        assert message.type in CLOSED_TYPES, message
    finally:
        await session.close()
