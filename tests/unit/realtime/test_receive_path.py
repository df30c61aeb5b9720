"""The receive fast path: which Socket.IO packets it decodes itself, and the idle timer.

Every packet the fast path declines takes python-socketio's own path, so a
decline is always safe; what it accepts must decode exactly as
python-socketio's ``Packet`` does.
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from engineio import json as eio_json
from socketio import packet as sio_packet

from server.realtime.engine import IdleTimer
from server.realtime.transport import _plain_event

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
    decoded = _plain_event(data, eio_json.loads)
    reference = sio_packet.Packet(encoded_packet=data)
    assert decoded is not None
    assert reference.packet_type == sio_packet.EVENT
    assert reference.namespace is None
    assert decoded == (reference.id, reference.data)


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
            await asyncio.sleep(0.03)  # a packet arrives in time
            timer.waiting = False
            await asyncio.sleep(0.08)  # handling it takes longer than the timeout
            reads_done += 1

    task = asyncio.create_task(session())
    timer = IdleTimer(0.05, task)
    await task
    assert reads_done == 3
    assert not timer.expired
    timer.cancel()
