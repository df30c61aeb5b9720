"""``SocketOutbox``: the direct path to a socket and the order it keeps.

A fake transport records what reaches the wire, and ``drain`` plays the
Engine.IO writer task: it takes packets from the queue (``get_nowait``) and
writes each one (``written``, then the frame), the way python-engineio's
writer and ``DirectWebSocket.send`` do. Order tests flush each frame as it
is sent (a ``FrameBatch`` that runs its flush at once); the batching tests
run on the event loop.
"""

from __future__ import annotations

import asyncio
import json
import time
from dataclasses import dataclass, field
from types import SimpleNamespace

import pytest
from engineio import packet as eio_packet

from server.realtime.channels import event_packet
from server.realtime.engine import (
    DirectEngineServer,
    DirectWebSocket,
    FrameBatch,
    SocketOutbox,
    text_frame,
)


@dataclass
class FakeTransport:
    """What the outbox uses of an ``asyncio.Transport``."""

    frames: list[bytes] = field(default_factory=list)
    buffered: int = 0
    closing: bool = False
    aborted: bool = False

    def write(self, data: bytes) -> None:
        assert not self.closing, "written after the transport closed"
        self.frames.append(data)

    def is_closing(self) -> bool:
        return self.closing

    def get_write_buffer_size(self) -> int:
        return self.buffered

    def abort(self) -> None:
        self.aborted = self.closing = True


def at_once(flush: object) -> None:
    """A ``FrameBatch`` schedule that flushes as soon as a frame is held."""
    assert callable(flush)
    flush()


def outbox(
    *, max_bytes: int = 64 * 1024, max_queued: int = 10, batch: FrameBatch | None = None
) -> tuple[SocketOutbox, list[str]]:
    overflows: list[str] = []
    box = SocketOutbox(
        max_buffered_bytes=max_bytes,
        max_queued_packets=max_queued,
        on_overflow=lambda: overflows.append("overflow"),
        batch=batch or FrameBatch(at_once),
    )
    return box, overflows


def attached(
    *, direct: bool = True, closing: bool = False, batch: FrameBatch | None = None, **limits: int
) -> tuple[SocketOutbox, FakeTransport, list[str]]:
    """An outbox attached to a fake transport, and its overflow record."""
    box, overflows = outbox(batch=batch, **limits)
    transport = FakeTransport(closing=closing)
    box.attach(transport, direct=direct)  # type: ignore[arg-type]
    return box, transport, overflows


def numbered(n: int) -> eio_packet.Packet:
    return event_packet("demo.numbered", json.dumps({"n": n}))


def decode(frame: bytes) -> str:
    """The text of one unmasked frame written by the outbox or the writer."""
    assert frame[0] == 0x81, "a final, uncompressed text frame"
    size = frame[1]
    start = 2
    if size == 126:
        size, start = int.from_bytes(frame[2:4], "big"), 4
    elif size == 127:
        size, start = int.from_bytes(frame[2:10], "big"), 10
    assert len(frame) == start + size
    return frame[start:].decode()


def numbers(transport: FakeTransport) -> list[int]:
    seen = []
    for frame in transport.frames:
        text = decode(frame)
        if text.startswith("42"):
            seen.append(json.loads(text[2:])[1]["n"])
    return seen


def drain(box: SocketOutbox, transport: FakeTransport, limit: int | None = None) -> int:
    """The writer task: take up to ``limit`` packets, write them in order."""
    taken: list[eio_packet.Packet] = []
    while not box.empty() and (limit is None or len(taken) < limit):
        item = box.get_nowait()
        box.task_done()
        if item is None:
            break
        taken.append(item)
    for item in taken:
        box.written()
        transport.write(text_frame(item.encode()))
    return len(taken)


def split(data: bytes) -> list[bytes]:
    """The frames of one write, one after another (short frames only)."""
    frames = []
    while data:
        size = data[1]
        assert size < 126
        frames.append(data[: 2 + size])
        data = data[2 + size :]
    return frames


@pytest.mark.parametrize("size", [0, 125, 126, 65535, 65536, 70000])
def test_a_frame_carries_its_text_whatever_its_length(size: int) -> None:
    text = "é" * (size // 2) + "x" * (size % 2)
    assert decode(text_frame(text)) == text


def test_a_message_goes_straight_to_the_transport_when_nothing_is_ahead() -> None:
    box, transport, _ = attached()
    for n in range(3):
        box.put_nowait(numbered(n))
    assert numbers(transport) == [0, 1, 2]
    assert box.qsize() == 0 and box.direct_frames == 3


def test_order_holds_when_direct_and_queued_sends_interleave() -> None:
    box, transport, _ = attached(max_queued=1000)
    sent = 0

    def send(count: int) -> None:
        nonlocal sent
        for _ in range(count):
            box.send_frame(text_frame(numbered(sent).encode()), numbered(sent))
            sent += 1

    send(2)  # direct
    box.put_nowait(eio_packet.Packet(eio_packet.PING))  # control packets take the queue
    send(3)  # behind the ping
    held = [box.get_nowait(), box.get_nowait()]  # the writer holds the ping and one message
    send(2)  # queued behind what the writer holds
    for item in held:
        box.written()
        transport.write(text_frame(item.encode()))
    send(1)  # still behind the queue
    drain(box, transport)
    send(2)  # nothing ahead any more: direct
    assert numbers(transport) == list(range(sent))
    assert box.direct_frames == 4


def test_a_writer_that_takes_a_batch_keeps_later_messages_behind_it() -> None:
    box, transport, _ = attached(max_queued=1000)
    box.put_nowait(eio_packet.Packet(eio_packet.NOOP))
    for n in range(5):
        box.put_nowait(numbered(n))
    taken = [box.get_nowait() for _ in range(4)]  # NOOP + 0..2
    box.put_nowait(numbered(5))
    for item in taken:
        box.written()
        transport.write(text_frame(item.encode()))
        box.put_nowait(numbered(6 + taken.index(item)))
    drain(box, transport)
    box.put_nowait(numbered(10))
    assert numbers(transport) == list(range(11))
    assert box.direct_frames == 1


def test_a_compressed_socket_queues_everything() -> None:
    box, transport, _ = attached(direct=False)
    assert not box.is_direct
    box.put_nowait(numbered(0))
    box.send_frame(text_frame(numbered(1).encode()), numbered(1))
    assert transport.frames == [] and box.qsize() == 2
    drain(box, transport)
    assert numbers(transport) == [0, 1]


def test_binary_and_control_packets_are_queued() -> None:
    box, transport, _ = attached()
    box.put_nowait(eio_packet.Packet(eio_packet.MESSAGE, b"\x00\x01"))
    box.put_nowait(eio_packet.Packet(eio_packet.PING))
    assert transport.frames == [] and box.qsize() == 2


def test_a_consumer_whose_transport_backs_up_is_aborted_and_its_backlog_dropped() -> None:
    box, transport, overflows = attached(max_bytes=64 * 1024)
    box.put_nowait(numbered(0))
    transport.buffered = 64 * 1024 + 1
    box.put_nowait(numbered(1))
    box.put_nowait(numbered(2))
    assert transport.aborted and box.overflowed and overflows == ["overflow"]
    assert numbers(transport) == [0] and box.qsize() == 0


def test_a_consumer_whose_queue_grows_past_the_limit_is_aborted() -> None:
    box, transport, overflows = attached(max_queued=10)
    box.put_nowait(eio_packet.Packet(eio_packet.NOOP))
    for n in range(20):
        box.put_nowait(numbered(n))
    assert transport.aborted and overflows == ["overflow"]
    assert box.qsize() == 11, "nothing queued after the overflow"
    # The writer task still gets its end-of-socket marker.
    box.put_nowait(None)
    assert box.qsize() == 12


def test_nothing_is_written_to_a_closing_transport() -> None:
    box, transport, overflows = attached(closing=True)
    box.put_nowait(numbered(0))
    assert transport.frames == [] and overflows == []


def test_after_the_close_packet_messages_queue_behind_it() -> None:
    box, transport, _ = attached()
    box.put_nowait(eio_packet.Packet(eio_packet.CLOSE))
    drain(box, transport)
    box.put_nowait(numbered(0))
    assert [decode(f) for f in transport.frames] == ["1"]
    assert box.qsize() == 1 and not box.is_direct


def test_a_detached_outbox_queues() -> None:
    box, transport, _ = attached()
    box.detach()
    box.put_nowait(numbered(0))
    assert transport.frames == [] and box.qsize() == 1


async def test_the_writer_task_waits_on_the_outbox_as_on_a_queue() -> None:
    box, transport, _ = attached(direct=False)
    getter = asyncio.ensure_future(box.get())
    await asyncio.sleep(0)
    box.put_nowait(numbered(7))
    item = await asyncio.wait_for(getter, 1)
    box.task_done()
    box.written()
    transport.write(text_frame(item.encode()))
    box.attach(transport, direct=True)  # type: ignore[arg-type]
    box.put_nowait(numbered(8))
    assert numbers(transport) == [7, 8]
    await asyncio.wait_for(box.join(), 1)


async def test_frames_of_one_turn_reach_each_socket_in_one_write_in_order() -> None:
    batch = FrameBatch()
    first, first_transport, _ = attached(batch=batch)
    second, second_transport, _ = attached(batch=batch)
    for n in range(3):
        packet = numbered(n)
        frame = text_frame(packet.encode())
        first.send_frame(frame, packet)
        second.send_frame(frame, packet)
    assert first_transport.frames == [] and second_transport.frames == []
    await asyncio.sleep(0)  # the loop's next turn
    for transport in (first_transport, second_transport):
        assert len(transport.frames) == 1  # one write
        transport.frames = split(transport.frames[0])
        assert numbers(transport) == [0, 1, 2]
    assert first.direct_frames == second.direct_frames == 3
    assert (batch.writes, batch.frames) == (2, 6)


async def test_a_packet_that_takes_the_queue_goes_after_the_held_frames() -> None:
    box, transport, _ = attached(batch=FrameBatch(), max_queued=1000)
    box.put_nowait(numbered(0))  # held for the turn
    box.put_nowait(eio_packet.Packet(eio_packet.PING))  # the queue: the held frame goes first
    box.put_nowait(numbered(1))  # behind the ping
    assert numbers(transport) == [0]
    drain(box, transport)
    await asyncio.sleep(0)
    assert [decode(f) for f in transport.frames] == [
        decode(text_frame(numbered(0).encode())),
        "2",
        decode(text_frame(numbered(1).encode())),
    ]


async def test_held_frames_are_dropped_when_the_socket_closes_or_falls_behind() -> None:
    batch = FrameBatch()
    closing, closing_transport, _ = attached(batch=batch)
    slow, slow_transport, overflows = attached(batch=batch, max_bytes=10)
    closing.put_nowait(numbered(0))
    closing.detach()  # the WebSocket closes: nothing may follow its close frame
    slow.put_nowait(numbered(1))
    slow_transport.buffered = 11
    await asyncio.sleep(0)
    assert closing_transport.frames == [] and slow_transport.frames == []
    assert slow_transport.aborted and overflows == ["overflow"]


class RecordingWebSocket(DirectWebSocket):
    """The driver's writer task alone: what it sends, and whether it closed."""

    def __init__(self, ping_interval: float, ping_timeout: float) -> None:
        super().__init__(
            lambda ws: None,
            SimpleNamespace(ping_interval=ping_interval, ping_timeout=ping_timeout),
        )
        self.sent: list[str] = []
        self.closed = 0

    async def send(self, message: str | bytes) -> None:
        assert isinstance(message, str)
        self.sent.append(message)

    async def close(self) -> None:
        self.closed += 1


async def test_the_writer_sends_queued_packets_in_order_until_the_end_of_the_session() -> None:
    box, _, _ = attached(direct=False, max_queued=100)
    ws = RecordingWebSocket(ping_interval=60, ping_timeout=60)
    writer = asyncio.create_task(ws._write(SimpleNamespace(queue=box)))
    box.put_nowait(eio_packet.Packet(eio_packet.PING))
    await asyncio.sleep(0)
    for n in range(3):
        box.put_nowait(numbered(n))
    box.put_nowait(None)  # the session ends
    await asyncio.wait_for(writer, 5)
    assert ws.sent == ["2", *(numbered(n).encode() for n in range(3))]
    assert ws.closed == 1
    assert not writer.cancelled()


async def test_a_writer_with_nothing_to_send_for_the_engines_timeout_closes_the_socket() -> None:
    # As python-engineio's ``poll`` (``wait_for`` of ``ping_interval + ping_timeout``).
    box, _, _ = attached(direct=False)
    ws = RecordingWebSocket(ping_interval=0.02, ping_timeout=0.02)
    writer = asyncio.create_task(ws._write(SimpleNamespace(queue=box)))
    await asyncio.wait_for(writer, 5)
    assert ws.sent == [] and ws.closed == 1
    assert not writer.cancelled()


async def test_a_cancelled_writer_closes_the_socket_as_the_engines_does() -> None:
    box, _, _ = attached(direct=False)
    ws = RecordingWebSocket(ping_interval=60, ping_timeout=60)
    writer = asyncio.create_task(ws._write(SimpleNamespace(queue=box)))
    await asyncio.sleep(0)
    writer.cancel()
    await asyncio.wait({writer})
    assert ws.closed == 1


def engine_with(box: SocketOutbox, **socket: object) -> DirectEngineServer:
    server = DirectEngineServer(
        max_buffered_bytes=1024, max_queued_packets=10, async_mode="aiohttp", ping_timeout=5
    )
    state: dict[str, object] = {"queue": box, "closed": False, "last_ping": None, **socket}
    server.sockets["e1"] = SimpleNamespace(**state)
    return server


def test_send_now_holds_a_message_for_a_direct_socket_as_send_would() -> None:
    box, transport, _ = attached()
    assert engine_with(box).send_now("e1", '30[{"ok":true}]')
    assert [decode(f) for f in transport.frames] == ['430[{"ok":true}]']


@pytest.mark.parametrize(
    "case",
    ["no socket", "closed", "queued", "compressed", "ping overdue"],
)
def test_send_now_declines_what_the_engines_send_must_handle(case: str) -> None:
    box, transport, _ = attached(direct=case != "compressed")
    if case == "queued":
        box.put_nowait(eio_packet.Packet(eio_packet.PING))
    socket: dict[str, object] = {
        "closed": case == "closed",
        "last_ping": time.time() - 60 if case == "ping overdue" else None,
    }
    server = engine_with(box, **socket)
    sid = "other" if case == "no socket" else "e1"
    before = box.qsize()
    declined = not server.send_now(sid, "30[]")
    if case == "queued":
        # Behind a queued packet the message queues too, in order: that is sending.
        assert not declined and box.qsize() == before + 1
        return
    assert declined
    assert box.qsize() == before and transport.frames == []


async def test_the_before_writes_hooks_run_before_held_frames_are_written() -> None:
    batch = FrameBatch()
    box, transport, _ = attached(batch=batch)
    seen: list[int] = []
    remove = batch.before_writes(lambda: seen.append(len(transport.frames)))
    box.put_nowait(numbered(0))
    box.put_nowait(numbered(1))
    assert seen == []  # nothing runs before the turn's end
    await asyncio.sleep(0)
    assert seen == [0] and len(transport.frames) == 1  # once, before the turn's write
    remove()
    box.put_nowait(numbered(2))
    await asyncio.sleep(0)
    assert seen == [0]
    transport.frames = [*split(transport.frames[0]), transport.frames[1]]
    assert numbers(transport) == [0, 1, 2]


def test_the_before_writes_hooks_run_before_the_writer_takes_a_queued_packet() -> None:
    batch = FrameBatch(at_once)
    box, transport, _ = attached(direct=False, batch=batch)
    seen: list[int] = []
    batch.before_writes(lambda: seen.append(box.qsize()))
    box.put_nowait(numbered(0))
    box.put_nowait(numbered(1))
    assert seen == []  # queued: nothing leaves yet
    drain(box, transport)
    assert seen == [2, 1]  # before each packet was taken
    assert numbers(transport) == [0, 1]


async def test_the_before_writes_hooks_run_before_a_queued_packet_writes_the_held_frames() -> None:
    """A control packet that takes the queue writes the turn's held frames first:
    what they carry is stored before (the hooks run), as at the turn's flush."""
    batch = FrameBatch()
    box, transport, _ = attached(batch=batch)
    seen: list[int] = []
    batch.before_writes(lambda: seen.append(len(transport.frames)))
    box.put_nowait(numbered(0))
    box.put_nowait(eio_packet.Packet(eio_packet.PING))
    assert seen == [0] and numbers(transport) == [0]


@pytest.mark.parametrize("direct", [True, False])
async def test_a_cut_off_socket_writes_nothing_it_held_or_queued_and_nothing_after(
    direct: bool,
) -> None:
    """``cut_off`` (a turn of chat messages that could not be stored, from a hook that
    runs before any write): held frames and queued packets are dropped, the
    connection aborted, later packets dropped; a writer about to take a packet
    takes the end of the session."""
    batch = FrameBatch()
    box, transport, _ = attached(direct=direct, batch=batch)
    cut = False

    def hook() -> None:
        nonlocal cut
        if not cut:
            cut = True
            box.cut_off()

    batch.before_writes(hook)
    box.put_nowait(numbered(0))
    box.put_nowait(numbered(1))
    if direct:
        await asyncio.sleep(0)  # the turn's flush: the hook cuts the socket off first
    else:
        assert box.get_nowait() is None  # the hook ran as the writer took a packet
    assert transport.frames == [] and transport.aborted
    box.put_nowait(numbered(2))
    await asyncio.sleep(0)
    assert transport.frames == [] and box.empty()


def test_a_cut_off_socket_may_get_one_last_message_then_is_closed_not_aborted() -> None:
    """A sender's refusal in place of its held acknowledgement (``pending_messages``
    finds it among held frames and queued packets), written alone, then the
    connection closed after it."""
    closed: list[bool] = []

    class ClosingTransport(FakeTransport):
        def close(self) -> None:
            closed.append(True)
            self.closing = True

    batch = FrameBatch(lambda _flush: None)  # the turn's flush never comes
    box, _ = outbox(batch=batch)
    transport = ClosingTransport()
    box.attach(transport, direct=True)  # type: ignore[arg-type]
    box.put_nowait(numbered(0))
    box.put_nowait(eio_packet.Packet(eio_packet.MESSAGE, '312[{"ok":true,"id":"m-9"}]'))
    assert list(box.pending_messages("m-9")) == ['4312[{"ok":true,"id":"m-9"}]']
    assert list(box.pending_messages("m-8")) == []
    assert box.cut_off(last='4312[{"ok":false}]')
    assert [decode(f) for f in transport.frames] == ['4312[{"ok":false}]']
    assert closed == [True] and not transport.aborted


def test_a_queued_message_is_found_among_the_pending_ones() -> None:
    box, transport, _ = attached(direct=False)
    box.put_nowait(eio_packet.Packet(eio_packet.MESSAGE, '37[{"id":"m-1"}]'))
    assert list(box.pending_messages("m-1")) == ['437[{"id":"m-1"}]']
    assert box.cut_off(last="ignored") and transport.aborted  # not direct: aborted
    assert transport.frames == []
