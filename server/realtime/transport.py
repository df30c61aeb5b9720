"""The Socket.IO server object and the HTTP route it answers on.

Choices made here, on purpose:

* WebSocket only: no long-polling, so no sticky sessions behind a load
  balancer and no HTTP bodies to bound.
* ``max_http_buffer_size`` is the message limit; python-engineio >= 4.13.2
  hands it to aiohttp as ``max_msg_size``, which refuses a larger frame from
  its header, before reading it.
* Binary packets are refused: no command carries binary data, and a packet
  announcing attachments would make the server hold data until they all
  arrive (GHSA-5w7q-77mv-v69f); the socket is closed instead.
* Room fan-out writes each event's frame straight to the sockets
  (``engine``): one frame built per event, one write per recipient, with
  per-socket order kept and a bound on what a slow consumer may hold.
* ``async_handlers=False``: one socket's commands run one after another, in
  the order sent, and a client that floods waits for its own commands
  (back-pressure) instead of spawning a task per packet.
* permessage-deflate only when ``realtime.compression`` is on: the
  extension offer is removed from the handshake otherwise, so aiohttp never
  negotiates it.
* With Redis, python-socketio's ``AsyncRedisManager`` carries Socket.IO-level
  traffic between nodes (emits addressed to sockets of other nodes,
  disconnects by sid). Room events do not need it: they reach every node in
  ``seq`` order through the room feed (``server.realtime.outbound``).
"""

from __future__ import annotations

import asyncio
import functools
import inspect
import json
import logging
from collections.abc import Callable
from typing import Any

import socketio
from aiohttp import web
from engineio import json as eio_json
from multidict import CIMultiDict
from socketio import packet as sio_packet

from .engine import DirectEngineServer
from .settings import RealtimeSettings

logger = logging.getLogger(__name__)

ENGINE_LOGGER = "server.realtime.engine"
"""python-socketio and python-engineio log here, at WARNING and above only:
at INFO they would write every packet, chat text included."""
SOCKETIO_CHANNEL = "socketio"
"""Suffix of python-socketio's pub/sub channel, after the Redis namespace."""
EIO_BINARY_EVENT = "5"
EIO_BINARY_ACK = "6"
SIO_EVENT = "2"
SIO_ACK = "3"
NAMESPACE = "/"
CATCH_ALL = "*"
ASCII_DIGITS = frozenset("0123456789")
MAX_ACK_ID_DIGITS = 15
MAX_JSON_INT_DIGITS = 100
"""Longer ack ids take python-socketio's path (it refuses those over 100 digits)."""


class JumelageSocketServer(socketio.AsyncServer):  # type: ignore[misc]
    """python-socketio's server on ``DirectEngineServer``, refusing binary packets."""

    eio: DirectEngineServer

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        codec = self.packet_class.json
        self._loads: Callable[[str], Any] = codec.loads
        self._dumps: Callable[[Any], str] = functools.partial(codec.dumps, separators=(",", ":"))
        if codec is eio_json:
            # The same codecs, built once: json.loads and json.dumps build a
            # new decoder or encoder on every call that passes options.
            self._loads = json.JSONDecoder(parse_int=_bounded_int).decode
            self._dumps = json.JSONEncoder(separators=(",", ":")).encode
        self._coroutine_handlers: dict[Callable[..., Any], bool] = {}
        """Whether each catch-all handler seen is a coroutine function."""

    def _engineio_server_class(self) -> type[DirectEngineServer]:
        # python-socketio's hook for the Engine.IO server it builds.
        return DirectEngineServer

    async def _handle_eio_message(self, eio_sid: str, data: Any) -> None:
        # The one hook python-socketio offers before a packet is decoded.
        if isinstance(data, bytes) or (
            isinstance(data, str) and data[:1] in (EIO_BINARY_EVENT, EIO_BINARY_ACK)
        ):
            logger.warning("binary packet refused; closing the socket")
            await self.eio.disconnect(eio_sid)
            return
        event = _plain_event(data, self._loads)
        if event is None:
            await super()._handle_eio_message(eio_sid, data)
        else:
            await self._handle_plain_event(eio_sid, *event)

    async def _handle_plain_event(self, eio_sid: str, ack_id: int | None, data: list[Any]) -> None:
        """An event for the catch-all handler, as python-socketio would run it.

        ``_handle_event``, ``_handle_event_internal`` and ``_trigger_event``
        for the one case every command is: an event of the default namespace
        whose name has no handler of its own, so the catch-all (``"*"``) takes
        it. The handler is ours and a coroutine function (python-socketio
        asks ``inspect`` for each event), and its acknowledgement is encoded
        here as python-socketio encodes a non-binary ACK. Any other case goes
        to python-socketio's own path.
        """
        name = data[0]
        handlers = self.handlers.get(NAMESPACE, {})
        catch_all = handlers.get(CATCH_ALL)
        if (
            catch_all is None
            or not isinstance(name, str)
            or name in handlers
            or name in self.reserved_events
            or not self._is_coroutine_handler(catch_all)
        ):
            await self._handle_event(eio_sid, NAMESPACE, ack_id, data)
            return
        sid = self.manager.sid_from_eio_sid(eio_sid, NAMESPACE)
        if not self.manager.is_connected(sid, NAMESPACE):
            # python-socketio logs it and drops the event.
            await self._handle_event(eio_sid, NAMESPACE, ack_id, data)
            return
        try:
            result = await catch_all(name, sid, *data[1:])
        except asyncio.CancelledError:
            # As python-socketio's _trigger_event: a cancelled handler answers None.
            result = None
        if ack_id is None or result == self.not_handled:
            return
        ack = [] if result is None else list(result) if isinstance(result, tuple) else [result]
        try:
            encoded = f"{SIO_ACK}{ack_id}{self._dumps(ack)}"
        except TypeError:
            # Not JSON: python-socketio's packet handles binary data.
            await self._send_packet(
                eio_sid, self.packet_class(sio_packet.ACK, namespace=NAMESPACE, id=ack_id, data=ack)
            )
            return
        if not self.eio.send_now(eio_sid, encoded):
            await self.eio.send(eio_sid, encoded)

    def _is_coroutine_handler(self, handler: Callable[..., Any]) -> bool:
        known = self._coroutine_handlers.get(handler)
        if known is None:
            known = self._coroutine_handlers[handler] = inspect.iscoroutinefunction(handler)
        return known


def _bounded_int(digits: str) -> int:
    """python-engineio's JSON integers: more than 100 digits is an error."""
    if len(digits) > MAX_JSON_INT_DIGITS:
        raise ValueError("Integer is too large")
    return int(digits)


def _plain_event(data: Any, loads: Callable[[str], Any]) -> tuple[int | None, list[Any]] | None:
    """A Socket.IO EVENT of the default namespace: its ack id and its data.

    The text form every client command takes, ``2`` then an optional ack id
    (ASCII digits) then a JSON array with the event's name first
    (https://socket.io/docs/v4/socket-io-protocol/), decoded as
    python-socketio's ``Packet.decode`` would. None for anything else (a
    namespace, an attachment count, another packet type, bad JSON, not an
    array, no name), which python-socketio's own path then handles, its
    errors included.
    """
    if not isinstance(data, str) or data[:1] != SIO_EVENT:
        return None
    end = 1
    while end < len(data) and data[end] in ASCII_DIGITS:
        end += 1
    if end - 1 > MAX_ACK_ID_DIGITS or data[end : end + 1] != "[":
        return None
    try:
        decoded = loads(data[end:])
    except ValueError:
        return None
    if not isinstance(decoded, list) or not decoded:
        return None
    return (int(data[1:end]) if end > 1 else None), decoded


def build_socket_server(
    settings: RealtimeSettings,
    *,
    redis_url: str | None,
    namespace: str,
    cors_origins: list[str] | None,
) -> JumelageSocketServer:
    """A Socket.IO server configured for Jumelage.

    Args:
        settings: The realtime section.
        redis_url: Share Socket.IO traffic between nodes through Redis, or None.
        namespace: The Redis namespace (the channel is named under it).
        cors_origins: Origins allowed to open a socket; None means same-origin
            only (clients without an ``Origin`` header, like the SDK, are not
            affected: they must present a token anyway).
    """
    manager = (
        None
        if redis_url is None
        else socketio.AsyncRedisManager(redis_url, channel=f"{namespace}:{SOCKETIO_CHANNEL}")
    )
    return JumelageSocketServer(
        client_manager=manager,
        async_mode="aiohttp",
        transports=["websocket"],
        allow_upgrades=False,
        http_compression=False,
        max_http_buffer_size=settings.max_message_bytes,
        ping_interval=settings.ping_interval_s,
        ping_timeout=settings.ping_timeout_s,
        cors_allowed_origins=cors_origins,
        async_handlers=False,
        max_buffered_bytes=settings.max_buffered_bytes,
        max_queued_packets=settings.max_queued_messages,
        logger=_library_logger(),
        engineio_logger=_library_logger(),
    )


def _library_logger() -> logging.Logger:
    # Handing the libraries a logger of ours keeps them from adding their own
    # stream handler (which prints beside the structured logs).
    library = logging.getLogger(ENGINE_LOGGER)
    library.setLevel(logging.WARNING)
    return library


def socket_endpoint(server: JumelageSocketServer, *, compression: bool) -> Any:
    """The aiohttp handler of the Socket.IO path."""

    async def socket_io(request: web.Request) -> web.StreamResponse:
        if not compression and "Sec-WebSocket-Extensions" in request.headers:
            headers = CIMultiDict(request.headers)
            del headers["Sec-WebSocket-Extensions"]
            request = request.clone(headers=headers)
        response: web.StreamResponse = await server.handle_request(request)
        return response

    return socket_io


async def close_socket_server(server: JumelageSocketServer) -> None:
    """Close every socket of this node and stop the server's background tasks."""
    for eio_sid in list(server.eio.sockets):
        await server.eio.disconnect(eio_sid)
    await server.shutdown()
    manager = server.manager
    listener = getattr(manager, "thread", None)
    if listener is not None:
        listener.cancel()
        # asyncio.wait does not raise the listener's own cancellation.
        await asyncio.wait({listener})
    for attribute in ("pubsub", "redis"):
        client = getattr(manager, attribute, None)
        if client is not None:
            await client.aclose()
