"""Engine.IO with a direct path to the socket: each socket's outbox and the driver that opens it.

python-engineio gives each socket an unbounded ``asyncio.Queue`` drained by a
writer task: every packet sent is a queue put, a task switch, a ``wait_for``
and an aiohttp frame, and for a room's fan-out that was most of the server's
CPU. Here, through the engine's own extension points (``create_queue`` and
its table of async drivers):

* ``SocketOutbox`` is the socket's queue. A message packet is written to
  the socket's transport at once, as a WebSocket frame, when nothing is
  ahead of it: the queue is empty and the writer task holds no packet it has
  not written yet. Otherwise it is queued, and the writer task sends it in
  order. Control packets (ping, close, noop) always take the queue: they keep
  the writer task alive (it closes the socket after ``ping_interval +
  ping_timeout`` without a packet).
* ``send_frame`` is the same with a frame built by the caller: the feed pump
  builds one frame per event and hands the same bytes to every recipient (a
  server's frames are not masked, RFC 6455 section 5.1, so one byte string
  serves every socket).
* ``FrameBatch``: "written at once" means at the end of the event loop's
  current turn. A socket's direct frames of one turn are held in order and
  written together, one ``transport.write`` (one ``send`` system call) for
  all of them. Under load the feed pump delivers several events of a room in
  one turn, and the kernel's send per recipient and frame was the largest
  cost of the fan-out; at low rates a turn holds one frame per socket, as
  before. Anything that takes the queue first writes the held frames, so
  order holds.
* ``DirectWebSocket``, the aiohttp driver, attaches the outbox to the
  connection's transport once the handshake is done. A socket that
  negotiated permessage-deflate is not opened for direct writes: its
  compressor state lives in aiohttp's writer, so all its packets keep the
  queue. Nor is a socket upgraded from long-polling (the client takes no
  message on the new transport before the upgrade completes; our server
  offers WebSocket only, so this is a guard). Once the Engine.IO CLOSE
  packet is queued, or the WebSocket closes, direct writes stop: nothing may
  follow a close frame.
* ``DirectWebSocket`` also runs the socket's session (``session``) when it
  opens on WebSocket: python-engineio's own handler, with a cheaper read
  loop. python-engineio wraps every read in a task of its own and a
  ``wait_for`` timeout, so each packet received cost a task, a timer and two
  more turns of the event loop; here the read is awaited in place, one timer
  per socket (``IdleTimer``) keeps the engine's idle timeout, and a message
  packet goes straight to the Engine.IO ``message`` handler (python-socketio).
  Everything else (pong, close, malformed packets) takes the engine's own
  ``receive``; every outcome is the engine's. Its writer task waits the same
  way (the engine's ``poll`` put a ``wait_for`` around each wait: a task
  and a timer per ping sent), and a command's acknowledgement reaches the
  outbox in place (``DirectEngineServer.send_now``), not four coroutines
  deep.
* Back-pressure (python-engineio #133: the queue is unbounded): a socket
  whose transport holds more than ``max_buffered_bytes`` unsent, or whose
  queue holds more than ``max_queued_packets``, is a consumer that does not
  keep up. It is aborted, its backlog dropped; its client reconnects and
  catches up from its last ``seq`` (replay or snapshot), like after any
  network failure.

Not for the Socket.IO layer (namespaces, acknowledgements, the handshake):
python-socketio keeps those, and its packets reach the outbox through the
engine's ``send``.
"""

from __future__ import annotations

import asyncio
import logging
import struct
import time
from collections import deque
from collections.abc import Awaitable, Callable, Iterator
from typing import Any

import engineio
from aiohttp import web
from engineio import async_socket as eio_socket, exceptions as eio_exceptions, packet as eio_packet
from engineio.async_drivers import aiohttp as eio_aiohttp

logger = logging.getLogger(__name__)

TEXT_FRAME = 0x81
"""FIN + text opcode (RFC 6455 section 5.2); no RSV bit: not compressed."""
_LEN16 = struct.Struct("!BBH")
_LEN64 = struct.Struct("!BBQ")


def text_frame(text: str) -> bytes:
    """One unmasked, uncompressed WebSocket text frame carrying ``text``."""
    payload = text.encode()
    size = len(payload)
    if size < 126:
        return bytes((TEXT_FRAME, size)) + payload
    if size < 65536:
        return _LEN16.pack(TEXT_FRAME, 126, size) + payload
    return _LEN64.pack(TEXT_FRAME, 127, size) + payload


def _frame_text(frame: bytes) -> str:
    """The text ``text_frame`` put in ``frame``."""
    size = frame[1]
    start = 2 if size < 126 else 4 if size == 126 else 10
    return frame[start:].decode()


class FrameBatch:
    """The sockets holding direct frames in this turn of the event loop.

    The first socket to hold a frame in a turn schedules one ``flush`` for the
    loop's next turn (``call_soon``); each socket then writes what it holds.

    Args:
        schedule: Runs ``flush`` later; the running loop's ``call_soon`` by
            default. (Tests of order alone pass one that runs it at once.)
    """

    def __init__(self, schedule: Callable[[Callable[[], None]], object] | None = None) -> None:
        self._schedule = schedule
        self._holding: list[SocketOutbox] = []
        self._before_write: list[Callable[[], None]] = []
        """Run before any frame leaves (``before_writes``)."""
        self.writes = 0
        """Direct writes to transports (one per socket and turn that held frames)."""
        self.frames = 0
        """Frames those writes carried: ``frames / writes`` is how much a turn groups."""

    def hold(self, outbox: SocketOutbox) -> None:
        """Note a socket that began holding frames (it is flushed once)."""
        self._holding.append(outbox)
        if len(self._holding) == 1:
            schedule = self._schedule or asyncio.get_running_loop().call_soon
            schedule(self.flush)

    def before_writes(self, hook: Callable[[], None]) -> Callable[[], None]:
        """Run ``hook`` before this server's sockets write anything: before each
        flush of held frames, and before a socket's writer task takes a queued
        packet. The chat's store commits the rows of the loop's turn there, so
        that no frame leaves the process before the messages it carries are
        stored (``storage.chat_batches.ChatBatches.share_turns``). ``hook``
        must not raise. Returns what removes it.
        """
        self._before_write.append(hook)
        return lambda: self._before_write.remove(hook)

    def ready_to_write(self) -> None:
        """Run the ``before_writes`` hooks (a socket is about to write)."""
        for hook in self._before_write:
            hook()

    def flush(self) -> None:
        """Write every held frame (each socket's in order, one write per socket)."""
        if self._before_write:
            self.ready_to_write()
        holding, self._holding = self._holding, []
        for outbox in holding:
            outbox.flush()


class SocketOutbox(asyncio.Queue[Any]):
    """One Engine.IO socket's queue, with a direct path to its transport.

    Args:
        max_buffered_bytes: Unsent bytes the transport may hold before the
            socket is taken for a slow consumer.
        max_queued_packets: Packets the queue may hold, likewise.
        on_overflow: Told when a slow consumer is aborted.
        batch: Where direct frames wait for the end of the loop's turn.
    """

    def __init__(
        self,
        *,
        max_buffered_bytes: int,
        max_queued_packets: int,
        on_overflow: Callable[[], None],
        batch: FrameBatch,
    ) -> None:
        super().__init__()
        self._max_buffered = max_buffered_bytes
        self._max_queued = max_queued_packets
        self._on_overflow = on_overflow
        self._batch = batch
        self._held: list[bytes] = []
        """Direct frames of this turn, in order, not written yet."""
        self._transport: asyncio.Transport | None = None
        self._direct: asyncio.Transport | None = None
        """The transport, when frames may be written to it (not compressed)."""
        self._ahead = 0
        """Packets queued, or taken by the writer task and not written yet: while
        any, a new packet queues behind them (one counter for the hot check)."""
        self.overflowed = False
        """Aborted as a slow consumer; whatever comes next is dropped."""
        self.direct_frames = 0
        """Frames written by the direct path (for tests and diagnostics)."""

    @property
    def is_direct(self) -> bool:
        """Whether message frames may be written straight to the transport."""
        return self._direct is not None

    def attach(self, transport: asyncio.Transport | None, *, direct: bool) -> None:
        """Link the outbox to its connection once the WebSocket handshake is done.

        Args:
            transport: The connection's transport.
            direct: Whether frames may be written to it (False when compressed).
        """
        self._transport = transport
        self._direct = transport if direct else None

    def detach(self) -> None:
        """Forget the transport: the WebSocket is closing or gone.

        Frames still held are dropped: nothing may follow a close frame (the
        client resumes from its last ``seq``). A close that the server starts
        queues its CLOSE packet first, which writes them.
        """
        self._transport = self._direct = None
        self._held = []

    def send_frame(self, frame: bytes, packet: eio_packet.Packet) -> None:
        """Send a message packet whose frame the caller built (once for many sockets).

        Written at the end of the loop's turn when nothing is ahead of it (with
        the socket's other frames of the turn); queued otherwise.
        """
        if self._direct is not None and not self._ahead:
            held = self._held
            held.append(frame)
            if len(held) == 1:
                self._batch.hold(self)
            return
        self._enqueue(packet)

    def flush(self) -> None:
        """Write the frames held in this turn, in order, as one write."""
        held = self._held
        if not held:
            return
        self._held = []
        transport = self._direct
        if transport is None or transport.is_closing():
            return
        if transport.get_write_buffer_size() > self._max_buffered:
            self._overflow()
            return
        transport.write(held[0] if len(held) == 1 else b"".join(held))
        self.direct_frames += len(held)
        batch = self._batch
        batch.writes += 1
        batch.frames += len(held)

    # -- asyncio.Queue, as python-engineio uses it -------------------------

    def put_nowait(self, item: Any) -> None:
        """Engine.IO's ``send``: message packets take the direct path when they can."""
        if (
            self._direct is not None
            and isinstance(item, eio_packet.Packet)
            and item.packet_type == eio_packet.MESSAGE
            and not item.binary
        ):
            self.send_frame(text_frame(item.encode()), item)
            return
        self._enqueue(item)

    def _put(self, item: Any) -> None:
        # asyncio.Queue's storage hooks: every packet queued counts as ahead.
        super()._put(item)
        self._ahead += 1

    def _get(self) -> Any:
        # The writer task takes a packet; it stays ahead until ``written``,
        # except the end-of-session marker, which is never written. What the
        # packet may carry is stored first (``FrameBatch.before_writes``).
        self._batch.ready_to_write()
        item = super()._get()
        if item is None:
            self._ahead -= 1
        return item

    def written(self) -> None:
        """The writer task put one packet it had taken on the wire."""
        if self._ahead:
            self._ahead -= 1

    def _enqueue(self, item: Any) -> None:
        if self._held:
            # What takes the queue goes on the wire after the held frames,
            # which are written now: what they carry is stored first.
            self._batch.ready_to_write()
            self.flush()
        if self.overflowed and item is not None:
            return
        if item is None or (
            isinstance(item, eio_packet.Packet) and item.packet_type == eio_packet.CLOSE
        ):
            # The session ends: whatever comes later queues behind its end
            # (and is never written) instead of overtaking it on the wire.
            self._direct = None
        super().put_nowait(item)
        if item is not None and self.qsize() > self._max_queued:
            self._overflow()

    def cut_off(self, *, last: str | None = None) -> bool:
        """Drop everything not written yet (held frames, queued packets) and end
        the connection; nothing more is written.

        For a socket that must not get what its outbox holds (frames of chat
        messages that could not be stored: ``server.realtime.lost_turns``):
        its client reconnects, as after a network failure, and resumes from
        its last ``seq``. The writer task, if it has packets to take, takes
        the end of the session instead.

        Args:
            last: A message packet's text written before the end (a sender's
                refusal), on a direct socket only; the connection is then
                closed after it (its buffer flushed), not aborted.

        Returns:
            Whether the connection was ended (False: no transport attached yet).
        """
        self._held = []
        direct, self._direct = self._direct, None
        self.overflowed = True  # ``_enqueue`` drops what comes next
        queued: deque[Any] = self._queue  # type: ignore[attr-defined]  # the Queue's deque
        if queued:
            queued.clear()
            queued.append(None)
            self._ahead = 1
        transport = self._transport
        if transport is None:
            return False
        if last is not None and direct is not None and not direct.is_closing():
            direct.write(text_frame(last))
            direct.close()
            return True
        transport.abort()
        return True

    def pending_messages(self, needle: str) -> Iterator[str]:
        """The texts of the messages not written yet (held frames, then queued
        packets), in order, that contain ``needle``."""
        for frame in self._held:
            text = _frame_text(frame)
            if needle in text:
                yield text
        queued: deque[Any] = self._queue  # type: ignore[attr-defined]  # the Queue's deque
        for item in queued:
            if (
                isinstance(item, eio_packet.Packet)
                and item.packet_type == eio_packet.MESSAGE
                and isinstance(item.data, str)
                and needle in item.data
            ):
                yield str(item.encode())

    def _overflow(self) -> None:
        if self.overflowed:
            return
        self.overflowed = True
        logger.warning("slow consumer: its socket is closed and its backlog dropped")
        self._on_overflow()
        transport = self._transport
        self._direct = None
        if transport is not None:
            # Abort, not close: a close would wait behind the backlog.
            transport.abort()


SERVICE_TICK_S = 0.5
"""How often the socket monitor wakes (``DirectEngineServer._service_task``)."""
ENGINEIO_MESSAGE = "4"
"""Engine.IO packet type MESSAGE, as the first character of a text frame."""


class IdleTimer:
    """The engine's idle timeout of a session's reads, with one timer per socket.

    python-engineio gives up on a client that sent nothing for ``ping_interval
    + ping_timeout`` while it waited to read; it set a timeout for each read.
    Here one timer runs per socket: when it fires during a read that has
    waited that long, it cancels the reading task (``expired``); otherwise it
    is set again for when the current wait would reach it.

    Args:
        timeout_s: How long a read may wait.
        task: The task that reads.
    """

    def __init__(self, timeout_s: float, task: asyncio.Task[Any]) -> None:
        self._loop = asyncio.get_running_loop()
        self._timeout_s = timeout_s
        self._task = task
        self.waiting = False
        """A read is waiting (set by ``start_wait``, cleared by the reader)."""
        self.since = self._loop.time()
        """When the current (or latest) read began."""
        self.expired = False
        """The timer cancelled the reading task."""
        self._handle = self._loop.call_at(self.since + timeout_s, self._fire)

    @classmethod
    def of_session(cls, server: Any) -> IdleTimer:
        """The engine's timeout (``ping_interval + ping_timeout``) for the current task."""
        task = asyncio.current_task()
        assert task is not None
        return cls(server.ping_interval + server.ping_timeout, task)

    def settle(self) -> None:
        """After the task's wait was cancelled: take back a cancellation of the timer's own.

        The wait simply ends (the engine's timeout raises nothing further);
        a cancellation from elsewhere is left as it was.
        """
        if self.expired:
            self._task.uncancel()

    def start_wait(self) -> None:
        """A read begins now."""
        self.since = self._loop.time()
        self.waiting = True

    def cancel(self) -> None:
        """The session is over."""
        self._handle.cancel()

    def _fire(self) -> None:
        now = self._loop.time()
        due = self.since + self._timeout_s
        if self.waiting and now >= due:
            self.expired = True
            self._task.cancel()
            return
        next_due = due if self.waiting else now + self._timeout_s
        self._handle = self._loop.call_at(next_due, self._fire)


async def _trigger_message(
    server: Any, handler: Callable[[str, str], Awaitable[Any]], sid: str, data: str
) -> None:
    """The engine's ``_trigger_event("message", ...)`` (handlers run in place)."""
    try:
        await handler(sid, data)
    except asyncio.CancelledError:
        # As the engine: a cancelled handler is not an error, and the session goes on.
        pass
    except Exception:
        server.logger.exception("message async handler error")


class DirectWebSocket(eio_aiohttp.WebSocket):  # type: ignore[misc]
    """python-engineio's aiohttp driver, opening the socket's outbox to its transport."""

    async def __call__(self, environ: dict[str, Any]) -> Any:
        request = environ["aiohttp.request"]
        self._sock = web.WebSocketResponse(max_msg_size=self.server.max_http_buffer_size)
        await self._sock.prepare(request)
        self.environ = environ
        socket = getattr(self.handler, "__self__", None)
        outbox = getattr(socket, "queue", None)
        self._outbox = outbox if isinstance(outbox, SocketOutbox) else None
        if self._outbox is not None:
            # A socket already connected is upgrading from long-polling.
            upgrading = bool(getattr(socket, "connected", False))
            direct = not self._sock.compress and not upgrading
            self._outbox.attach(request.transport, direct=direct)
        try:
            if isinstance(socket, eio_socket.AsyncSocket) and not socket.connected:
                await self.session(socket)
            else:
                # Upgrades from long-polling (a guard: we offer WebSocket only).
                await self.handler(self)
        finally:
            if self._outbox is not None:
                self._outbox.detach()
        return self._sock

    async def session(self, socket: eio_socket.AsyncSocket) -> None:
        """python-engineio's WebSocket session of a socket opened on WebSocket.

        ``AsyncSocket._websocket_handler`` without an upgrade, step for step
        (the writer task, the read loop, the close that follows), except the
        read: awaited in place, the idle timeout kept by one ``IdleTimer``,
        and a message packet (``4`` then a digit: a Socket.IO packet) handed
        straight to the ``message`` handler, with the engine's error handling
        (``_trigger_event``). Other packets take the engine's ``receive``.
        """
        server = self.server
        socket.connected = True
        socket.upgraded = True
        writer = asyncio.ensure_future(self._write(socket))
        on_message = server.handlers.get("message")
        max_bytes = server.max_http_buffer_size
        receive = self._sock.receive
        timer = IdleTimer.of_session(server)
        try:
            while True:
                timer.start_wait()
                try:
                    data = (await receive()).data
                except asyncio.CancelledError:
                    # As the engine: a cancelled or timed-out read ends the session.
                    timer.settle()
                    break
                except Exception:
                    break
                timer.waiting = False
                if not isinstance(data, str | bytes) or len(data) > max_bytes:
                    # The engine's wait(): a closed or failed WebSocket, or too large.
                    break
                if (
                    on_message is not None
                    and isinstance(data, str)
                    and len(data) > 1
                    and data[0] == ENGINEIO_MESSAGE
                    and data[1].isnumeric()
                ):
                    await _trigger_message(server, on_message, socket.sid, data[1:])
                    continue
                # Decoded outside the try, as the engine does.
                packet = eio_packet.Packet(encoded_packet=data)
                try:
                    await socket.receive(packet)
                except eio_exceptions.UnknownPacketError:
                    pass
                except eio_exceptions.SocketIsClosedError:
                    server.logger.info("Receive error -- socket is closed")
                    break
                except Exception:
                    server.logger.exception("Unknown receive error")
        finally:
            timer.cancel()
        await socket.queue.put(None)  # the writer task ends
        await writer
        await socket.close(wait=False, abort=True, reason=server.reason.TRANSPORT_CLOSE)

    async def _write(self, socket: eio_socket.AsyncSocket) -> None:
        # The engine's writer task: sends what the socket's queue holds until
        # its end (or a failed send, or ``ping_interval + ping_timeout``
        # without a packet to send), then closes the WebSocket. As
        # ``AsyncSocket.poll`` and the engine's writer, except the wait:
        # ``poll`` wraps each one in ``wait_for`` (a task and a timer per
        # wake-up: every ping); here one ``IdleTimer`` per socket keeps the
        # same timeout.
        queue = socket.queue
        timer = IdleTimer.of_session(self.server)
        try:
            while True:
                timer.start_wait()
                try:
                    packet = await queue.get()
                except asyncio.CancelledError:
                    # As ``poll``: a timed-out or cancelled wait ends the writer.
                    timer.settle()
                    break
                timer.waiting = False
                queue.task_done()
                if packet is None:
                    break
                packets = [packet]
                while not queue.empty():
                    packet = queue.get_nowait()
                    queue.task_done()
                    if packet is None:
                        # The end stays queued for the next wait, as in ``poll``.
                        queue.put_nowait(None)
                        break
                    packets.append(packet)
                try:
                    for packet in packets:
                        await self.send(packet.encode())
                except (Exception, asyncio.CancelledError):
                    # As the engine's writer (a bare except): the session is over.
                    break
        finally:
            timer.cancel()
        await self.close()

    async def close(self) -> None:
        # Before the close frame: no direct frame may follow it.
        outbox = getattr(self, "_outbox", None)
        if outbox is not None:
            outbox.detach()
        await super().close()

    async def send(self, message: str | bytes) -> None:
        # Only the socket's writer task sends here, with packets it took
        # from the outbox; an uncompressed frame reaches the transport before
        # this awaits anything (aiohttp's writer), so counting it out first
        # keeps the order.
        outbox = getattr(self, "_outbox", None)
        if outbox is not None:
            outbox.written()
        await super().send(message)


class DirectEngineServer(engineio.AsyncServer):  # type: ignore[misc]
    """python-engineio's server with ``SocketOutbox`` queues and ``DirectWebSocket``.

    Args:
        max_buffered_bytes: See ``SocketOutbox``.
        max_queued_packets: See ``SocketOutbox``.
        kwargs: python-engineio's options.
    """

    _async: dict[str, Any]
    """python-engineio's table of async drivers (set by its constructor)."""

    def __init__(self, *, max_buffered_bytes: int, max_queued_packets: int, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._max_buffered = max_buffered_bytes
        self._max_queued = max_queued_packets
        self.slow_consumers = 0
        """Sockets aborted because they did not keep up."""
        self.batch = FrameBatch()
        """Direct frames of the loop's turn, for every socket of this server."""
        # The engine picks its WebSocket class from this table, per server.
        self._async = {**self._async, "websocket": DirectWebSocket}

    def create_queue(self, *args: Any, **kwargs: Any) -> SocketOutbox:
        """Each socket's queue (python-engineio calls this once per socket)."""
        return SocketOutbox(
            max_buffered_bytes=self._max_buffered,
            max_queued_packets=self._max_queued,
            on_overflow=self._count_slow_consumer,
            batch=self.batch,
        )

    def outbox(self, eio_sid: str) -> SocketOutbox | None:
        """The outbox of one of this server's sockets, if it has one."""
        socket = self.sockets.get(eio_sid)
        queue = None if socket is None else socket.queue
        return queue if isinstance(queue, SocketOutbox) else None

    def send_now(self, eio_sid: str, data: str) -> bool:
        """Engine.IO's ``send`` of a text message, in place, when it can be.

        ``send`` is four coroutines deep (the server's ``send`` and
        ``send_packet``, the socket's ``send`` and its ping check, the queue's
        ``put``) before it reaches the outbox; a command's acknowledgement
        went through all of them. Here the same checks, in place, for a
        socket whose outbox is open for direct writes: there, the packet is
        held for the end of the loop's turn (or queued behind what is ahead of
        it), as ``send`` would.

        Returns:
            False when it was not sent: no such socket, closed, not direct, or
            a client past its ping timeout (the engine's ``send`` then closes
            it): call ``send`` instead.
        """
        socket = self.sockets.get(eio_sid)
        if socket is None or socket.closed:
            return False
        outbox = socket.queue
        if not isinstance(outbox, SocketOutbox) or not outbox.is_direct:
            return False
        last_ping = socket.last_ping
        if last_ping and time.time() - last_ping > self.ping_timeout:
            return False
        outbox.put_nowait(eio_packet.Packet(eio_packet.MESSAGE, data))
        return True

    def _count_slow_consumer(self) -> None:
        self.slow_consumers += 1

    async def _service_task(self) -> None:
        """python-engineio's monitor of its sockets, a slice of them per tick.

        The engine's own goes through every socket once per ``ping_timeout``
        (dropping closed ones, closing those whose client missed a ping), one
        socket at a time, waking ``len(sockets) / ping_timeout`` times a
        second, each wake a task and a timer for ``wait_for``: 62 a second for
        310 sockets, 2,000 for 10,000 idle ones. Here each tick of about
        ``SERVICE_TICK_S`` checks its share of the sockets, so every socket is
        still checked once per ``ping_timeout``, and the task still ends
        when ``shutdown`` sets its event.
        """
        loop = asyncio.get_running_loop()
        self.service_task_event = stop = self.create_event()
        while not stop.is_set():
            try:
                if not self.sockets:
                    await _wait_set(stop, self.ping_timeout)
                    continue
                ticks = max(1, round(self.ping_timeout / SERVICE_TICK_S))
                sockets = list(self.sockets.values())
                share = -(-len(sockets) // ticks)
                for tick in range(ticks):
                    # The last ticks may have nothing left to check: a round
                    # still lasts ``ping_timeout``, as the engine's does.
                    for socket in sockets[tick * share : (tick + 1) * share]:
                        if socket.closed:
                            self.sockets.pop(socket.sid, None)
                        elif not socket.closing:
                            await socket.check_ping_timeout()
                    if await _wait_set(stop, self.ping_timeout / ticks):
                        break
            except asyncio.CancelledError:
                # As the engine: cancelling the monitor stops it.
                self.logger.info("service task canceled")
                break
            except Exception:
                if loop.is_closed():
                    self.logger.info("event loop is closed, exiting service task")
                    break
                self.logger.exception("service task exception")


async def _wait_set(event: asyncio.Event, timeout_s: float) -> bool:
    """Wait for ``event`` at most ``timeout_s``; whether it was set."""
    try:
        await asyncio.wait_for(event.wait(), timeout_s)
    except TimeoutError:
        return False
    return True
