"""The receive fast path: which Socket.IO packets it decodes itself, and the idle timer.

Every packet the fast path declines takes python-socketio's own path, so a
decline is always safe; what it accepts must decode exactly as
python-socketio's ``Packet`` does.
"""

from __future__ import annotations

import asyncio
from types import SimpleNamespace
from typing import Any, cast

import pytest
from engineio import json as eio_json
from socketio import packet as sio_packet

from protocol.api.accounts import AccountKind
from protocol.ids import ParticipantId
from rooms import JoinTicket
from server.realtime.channels import Outbox
from server.realtime.connections import Connection
from server.realtime.engine import DirectEngineServer, IdleTimer
from server.realtime.settings import RealtimeSettings
from server.realtime.transport import JumelageSocketServer, _plain_event, build_socket_server


def socket_server() -> JumelageSocketServer:
    return build_socket_server(RealtimeSettings(), redis_url=None, namespace="t", cors_origins=None)


ACCEPTED = [
    '2["chat.send",{"text":"hi"}]',
    '217["room.join",{}]',
    '20["room.sync"]',
    '2["room.sync",{"a":[1,2,{"b":null}]},3]',
    "2[42]",
    '2999999999999999["x"]',
]


@pytest.mark.parametrize("data", ACCEPTED)
def test_an_accepted_event_decodes_as_python_socketio_decodes_it(data: str) -> None:
    reference = sio_packet.Packet(encoded_packet=data)
    assert reference.packet_type == sio_packet.EVENT
    assert reference.namespace is None
    for loads in (eio_json.loads, socket_server()._loads):
        assert _plain_event(data, loads) == (reference.id, reference.data)


def test_the_servers_codecs_are_python_engineios() -> None:
    server = socket_server()
    too_long = "[" + "1" * 101 + "]"
    with pytest.raises(ValueError, match="too large"):
        eio_json.loads(too_long)
    with pytest.raises(ValueError, match="too large"):
        server._loads(too_long)
    assert server._loads("[" + "1" * 100 + "]") == eio_json.loads("[" + "1" * 100 + "]")
    ack = [{"ok": False, "error": {"code": "x", "message": 'é \u2028 "q"', "details": {"n": 1.5}}}]
    reference = sio_packet.Packet(sio_packet.ACK, namespace="/", id=9, data=ack).encode()
    assert reference == "39" + server._dumps(ack)


@pytest.mark.parametrize(
    "data",
    [
        '3["x"]',  # an ACK
        '0{"token":"t"}',  # a CONNECT
        "1",  # a DISCONNECT
        '2/admin,["x"]',  # a namespace
        '21-["x",{"_placeholder":true,"num":0}]',  # an attachment count
        '2["x"',  # bad JSON
        "2[]",  # no name
        '2{"x":1}',  # not an array
        '2"x"',
        "2",
        "",
        '2١["x"]',  # a non-ASCII digit
        "2" + "9" * 16 + '["x"]',  # a long ack id
        "2[" + "1" * 200 + "]",  # an integer python-socketio refuses
        b'2["x"]',
    ],
)
def test_anything_else_is_left_to_python_socketio(data: Any) -> None:
    assert _plain_event(data, eio_json.loads) is None


async def test_the_idle_timer_cancels_a_read_that_waited_too_long() -> None:
    never = asyncio.get_running_loop().create_future()

    async def read() -> None:
        timer.start_wait()
        await never

    task = asyncio.create_task(read())
    timer = IdleTimer(0.05, task)
    with pytest.raises(asyncio.CancelledError):
        await task
    assert timer.expired
    timer.cancel()


async def test_the_idle_timer_spares_a_session_busy_between_reads() -> None:
    reads_done = 0

    async def session() -> None:
        nonlocal reads_done
        for _ in range(3):
            timer.start_wait()
            # A packet arrives at once: a wait of a real fraction of the
            # timeout would make the test depend on the host's load.
            await asyncio.sleep(0)
            timer.waiting = False
            await asyncio.sleep(0.15)  # handling it takes longer than the timeout
            reads_done += 1

    task = asyncio.create_task(session())
    timer = IdleTimer(0.1, task)
    await task
    assert reads_done == 3
    assert not timer.expired
    timer.cancel()


def test_a_connections_actor_is_built_once_per_participant() -> None:
    ticket = cast(JoinTicket, SimpleNamespace(room_id="room-1", user_id="user-1"))
    conn = Connection(
        sid="s",
        outbox=cast(Outbox, None),
        conn_id="c",
        ticket=ticket,
        kind=cast(AccountKind, None),
        epoch=0,
        checked_at=0.0,
    )
    conn.participant_id = ParticipantId("p-1")
    first = conn.actor
    assert conn.actor is first
    assert (first.room_id, first.user_id, first.participant_id, first.conn_id) == (
        "room-1",
        "user-1",
        "p-1",
        "c",
    )
    conn.participant_id = ParticipantId("p-2")
    assert conn.actor.participant_id == "p-2"
    conn.ticket = cast(JoinTicket, SimpleNamespace(room_id="room-2", user_id="user-1"))
    assert conn.actor.room_id == "room-2"


class MonitoredSocket:
    """What the engine's monitor reads of a socket."""

    def __init__(self, sid: str, *, closed: bool = False) -> None:
        self.sid = sid
        self.closed = closed
        self.closing = False
        self.checks = 0

    async def check_ping_timeout(self) -> bool:
        self.checks += 1
        return True


async def test_the_socket_monitor_checks_every_socket_once_per_ping_timeout() -> None:
    engine = DirectEngineServer(
        max_buffered_bytes=1, max_queued_packets=1, ping_timeout=4, async_mode="aiohttp"
    )
    sockets = [MonitoredSocket(f"s{n}") for n in range(25)]
    gone = MonitoredSocket("gone", closed=True)
    engine.sockets = {s.sid: s for s in [*sockets, gone]}
    monitor = asyncio.create_task(engine._service_task())
    await asyncio.sleep(0.7)
    # A slice per tick (8 ticks of 0.5 s per ping timeout): some, none twice.
    assert 0 < sum(s.checks for s in sockets) < len(sockets)
    await asyncio.sleep(2.9)
    # Every one once by the seventh tick (3 s), none again before 4 s.
    assert all(s.checks == 1 for s in sockets)
    assert "gone" not in engine.sockets and gone.checks == 0
    engine.service_task_event.set()
    await asyncio.wait_for(monitor, 1)
