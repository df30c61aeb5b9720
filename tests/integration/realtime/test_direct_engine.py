"""The direct path to sockets on real connections: order, slow consumers,
compression.

Events reach a socket either straight through its transport or through
python-engineio's queue and writer task; whichever way each one takes, a
client sees them in the order they were sent. A client that stops reading is
cut off once its backlog passes the limit, and catches up when it comes back.
A socket that negotiated permessage-deflate keeps the queue (aiohttp holds
its compressor) and still works.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

import aiohttp
import pytest
from engineio import packet as eio_packet
from socketio import packet as sio_packet

from protocol.events.chat import ChatMessagePosted, SendChat
from protocol.events.models import RoomSnapshot
from protocol.events.rooms import ParticipantLeft
from server.realtime.channels import event_packet
from server.realtime.connections import user_channel
from server.realtime.engine import SocketOutbox, text_frame
from tests.integration.realtime.live import Live, until
from tests.integration.realtime.test_resume import visible_seqs
from tests.support import Actor

SLOW_LIMIT_BYTES = 64 * 1024
FILLER_BYTES = 256 * 1024
MAX_FILLERS = 200
"""A bound: the kernel's buffers on loopback hold a few MB before the server's own."""
COMPRESSING = {"realtime": {"compression": True}}


async def raw_socket(
    live: Live, actor: Actor, session: aiohttp.ClientSession, *, compress: int = 0
) -> tuple[aiohttp.ClientWebSocketResponse, str]:
    """A Socket.IO connection spoken by hand (Engine.IO 4, Socket.IO 5): the
    socket and its Socket.IO sid, admitted with a join token."""
    token = await live.token(actor)
    socket = await session.ws_connect(
        f"{live.url}/socket.io/?EIO=4&transport=websocket", compress=compress
    )
    assert (await socket.receive_str()).startswith("0{")
    await socket.send_str("40" + json.dumps({"token": token, "protocol": 1}))
    connected = await socket.receive_str()
    assert connected.startswith("40{"), connected
    return socket, json.loads(connected[2:])["sid"]


def outbox_of(live: Live, sid: str) -> SocketOutbox:
    conn = live.realtime.connections.get(sid)
    assert conn is not None
    assert isinstance(conn.outbox, SocketOutbox)
    return conn.outbox


async def numbered_events(socket: aiohttp.ClientWebSocketResponse, count: int) -> list[int]:
    """The ``n`` of the next ``count`` numbered events (pings answered, noops skipped)."""
    seen: list[int] = []
    async with asyncio.timeout(20):
        while len(seen) < count:
            text = await socket.receive_str()
            if text == "2":
                await socket.send_str("3")
            elif text.startswith("42"):
                seen.append(json.loads(text[2:])[1]["n"])
    return seen


def send_numbered(box: SocketOutbox, n: int, pad: str = "") -> None:
    packet = event_packet("demo.numbered", json.dumps({"n": n, "pad": pad}))
    box.send_frame(text_frame(packet.encode()), packet)


def transport_of(socket: Any) -> asyncio.Transport:
    """The client's TCP transport under its WebSocket (to stop reading)."""
    transport: asyncio.Transport = socket._conn.transport
    return transport


@pytest.mark.parametrize(
    "live_settings",
    [{"realtime": {"max_buffered_bytes": 64 * 1024 * 1024, "max_queued_messages": 100_000}}],
    indirect=True,
)
async def test_order_holds_across_direct_and_queued_sends_under_back_pressure(
    live: Live,
) -> None:
    teacher = await live.teacher()
    async with aiohttp.ClientSession() as session:
        socket, sid = await raw_socket(live, teacher, session)
        box = outbox_of(live, sid)
        assert box.is_direct
        reading = transport_of(socket)
        reading.pause_reading()
        # 300 events of 32 kB: more than the kernel's buffers on loopback hold
        # while the client does not read, so the writer task blocks on
        # aiohttp's drain with packets in hand; a NOOP now and then forces the
        # next events into the queue, the rest go direct when they can.
        pad = "x" * 32 * 1024
        count = 300
        for n in range(count):
            if n % 25 == 10:
                box.put_nowait(eio_packet.Packet(eio_packet.NOOP))
            send_numbered(box, n, pad)
            if n % 10 == 0:
                await asyncio.sleep(0)
        assert 0 < box.direct_frames < count
        assert not box.overflowed
        reading.resume_reading()
        assert await numbered_events(socket, count) == list(range(count))
        await socket.close()


@pytest.mark.parametrize("live_settings", [COMPRESSING], indirect=True)
async def test_a_compressed_socket_keeps_the_queue_and_its_order(live: Live) -> None:
    teacher = await live.teacher()
    async with aiohttp.ClientSession() as session:
        socket, sid = await raw_socket(live, teacher, session, compress=15)
        assert socket.compress, "the server accepted permessage-deflate"
        box = outbox_of(live, sid)
        assert not box.is_direct
        for n in range(50):
            send_numbered(box, n)
            if n % 7 == 0:
                await asyncio.sleep(0)
        assert await numbered_events(socket, 50) == list(range(50))
        assert box.direct_frames == 0
        await socket.close()


async def test_an_offer_of_compression_is_declined_by_default_and_the_socket_is_direct(
    live: Live,
) -> None:
    teacher = await live.teacher()
    async with aiohttp.ClientSession() as session:
        socket, sid = await raw_socket(live, teacher, session, compress=15)
        assert not socket.compress
        box = outbox_of(live, sid)
        assert box.is_direct
        before = box.direct_frames
        send_numbered(box, 0)
        assert await numbered_events(socket, 1) == [0]
        assert box.direct_frames == before + 1
        await socket.close()


@pytest.mark.parametrize("live_settings", [COMPRESSING], indirect=True)
async def test_chat_reaches_sdk_clients_on_a_compressing_server(live: Live) -> None:
    teacher = await live.teacher()
    host = await live.join(teacher)
    kid = await live.join(await live.pupil(teacher))
    for n in range(3):
        live.world.clock.advance(1)
        await kid.send(SendChat(text=f"hello {n}"))
    for n in range(3):
        assert (await host.next(ChatMessagePosted)).text == f"hello {n}"


@pytest.mark.parametrize(
    "live_settings",
    [{"realtime": {"max_buffered_bytes": SLOW_LIMIT_BYTES, "max_queued_messages": 10}}],
    indirect=True,
)
async def test_a_client_that_stops_reading_is_cut_off_and_resumes_what_it_missed(
    live: Live,
) -> None:
    teacher = await live.teacher()
    host = await live.join(teacher)
    pupil = await live.pupil(teacher)
    kid = await live.join(pupil)
    start = (await kid.next(RoomSnapshot)).seq
    engine = live.realtime.sio.eio
    ws = kid._sio.eio.ws
    assert ws is not None
    reading = transport_of(ws)
    reading.pause_reading()
    # Large events to this pupil alone until the server gives up on the socket.
    filler = json.dumps({"pad": "x" * FILLER_BYTES})
    channel = user_channel(live.room, pupil.user_id)
    for _ in range(MAX_FILLERS):
        live.realtime.channels.send(channel, "demo.filler", filler)
        await asyncio.sleep(0)
        if engine.slow_consumers:
            break
    assert engine.slow_consumers == 1
    await host.next(ParticipantLeft)
    for n in range(3):
        live.world.clock.advance(1)
        await host.send(SendChat(text=f"missed {n}"))
    reading.resume_reading()
    await until(lambda: kid.joins == 2, timeout_s=15)
    live.world.clock.advance(1)
    await host.send(SendChat(text="after"))
    await kid.next(ChatMessagePosted, where=lambda e: e.text == "after")
    assert kid.seqs(start) == await visible_seqs(live, kid, start)


async def next_ack(socket: aiohttp.ClientWebSocketResponse) -> str:
    """The next Socket.IO ACK frame's text (pings answered, events skipped)."""
    async with asyncio.timeout(10):
        while True:
            text = await socket.receive_str()
            if text == "2":
                await socket.send_str("3")
            elif text.startswith("43"):
                return text


async def test_commands_are_acknowledged_as_python_socketio_encodes_acks(live: Live) -> None:
    teacher = await live.teacher()
    async with aiohttp.ClientSession() as session:
        socket, _ = await raw_socket(live, teacher, session)
        await socket.send_str('4217["room.join",{}]')
        frame = await next_ack(socket)
        assert frame.startswith("4317[")
        (ack,) = json.loads(frame[4:])
        assert ack["ok"] is True
        reference = sio_packet.Packet(sio_packet.ACK, namespace="/", id=17, data=[ack])
        assert frame == "4" + reference.encode()
        # An error ack, and a command sent without an ack id gets none.
        await socket.send_str('42["no.such_thing",{}]')
        await socket.send_str('423["no.such_thing",{}]')
        frame = await next_ack(socket)
        assert frame.startswith("433[")
        assert json.loads(frame[3:])[0]["error"]["code"] == "unknown_event"
        await socket.close()


@pytest.mark.parametrize(
    "bad",
    [
        '42["room.sync"',  # bad JSON
        '42{"x":1}',  # not an array
        '42/admin,["room.sync"]',  # a namespace the client never joined
        "4",  # an empty Engine.IO message
        '4"text"',  # an Engine.IO message that is not a Socket.IO packet
        '42["connect"]',  # a reserved event name
        "6",  # an Engine.IO NOOP from the client
    ],
)
async def test_a_bad_packet_changes_nothing_and_the_socket_goes_on(live: Live, bad: str) -> None:
    teacher = await live.teacher()
    async with aiohttp.ClientSession() as session:
        socket, sid = await raw_socket(live, teacher, session)
        await socket.send_str(bad)
        await socket.send_str('425["room.join",{}]')
        frame = await next_ack(socket)
        assert frame.startswith("435[")
        assert json.loads(frame[3:])[0]["ok"] is True
        assert live.realtime.connections.get(sid) is not None
        await socket.close()
